"""Public ids: 22-character base62 strings, the form Spotify uses and its clients validate."""

from __future__ import annotations

import re
import secrets
import string

BASE62_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
PUBLIC_ID_LENGTH = 22  # 62**22 ~ 2**131: unguessable, so ids leak nothing about row counts
PUBLIC_ID_RE = re.compile(r"\A[0-9A-Za-z]{22}\Z")  # \Z: "$" would also match before a final newline


def new_public_id() -> str:
    return "".join(secrets.choice(BASE62_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def is_public_id(value: str) -> bool:
    return bool(PUBLIC_ID_RE.match(value))
