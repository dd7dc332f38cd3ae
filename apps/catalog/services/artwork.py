"""Cover art and artist pictures: validated, squared, stored in Spotify's 640/300/64 px sizes."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.common.errors import ApplicationError, UnsupportedMediaType
from apps.common.ids import new_public_id

ARTWORK_SIZES = (640, 300, 64)
MIN_ARTWORK_SIDE = 300
MAX_ARTWORK_PIXELS = 6000 * 6000  # checked from the header, before a pixel is decoded


def artwork_store(*, source, owner_prefix: str) -> list[dict]:
    """Decode `source` (a file object), crop it square, save JPEG renditions, and return the
    `[{"key", "width", "height"}]` list stored on the album or artist, largest first."""
    try:
        image = Image.open(source)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise UnsupportedMediaType(f"The cover art is not a readable image ({exc.__class__.__name__}).") from exc
    if image.width * image.height > MAX_ARTWORK_PIXELS:
        # A few hundred KB of PNG can declare 100 megapixels: refuse before decoding it into RAM.
        raise ApplicationError("Cover art may be at most 6000x6000 pixels.")
    try:
        image.load()
    except (Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise UnsupportedMediaType(f"The cover art is not a readable image ({exc.__class__.__name__}).") from exc
    image = ImageOps.exif_transpose(image).convert("RGB")
    if min(image.size) < MIN_ARTWORK_SIDE:
        raise ApplicationError(f"Cover art must be at least {MIN_ARTWORK_SIDE}x{MIN_ARTWORK_SIDE} pixels.")
    side = min(image.size)
    image = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
    version = new_public_id()[:10]  # a fresh name per upload, so caches never serve a stale cover
    renditions = []
    for size in ARTWORK_SIZES:
        buffer = io.BytesIO()
        image.resize((size, size), Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=88, optimize=True)
        key = default_storage.save(f"images/{owner_prefix}/{version}-{size}.jpg", ContentFile(buffer.getvalue()))
        renditions.append({"key": key, "width": size, "height": size})
    return renditions


def artwork_delete(renditions: list[dict]) -> None:
    for rendition in renditions:
        default_storage.delete(rendition["key"])
