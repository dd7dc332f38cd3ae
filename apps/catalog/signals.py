"""Signals the catalog sends for writes that Django's own signals do not cover."""

from __future__ import annotations

from django.dispatch import Signal

# Tracks created in bulk (no post_save per row): `track_ids`. Sent inside the creating transaction,
# so receivers (the rights app's availability projection) write in it too.
tracks_bulk_created = Signal()
