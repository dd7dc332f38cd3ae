"""Audio features: measured with real ffmpeg and real librosa on generated music, saved at ingest,
served in the Spotify shape, and compared by cosine similarity.

Tempo is checked "octave-free": a beat tracker that locks onto half or double the written tempo
has heard the same pulse. Tempo evaluations score that with a second accuracy (Gouyon et al. 2006,
used by MIREX: factors of 2 and 3 within 4 %); here a reading counts when it is within 2 % of the
tempo, half of it or twice it. The music comes from the demo synthesiser (seeded: the same samples
on every run) and from ffmpeg's signal generators.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import math
import time
from pathlib import Path

import numpy as np
import pytest
from celery import current_app
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.models import Role
from apps.catalog import features as feature_selectors
from apps.catalog.demo.synth import Piece, render_wav
from apps.catalog.features import (
    DIMENSIONS,
    VERSION_KEY,
    feature_index,
    feature_index_clear,
    feature_vectors,
    tracks_needing_analysis,
)
from apps.catalog.media import features as media_features
from apps.catalog.media.features import (
    ANALYSER_VERSION,
    FEATURE_NAMES,
    STANDARDISATION,
    VECTOR_COMPONENTS,
    FeatureExtractionError,
    UnanalysableAudio,
    analyse_audio,
    decode_excerpt,
    excerpt_bounds,
    feature_vector,
    key_on_circle_of_fifths,
)
from apps.catalog.models import AudioFeatures, IngestState, Track
from apps.catalog.services.ingest import track_analyse, track_ingest
from apps.catalog.services.uploads import track_reingest
from apps.rights import services as rights
from tests import audio
from tests.catalog.test_upload_api import audio_upload
from tests.catalog.test_worker import wait_for_final_state, worker  # noqa: F401 (the fixture)
from tests.conftest import api_client_for, web_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory

C, G, A, F_SHARP = 0, 7, 9, 6
MAJOR, MINOR = 1, 0


@pytest.fixture(autouse=True)
def _fresh_index():
    """The index is cached per process; each test starts from its own rows."""
    feature_index_clear()
    yield
    feature_index_clear()


def piece_wav(path: Path, **music) -> Path:
    return render_wav(Piece(**{"seconds": 15.0, **music}), path)


def same_pulse(measured: float, expected: float, tolerance: float = 0.02) -> bool:
    return any(abs(measured / (expected * factor) - 1) <= tolerance for factor in (0.5, 1, 2))


def analysed(path: Path) -> media_features.MeasuredFeatures:
    return analyse_audio(path, duration_ms=None)


# --- Measuring -----------------------------------------------------------------------------------


def test_it_reads_120_bpm_from_a_click_track(tmp_path):
    # 10 ms bursts of 2 kHz every half second: a metronome.
    click = tmp_path / "click.flac"
    audio.ffmpeg(
        "-f", "lavfi", "-i", "aevalsrc='0.8*sin(2*PI*2000*t)*lt(mod(t,0.5),0.01)':s=44100:d=15", str(click)
    )  # fmt: skip
    measured = analysed(click)
    assert same_pulse(measured.tempo, 120), measured.tempo
    assert measured.danceability > 0.5  # a metronome's pulse is as clear as a pulse gets
    assert measured.beat_strength > 2


@pytest.mark.parametrize(
    ("tempo", "drums", "timbre"),
    [(120, "four", "epiano"), (95, "four", "pluck"), (128, "jazz", "bell")],
)
def test_it_reads_the_tempo_of_a_drum_groove(tmp_path, tempo, drums, timbre):
    measured = analysed(piece_wav(tmp_path / "groove.wav", tempo_bpm=tempo, drums=drums, timbre=timbre, seed=3))
    assert same_pulse(measured.tempo, tempo), measured.tempo


def test_it_tells_a_c_major_progression_from_an_a_minor_one(tmp_path):
    major = analysed(piece_wav(tmp_path / "c.wav", key="C", mode="major", progression=("I", "IV", "V", "I")))
    minor = analysed(piece_wav(tmp_path / "am.wav", key="A", mode="minor", progression=("i", "iv", "v", "i"), seed=1))
    assert (major.key, major.mode) == (C, MAJOR), major
    assert (minor.key, minor.mode) == (A, MINOR), minor
    assert major.key_confidence > media_features.KEY_MIN_CORRELATION


def test_it_hears_three_beats_in_a_waltz_and_four_in_a_groove(tmp_path):
    # Pieces whose beats the tracker follows at the written tempo: the metre can only be as right
    # as the beats (see `_beats_per_bar`).
    waltz = analysed(piece_wav(tmp_path / "waltz.wav", tempo_bpm=105, key="G", meter=3, drums=None, timbre="saw"))
    groove = analysed(piece_wav(tmp_path / "groove.wav", tempo_bpm=120, drums="pop"))
    assert waltz.time_signature == 3
    assert groove.time_signature == 4


def test_a_louder_master_has_more_energy_and_loudness(tmp_path):
    loud = piece_wav(tmp_path / "loud.wav", drums="pop")
    quiet = tmp_path / "quiet.wav"
    audio.ffmpeg("-i", str(loud), "-af", "volume=-20dB", str(quiet))

    loud_features, quiet_features = analysed(loud), analysed(quiet)

    assert loud_features.energy > quiet_features.energy + 0.3
    assert loud_features.loudness - quiet_features.loudness == pytest.approx(20, abs=0.5)
    # The same music at another level: the shape of its spectrum and its rhythm do not move.
    assert quiet_features.tempo == pytest.approx(loud_features.tempo, rel=0.01)
    assert quiet_features.spectral_centroid == pytest.approx(loud_features.spectral_centroid, rel=0.05)


def test_noise_is_flatter_and_brighter_than_music_and_has_no_key(tmp_path):
    noise = tmp_path / "noise.flac"
    audio.ffmpeg("-f", "lavfi", "-i", "anoisesrc=color=white:amplitude=0.3:sample_rate=44100:duration=8", str(noise))
    music = analysed(piece_wav(tmp_path / "music.wav", seconds=8.0))
    hiss = analysed(noise)
    assert hiss.spectral_flatness > 10 * music.spectral_flatness
    assert hiss.spectral_centroid > 2 * music.spectral_centroid
    assert hiss.zero_crossing_rate > music.zero_crossing_rate
    assert hiss.key == -1


def test_silence_and_too_little_audio_have_nothing_to_measure(tmp_path):
    with pytest.raises(UnanalysableAudio, match="silent"):
        analysed(audio.silence(tmp_path / "silence.flac", seconds=10))
    with pytest.raises(UnanalysableAudio, match="at least"):
        analysed(audio.music_like(tmp_path / "short.flac", seconds=2))


def test_a_file_ffmpeg_cannot_read_is_an_extraction_error(tmp_path):
    junk = tmp_path / "junk.flac"
    junk.write_bytes(b"fLaC" + bytes(range(256)) * 40)
    with pytest.raises(FeatureExtractionError, match="ffmpeg could not decode"):
        analysed(junk)


def test_it_analyses_at_most_two_minutes_from_the_middle():
    assert excerpt_bounds(300_000) == (90.0, 120.0)
    assert excerpt_bounds(120_000) == (0.0, 120.0)
    assert excerpt_bounds(45_000) == (0.0, 45.0)
    assert excerpt_bounds(None) == (0.0, 120.0)  # unknown length: from the start


def test_the_excerpt_is_decoded_from_where_it_starts(tmp_path):
    # 4 s of silence, then 4 s of a tone: an excerpt starting at 4 s is all tone.
    source = tmp_path / "half.wav"
    audio.ffmpeg(
        "-f", "lavfi", "-i", "aevalsrc='0.5*sin(2*PI*440*t)*gte(t,4)':s=44100:d=8", "-c:a", "pcm_s16le", str(source)
    )  # fmt: skip
    tail = decode_excerpt(source, start_s=4.0, seconds=3.0, demuxer="wav")
    head = decode_excerpt(source, start_s=0.0, seconds=3.0, demuxer="wav")
    assert len(tail) == len(head) == 3 * media_features.SAMPLE_RATE
    assert np.abs(tail).min() < 0.5 < np.abs(tail).max() and np.abs(head).max() < 1e-3


@pytest.mark.parametrize("channels", ["mono", "stereo"])
def test_a_mono_and_a_stereo_master_read_the_same_level(tmp_path, channels):
    # The same sine at -20 dBFS peak, in one channel or in both: -23 dBFS RMS either way.
    wave = "0.1*sin(2*PI*997*t)"
    expression = wave if channels == "mono" else f"{wave}|{wave}"
    source = tmp_path / f"{channels}.wav"
    audio.ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{expression}':s=44100:d=4", str(source))
    samples = decode_excerpt(source, start_s=0, seconds=4, demuxer="wav")
    assert 10 * math.log10(np.mean(np.square(samples, dtype=np.float64))) == pytest.approx(-23.01, abs=0.05)


# --- The vector ------------------------------------------------------------------------------------


def values(**overrides) -> dict[str, float]:
    base = {
        "tempo": 118.0, "key": C, "mode": MAJOR, "time_signature": 4, "energy": 0.65, "loudness": -11.0,
        "danceability": 0.5, "spectral_centroid": 2000.0, "spectral_bandwidth": 2200.0, "spectral_rolloff": 4200.0,
        "spectral_flatness": 0.01, "zero_crossing_rate": 0.07, "onset_rate": 3.0, "beat_strength": 3.0,
    }  # fmt: skip
    return {**base, **overrides}


def test_every_measured_field_is_a_model_field_and_a_vector_component():
    assert set(FEATURE_NAMES) <= {field.name for field in AudioFeatures._meta.get_fields()}
    assert set(FEATURE_NAMES) <= {field.name for field in dataclasses.fields(media_features.MeasuredFeatures)}
    assert set(STANDARDISATION) == set(FEATURE_NAMES) - {"key"}
    assert VECTOR_COMPONENTS[:3] == ("tempo", "key_fifths_sin", "key_fifths_cos")
    assert len(VECTOR_COMPONENTS) == DIMENSIONS == len(FEATURE_NAMES) + 1


def test_the_vector_is_unit_length_and_in_component_order():
    vector = feature_vector(values(tempo=150.0))
    assert len(vector) == len(VECTOR_COMPONENTS)
    assert math.isclose(math.fsum(v * v for v in vector), 1.0, abs_tol=1e-5)
    # The only features away from their references are the tempo and the key (C: cos 1).
    tempo, key_sin, key_cos = vector[:3]
    assert tempo > 0 and key_cos > 0 and abs(key_sin) < 1e-6


def test_neighbouring_keys_on_the_circle_of_fifths_are_near():
    def distance(a, b):
        return math.dist(key_on_circle_of_fifths(*a), key_on_circle_of_fifths(*b))

    assert distance((C, MAJOR), (G, MAJOR)) < distance((C, MAJOR), (F_SHARP, MAJOR))
    assert distance((C, MAJOR), (A, MINOR)) == pytest.approx(0)  # relative keys share a signature
    assert key_on_circle_of_fifths(-1, MAJOR) == (0.0, 0.0)


def test_a_degenerate_measurement_cannot_swamp_the_vector():
    # A pure tone's beat strength (no onsets to average) is thousands of times the reference. It
    # counts as Z_LIMIT standard deviations: beside it, every other feature sits at its reference
    # except the key (C: cos 1), the mode (major: +0.4) and the metre (4/4: +0.1).
    vector = feature_vector(values(beat_strength=10_000.0))
    others = 1.0**2 + 0.4**2 + 0.1**2
    limit = media_features.Z_LIMIT
    assert vector[VECTOR_COMPONENTS.index("beat_strength")] == pytest.approx(limit / math.sqrt(others + limit**2))
    assert vector == feature_vector(values(beat_strength=1_000_000.0))


# --- Ingest --------------------------------------------------------------------------------------


def stored_track(source: Path, **fields) -> Track:
    """A track in `uploaded` state whose master is stored, as an upload leaves it."""
    track = Track.objects.create(album=AlbumFactory(), title="Test", ingest_state=IngestState.UPLOADED, **fields)
    with source.open("rb") as handle:
        track.master_key = default_storage.save(f"masters/{track.public_id}/{source.name}", File(handle))
    track.save(update_fields=["master_key"])
    return track


@pytest.mark.django_db
def test_ingest_measures_and_saves_the_features(tmp_path):
    track = stored_track(piece_wav(tmp_path / "song.wav", seconds=12.0, tempo_bpm=120, drums="four"))

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.READY, track.ingest_error
    features = AudioFeatures.objects.get(track=track)
    assert features.analyser_version == ANALYSER_VERSION and features.analysed_at <= timezone.now()
    assert same_pulse(features.tempo, 120)
    assert features.loudness == pytest.approx(track.loudness_lufs, abs=0.01)  # EBU R128, not RMS
    assert features.excerpt_ms == pytest.approx(12_000, abs=50)
    assert len(features.vector) == DIMENSIONS
    assert features.vector == feature_vector({name: getattr(features, name) for name in FEATURE_NAMES})


@pytest.mark.django_db
def test_a_silent_track_is_published_without_features(tmp_path, caplog):
    track = stored_track(audio.silence(tmp_path / "silence.flac", seconds=10))

    with caplog.at_level(logging.INFO, logger="apps.catalog.services.ingest"):
        track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.READY, track.ingest_error
    assert not AudioFeatures.objects.filter(track=track).exists()
    assert f"track {track.public_id} (id {track.pk}) has no audio features: the audio is silent" in caplog.text


@pytest.mark.django_db
def test_a_failed_analysis_leaves_the_track_ready_without_features(tmp_path, caplog, monkeypatch):
    # A real failure: ffmpeg's decode for analysis is killed at once by its time limit.
    monkeypatch.setattr(media_features, "DECODE_TIMEOUT_SECONDS", 0)
    track = stored_track(piece_wav(tmp_path / "song.wav", seconds=6.0))

    with caplog.at_level(logging.WARNING, logger="apps.catalog.services.ingest"):
        track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.READY and track.ingest_error == ""
    assert track.renditions.count() == 3
    assert not AudioFeatures.objects.filter(track=track).exists()
    warning = next(r for r in caplog.records if r.levelname == "WARNING" and r.name == "apps.catalog.services.ingest")
    assert f"audio analysis of track {track.public_id} (id {track.pk}) failed" in warning.getMessage()

    # The backfill measures it later.
    monkeypatch.undo()
    assert list(tracks_needing_analysis()) == [track.pk]
    out = io.StringIO()
    call_command("analyse_audio_features", "--inline", stdout=out)
    assert "Analysed 1 of 1 track(s)" in out.getvalue()
    assert AudioFeatures.objects.filter(track=track, analyser_version=ANALYSER_VERSION).exists()
    assert list(tracks_needing_analysis()) == []


@pytest.mark.django_db
def test_a_reingest_replaces_the_row(tmp_path, django_capture_on_commit_callbacks):
    track = stored_track(piece_wav(tmp_path / "song.wav", seconds=6.0))
    track_ingest(track_id=track.pk)
    first = AudioFeatures.objects.get(track=track)

    def reingest():
        with django_capture_on_commit_callbacks(execute=False):
            track_reingest(track=Track.objects.get(pk=track.pk))
        track_ingest(track_id=track.pk)

    reingest()
    second = AudioFeatures.objects.get(track=track)
    assert second.analysed_at > first.analysed_at and second.tempo == first.tempo

    # The master replaced by silence: the old features no longer describe the track, and go.
    with default_storage.open(track.master_key, "wb") as out:
        out.write(audio.silence(tmp_path / "silence.flac", seconds=6, sample_rate=44100).read_bytes())
    reingest()
    assert Track.objects.get(pk=track.pk).ingest_state == IngestState.READY
    assert not AudioFeatures.objects.filter(track=track).exists()


@pytest.mark.django_db
def test_the_backfill_picks_tracks_without_features_or_with_older_ones(tmp_path):
    missing = stored_track(piece_wav(tmp_path / "a.wav", seconds=5.0))
    Track.objects.filter(pk=missing.pk).update(ingest_state=IngestState.READY, hls_prefix="audio/x/y")
    outdated = TrackFactory()
    AudioFeatures.objects.create(
        track=outdated, **values(), key_confidence=0.9, vector=feature_vector(values()), analysed_at=timezone.now(),
        analyser_version=ANALYSER_VERSION - 1,
    )  # fmt: skip
    current = TrackFactory()
    AudioFeatures.objects.create(
        track=current, **values(), key_confidence=0.9, vector=feature_vector(values()), analysed_at=timezone.now(),
        analyser_version=ANALYSER_VERSION,
    )  # fmt: skip
    TrackFactory(ingest_state=IngestState.PROCESSING, hls_prefix="")  # ingest will measure it

    assert list(tracks_needing_analysis()) == [missing.pk, outdated.pk]
    assert list(tracks_needing_analysis(missing_only=True)) == [missing.pk]

    assert track_analyse(track_id=missing.pk) is True
    assert AudioFeatures.objects.get(track=missing).loudness < 0

    # One track by its id, whatever it has; nothing for one that is not ready or does not exist.
    out = io.StringIO()
    call_command("analyse_audio_features", "--track", missing.public_id, "--inline", stdout=out)
    assert f"track {missing.pk}: analysed" in out.getvalue()
    processing = Track.objects.get(ingest_state=IngestState.PROCESSING)
    for wrong, message in ((str(processing.pk), "not ready"), ("nope!", "neither"), ("987654", "No track")):
        with pytest.raises(CommandError, match=message):
            call_command("analyse_audio_features", "--track", wrong, "--inline")


# --- The API -------------------------------------------------------------------------------------


def with_features(track: Track, **overrides) -> AudioFeatures:
    measured = values(**overrides)
    return AudioFeatures.objects.create(
        track=track, **measured, key_confidence=0.8, excerpt_ms=120_000, vector=feature_vector(measured),
        analysed_at=timezone.now(), analyser_version=ANALYSER_VERSION,
    )  # fmt: skip


@pytest.mark.django_db
def test_it_serves_a_tracks_features_in_the_spotify_shape(api):
    track = TrackFactory(duration_ms=201_000)
    with_features(track, tempo=121.5, key=G, mode=MINOR, energy=0.8)

    response = api.get(f"/v1/audio-features/{track.public_id}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "audio_features"
    assert body["id"] == track.public_id and body["uri"] == f"spotify:track:{track.public_id}"
    assert body["track_href"] == f"http://testserver/v1/tracks/{track.public_id}"
    assert body["duration_ms"] == 201_000
    assert (body["tempo"], body["key"], body["mode"], body["energy"]) == (121.5, G, MINOR, 0.8)
    for name in ("danceability", "loudness", "time_signature", "spectral_centroid", "beat_strength", "onset_rate"):
        assert name in body
    assert "valence" not in body and "acousticness" not in body  # not measured, not made up


@pytest.mark.django_db
def test_several_come_back_in_order_with_null_for_what_cannot_be_shown(api):
    staff = UserFactory(email="rights@example.test", role="staff")
    first, second = TrackFactory(), TrackFactory()
    with_features(first)
    with_features(second)
    not_ready = TrackFactory(ingest_state=IngestState.PROCESSING, hls_prefix="")
    with_features(not_ready)
    taken_down = TrackFactory()
    with_features(taken_down)
    rights.takedown_create(actor=staff, track=taken_down, territories=["*"], reason="claim")
    unmeasured = TrackFactory()
    unknown = TrackFactory.build().public_id

    ids = [second, not_ready, first, taken_down, unmeasured]
    query = ",".join([*(t.public_id for t in ids), unknown, first.public_id])
    response = api.get(f"/v1/audio-features?ids={query}")

    assert response.status_code == 200, response.content
    items = response.json()["audio_features"]
    assert [item and item["id"] for item in items] == [
        second.public_id, None, first.public_id, None, None, None, first.public_id,
    ]  # fmt: skip


@pytest.mark.django_db
def test_it_answers_404_for_what_it_cannot_show(api):
    staff = UserFactory(email="rights@example.test", role="staff")
    taken_down = TrackFactory()
    with_features(taken_down)
    rights.takedown_create(actor=staff, track=taken_down, territories=["*"], reason="claim")
    not_ready = TrackFactory(ingest_state=IngestState.FAILED, hls_prefix="")
    with_features(not_ready)

    for track_id in (TrackFactory.build().public_id, taken_down.public_id, not_ready.public_id):
        response = api.get(f"/v1/audio-features/{track_id}")
        assert response.status_code == 404, track_id
        assert response.json()["error"] == {"status": 404, "message": "Non existing id: track not found."}


@pytest.mark.django_db
def test_a_ready_track_not_analysed_yet_says_so(api):
    track = TrackFactory()
    response = api.get(f"/v1/audio-features/{track.public_id}")
    assert response.status_code == 404
    assert "not been measured yet" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_it_checks_its_input_and_its_caller(api, anon):
    track = TrackFactory()
    with_features(track)
    assert anon.get(f"/v1/audio-features/{track.public_id}").status_code == 401
    assert anon.get(f"/v1/audio-features?ids={track.public_id}").status_code == 401
    assert api.get("/v1/audio-features/not-an-id!").status_code == 400
    assert api.get("/v1/audio-features").status_code == 400  # ids are required
    too_many = ",".join([track.public_id] * 101)
    response = api.get(f"/v1/audio-features?ids={too_many}")
    assert response.status_code == 400 and "at most 100" in response.json()["error"]["message"]
    assert api.get(f"/v1/audio-features?ids={','.join([track.public_id] * 100)}").status_code == 200
    # Session auth, as the web app calls it, works too.
    session = api_client_for()
    session.force_login(UserFactory(email="web@example.test"))
    assert session.get(f"/v1/audio-features/{track.public_id}/").status_code == 200  # trailing slash too


# --- Similarity ----------------------------------------------------------------------------------


@pytest.fixture
def planted(db):
    """Four tracks with planted features: two fast bright dance tracks a fifth apart, a slow quiet
    minor ballad, and a noisy drone."""
    tracks = {name: TrackFactory(title=name) for name in ("dance", "dance_in_g", "ballad", "drone")}
    with_features(tracks["dance"], tempo=126, key=C, energy=0.85, danceability=0.8, loudness=-7)
    with_features(tracks["dance_in_g"], tempo=124, key=G, energy=0.8, danceability=0.75, loudness=-8)
    with_features(
        tracks["ballad"], tempo=70, key=A, mode=MINOR, energy=0.35, danceability=0.2, loudness=-18,
        spectral_centroid=900, spectral_rolloff=1800, onset_rate=1.2,
    )  # fmt: skip
    with_features(
        tracks["drone"], tempo=90, key=-1, energy=0.6, danceability=0.05, spectral_flatness=0.3,
        zero_crossing_rate=0.25, beat_strength=1.1, onset_rate=0.3,
    )  # fmt: skip
    return {name: track.pk for name, track in tracks.items()}


def test_a_tracks_nearest_neighbour_is_the_one_that_sounds_like_it(planted):
    index = feature_index()

    assert len(index) == 4 and index.track_ids.dtype == np.int64 and index.matrix.dtype == np.float32
    assert np.allclose(np.linalg.norm(index.matrix, axis=1), 1.0, atol=1e-5)
    nearest = index.similar_to_tracks([planted["dance"]], limit=3)
    assert nearest[0][0] == planted["dance_in_g"] and nearest[0][1] > 0.8
    assert [score for _, score in nearest] == sorted((score for _, score in nearest), reverse=True)
    assert planted["dance"] not in dict(nearest)  # the seed itself is never an answer
    assert index.similar_to_tracks([planted["dance_in_g"]], limit=1)[0][0] == planted["dance"]
    assert index.similar_to_tracks([planted["ballad"]], limit=3)[-1][0] in (planted["dance"], planted["dance_in_g"])


def test_similar_takes_a_vector_and_leaves_out_what_it_is_told(planted):
    index = feature_index()
    vector = feature_vectors([planted["dance"]])[planted["dance"]]

    assert index.similar(vector, limit=1)[0] == (planted["dance"], pytest.approx(1.0, abs=1e-5))
    best = index.similar(vector, limit=2, exclude=[planted["dance"]])
    assert [track for track, _ in best][0] == planted["dance_in_g"] and len(best) == 2
    assert index.similar(vector, limit=10, exclude=planted.values()) == []
    assert index.similar(np.zeros(DIMENSIONS), limit=5) == []
    with pytest.raises(ValueError, match="components"):
        index.similar([1.0, 0.0], limit=1)


def test_several_seeds_are_compared_through_their_mean_and_left_out(planted):
    index = feature_index()
    answer = index.similar_to_tracks([planted["dance"], planted["dance_in_g"]], limit=5)
    assert {track for track, _ in answer} == {planted["ballad"], planted["drone"]}
    assert index.similar_to_tracks([987654321], limit=5) == []  # not in the index: nothing to be near


@pytest.mark.django_db
def test_with_no_features_at_all_there_is_nothing_similar():
    index = feature_index()
    assert len(index) == 0 and index.matrix.shape == (0, DIMENSIONS)
    assert index.similar(feature_vector(values()), limit=10) == []
    assert index.similar_to_tracks([1, 2], limit=10) == []
    assert feature_vectors([1, 2]) == {}


@pytest.mark.django_db
def test_one_track_is_similar_to_nothing_but_itself():
    track = TrackFactory()
    with_features(track)
    index = feature_index()
    assert index.similar_to_tracks([track.pk], limit=5) == []
    assert index.similar(feature_vector(values()), limit=5)[0][0] == track.pk


@pytest.mark.django_db
def test_only_ready_tracks_are_in_the_index():
    ready, failed = TrackFactory(), TrackFactory(ingest_state=IngestState.FAILED, hls_prefix="")
    with_features(ready)
    with_features(failed)
    assert feature_index().track_ids.tolist() == [ready.pk]
    assert set(feature_vectors([ready.pk, failed.pk])) == {ready.pk, failed.pk}  # the caller decides


@pytest.mark.django_db
def test_the_index_is_rebuilt_after_features_change_and_not_before(monkeypatch, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    first = TrackFactory()
    with_features(first)
    index = feature_index()
    assert index.track_ids.tolist() == [first.pk]
    assert feature_index() is index  # the hot path: no cache read, no rebuild

    second = TrackFactory()
    version = cache.get(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        with_features(second)
    assert cache.get(VERSION_KEY) == version + 1  # bumped after commit
    assert feature_index() is index  # not looked at again within VERSION_CHECK_SECONDS

    monkeypatch.setattr(feature_selectors, "VERSION_CHECK_SECONDS", 0)
    assert feature_index().track_ids.tolist() == [first.pk, second.pk]

    with django_capture_on_commit_callbacks(execute=True):
        AudioFeatures.objects.filter(track=first).delete()
    assert feature_index().track_ids.tolist() == [second.pk]


# --- The admin -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_read_the_features_on_the_track_page():
    staff = web_client_for(UserFactory(email="staff@example.test", role=Role.STAFF, is_superuser=True))
    track = TrackFactory()
    with_features(track, tempo=123.25)

    response = staff.get(f"/admin/catalog/track/{track.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Audio features" in page and "123.25" in page
    assert 'name="audio_features-0-tempo"' not in page  # shown, not editable


# --- Through a real worker -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker")  # a real `celery worker` process (tests/catalog/test_worker.py)
def test_the_worker_measures_an_upload_and_runs_the_backfill_task(artist_user, tmp_path):
    upload = audio_upload(tmp_path, seconds=6, metadata={"title": "Measured by the worker"})

    response = api_client_for(artist_user).post("/v1/studio/uploads", {"file": upload}, format="multipart")

    assert response.status_code == 202, response.content
    track = wait_for_final_state(response.json()["id"])
    assert track.ingest_state == IngestState.READY, track.ingest_error
    measured = AudioFeatures.objects.get(track=track)
    assert measured.analyser_version == ANALYSER_VERSION

    # The backfill's task, by its name, on the same worker.
    AudioFeatures.objects.filter(track=track).delete()
    current_app.send_task("catalog.analyse_track", args=[track.pk])
    deadline = time.monotonic() + 60
    while not AudioFeatures.objects.filter(track=track).exists():
        assert time.monotonic() < deadline, "the worker never measured the track"
        time.sleep(0.25)
    assert AudioFeatures.objects.get(track=track).vector == measured.vector  # the same audio, the same vector
