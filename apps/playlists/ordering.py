"""Ordering keys for playlist entries: strings that sort (byte order) in playlist order.

Inserting or moving an entry writes only that entry's key, a key between its new neighbours', so an
edit costs the same on a playlist of 100 entries as on one of 10,000 (no renumbering).

A key is an integer part and a fraction. The integer part is a head character giving its length
(`a`..`z`: 1..26 digits that follow; `A`..`Z`: negative integers, longest first) and base-62
digits; appends take the next integer, so keys stay short for the common case. Inserting between
two keys whose integer parts are neighbours extends the fraction, which grows by about one digit
per six inserts at the same spot. Keys never end in the zero digit, so there is always room between
two of them.

Compared byte for byte: the column is collated "C" on PostgreSQL (see OrderKeyField); SQLite
compares text with memcmp.
"""

from __future__ import annotations

from apps.common.ids import BASE62_ALPHABET as DIGITS

BASE = len(DIGITS)
FIRST_KEY = "a0"
_SMALLEST_INTEGER = "A" + DIGITS[0] * 26


class OrderingExhausted(Exception):
    """No integer part is left (62**26 appends, or as many prepends): not reachable in practice."""


def _integer_length(head: str) -> int:
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise ValueError(f"invalid order key head {head!r}")


def _split(key: str) -> tuple[str, str]:
    length = _integer_length(key[0])
    if len(key) < length:
        raise ValueError(f"invalid order key {key!r}")
    return key[:length], key[length:]


def validate(key: str) -> None:
    integer, fraction = _split(key)
    if any(c not in DIGITS for c in key[1:]) or fraction.endswith(DIGITS[0]):
        raise ValueError(f"invalid order key {key!r}")


def _increment(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        position = DIGITS.index(digits[i])
        if position < BASE - 1:
            digits[i] = DIGITS[position + 1]
            return head + "".join(digits)
        digits[i] = DIGITS[0]
    # Every digit carried: the next integer has the next head (one more digit when positive, one
    # fewer when negative); from the shortest negative the next is zero.
    if head == "z":
        return None
    if head == "Z":
        return FIRST_KEY
    next_head = chr(ord(head) + 1)
    return next_head + DIGITS[0] * (_integer_length(next_head) - 1)


def _decrement(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        position = DIGITS.index(digits[i])
        if position > 0:
            digits[i] = DIGITS[position - 1]
            return head + "".join(digits)
        digits[i] = DIGITS[-1]
    if head == "A":
        return None
    previous_head = "Z" if head == "a" else chr(ord(head) - 1)
    return previous_head + DIGITS[-1] * (_integer_length(previous_head) - 1)


def _midpoint(low: str, high: str | None) -> str:
    """A fraction strictly between `low` and `high` (None: 1), neither ending in the zero digit."""
    if high is not None:
        shared = 0
        while (low[shared] if shared < len(low) else DIGITS[0]) == high[shared]:
            shared += 1
        if shared:
            return high[:shared] + _midpoint(low[shared:], high[shared:])
    low_digit = DIGITS.index(low[0]) if low else 0
    high_digit = DIGITS.index(high[0]) if high is not None else BASE
    if high_digit - low_digit > 1:
        return DIGITS[(low_digit + high_digit + 1) // 2]
    if high is not None and len(high) > 1:
        return high[0]
    return DIGITS[low_digit] + _midpoint(low[1:], None)


def key_between(before: str | None, after: str | None) -> str:
    """A key that sorts after `before` and before `after` (None: the start or the end)."""
    if before is not None and after is not None and before >= after:
        raise ValueError(f"{before!r} does not sort before {after!r}")
    if before is None and after is None:
        return FIRST_KEY
    if before is None:
        integer, fraction = _split(after)
        if integer == _SMALLEST_INTEGER:
            return integer + _midpoint("", fraction)
        if fraction:
            return integer
        lower = _decrement(integer)
        if lower is None:
            raise OrderingExhausted
        return lower
    integer, fraction = _split(before)
    if after is None:
        higher = _increment(integer)
        return higher if higher is not None else integer + _midpoint(fraction, None)
    after_integer, after_fraction = _split(after)
    if integer == after_integer:
        return integer + _midpoint(fraction, after_fraction)
    higher = _increment(integer)
    if higher is not None and higher < after:
        return higher
    return integer + _midpoint(fraction, None)


def keys_between(before: str | None, after: str | None, count: int) -> list[str]:
    """`count` ascending keys between two neighbours. At the end they are consecutive integers
    (short keys for appends); between two keys they split the gap evenly, so that a block of n
    inserts lengthens keys by about log62(n) digits, not n/6."""
    if count <= 0:
        return []
    if after is None:
        keys, previous = [], before
        for _ in range(count):
            previous = key_between(previous, None)
            keys.append(previous)
        return keys
    if count == 1:
        return [key_between(before, after)]
    middle = key_between(before, after)
    half = count // 2
    return [*keys_between(before, middle, half), middle, *keys_between(middle, after, count - half - 1)]
