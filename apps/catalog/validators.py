from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# ISO 3901: country (2 letters), registrant (3 alphanumerics), year (2 digits), designation (5 digits).
ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")


def normalize_isrc(value: str) -> str:
    return value.replace("-", "").replace(" ", "").upper()


def validate_isrc(value: str) -> None:
    if not ISRC_RE.match(value):
        raise ValidationError(
            f"{value!r} is not an ISRC (12 characters: CC-XXX-YY-NNNNN, e.g. USRC17607839).", code="isrc"
        )


def validate_upc(value: str) -> None:
    """UPC-A (12 digits) or EAN-13, with its check digit."""
    if not re.fullmatch(r"\d{12,13}", value):
        raise ValidationError(f"{value!r} is not a UPC/EAN (12 or 13 digits).", code="upc")
    digits = [int(c) for c in value.zfill(13)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    if (10 - total % 10) % 10 != digits[12]:
        raise ValidationError(f"{value!r} has a wrong check digit.", code="upc")
