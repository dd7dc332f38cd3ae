"""Training, publishing and lazily loading the model; a missing or corrupt file is no error."""

from __future__ import annotations

import io
import logging

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.recommendations.models import TrainedModel
from apps.recommendations.serving import current_model, forget_loaded_model
from apps.recommendations.training import train_and_publish
from tests.factories import TrackFactory, UserFactory
from tests.recommendations.listening import listen

pytestmark = pytest.mark.django_db


def some_history():
    tracks = [TrackFactory() for _ in range(6)]
    for n in range(4):
        listen(UserFactory(), tracks[n : n + 3])
    return tracks


def test_nothing_to_learn_from_publishes_nothing():
    assert train_and_publish() is None
    assert current_model() is None
    assert not TrainedModel.objects.exists()


def test_a_trained_model_is_stored_published_and_loaded_lazily():
    tracks = some_history()
    model = train_and_publish(factors=4, iterations=3)

    assert (model.users, model.tracks, model.ready) == (4, 6, True)
    assert default_storage.exists(model.storage_key)
    loaded = current_model()
    assert loaded.version == model.version
    assert sorted(loaded.track_ids.tolist()) == sorted(t.pk for t in tracks)
    rows, known = loaded.track_rows([tracks[0].pk, 10**9])
    assert known.tolist() == [True, False]


def test_only_the_newest_versions_are_kept():
    some_history()
    versions = [train_and_publish(factors=4, iterations=2) for _ in range(5)]
    kept = list(TrainedModel.objects.values_list("version", flat=True))
    assert kept == [v.version for v in reversed(versions)][:3]
    assert not default_storage.exists(versions[0].storage_key)


@pytest.mark.parametrize("damage", ["missing", "corrupt", "mismatched"])
def test_a_broken_model_file_is_logged_and_served_as_no_model(damage, caplog):
    some_history()
    model = train_and_publish(factors=4, iterations=2)
    default_storage.delete(model.storage_key)
    if damage == "corrupt":
        default_storage.save(model.storage_key, ContentFile(b"not a numpy archive"))
    elif damage == "mismatched":  # a readable archive whose factors do not match its id lists
        data = io.BytesIO()
        np.savez(data, user_ids=np.arange(3), track_ids=np.arange(2), user_factors=np.zeros((1, 4)),
                 item_factors=np.zeros((2, 4)), regularization=np.float32(0.1))  # fmt: skip
        default_storage.save(model.storage_key, ContentFile(data.getvalue()))
    forget_loaded_model()

    with caplog.at_level(logging.ERROR, logger="apps.recommendations.serving"):
        assert current_model() is None
    assert f"model v{model.version}" in caplog.text
