"""The recommender's mathematics, free of Django: matrices in, scores out.

Everything here works on row/column indexes and numpy arrays, so that the product (which maps
them to users and tracks in the database) and `manage.py evaluate_recommendations` (which runs
them on a generated dataset in memory) score with exactly the same code.
"""
