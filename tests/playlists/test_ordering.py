"""Ordering keys: whatever the sequence of inserts, keys stay distinct, valid and in order."""

import random

import pytest

from apps.playlists.ordering import FIRST_KEY, key_between, keys_between, validate


def test_appends_take_short_consecutive_keys():
    keys = keys_between(None, None, 1) + keys_between(FIRST_KEY, None, 10_000)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) == 4  # "a0".."az", then "b00".."bzz", then "c000"...


def test_prepends_go_below_zero_and_stay_ordered():
    keys = [FIRST_KEY]
    for _ in range(5_000):
        keys.insert(0, key_between(None, keys[0]))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for key in keys:
        validate(key)


def test_random_inserts_keep_every_key_between_its_neighbours():
    rng = random.Random(7)  # noqa: S311 (fixed seed: a failure must be reproducible)
    keys: list[str] = []
    for _ in range(3_000):
        at = rng.randint(0, len(keys))
        before = keys[at - 1] if at > 0 else None
        after = keys[at] if at < len(keys) else None
        new = key_between(before, after)
        validate(new)
        assert (before is None or before < new) and (after is None or new < after)
        keys.insert(at, new)
    assert keys == sorted(keys)


def test_inserting_at_one_spot_grows_keys_slowly():
    low, high = "a0", "a1"
    for _ in range(600):
        high = key_between(low, high)  # always just after the first entry
    assert len(high) < 120


def test_a_block_of_keys_between_two_neighbours_is_balanced():
    block = keys_between("a0", "a1", 1_000)
    assert block == sorted(block) and len(set(block)) == 1_000
    assert all("a0" < k < "a1" for k in block)
    assert max(len(k) for k in block) <= 5


@pytest.mark.parametrize(("before", "after"), [("a1", "a0"), ("a1", "a1")])
def test_neighbours_out_of_order_are_refused(before, after):
    with pytest.raises(ValueError):
        key_between(before, after)
