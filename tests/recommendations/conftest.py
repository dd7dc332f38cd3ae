from __future__ import annotations

import pytest

from apps.catalog.features import feature_index_clear
from apps.recommendations.serving import forget_loaded_model


@pytest.fixture(autouse=True)
def _fresh_recommender(settings):
    """Events are read as soon as they are stored, and no process-wide model or feature index
    outlives a test."""
    settings.RECOMMENDATIONS_SETTLE_SECONDS = 0
    forget_loaded_model()
    feature_index_clear()
    yield
    forget_loaded_model()
    feature_index_clear()
