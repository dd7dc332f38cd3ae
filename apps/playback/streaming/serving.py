"""One stored file over HTTP: a single byte range (RFC 9110, section 14), read from
default_storage in chunks, never whole into memory.

Ranges are judged the way the nginx edge judges them (docker/nginx/templates/), so a player sees
the same answers from both, with one deliberate difference: a malformed Range header (`bytes=5-2`,
`bytes=abc`) gets the whole file here, as RFC 9110 allows, where nginx answers 416.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage

CHUNK_BYTES = 64 * 1024
# nginx parses offsets into off_t and refuses larger ones as unsatisfiable; so does this module.
MAX_OFFSET = 2**63 - 1
# nginx's grammar: the unit exactly (any case), spaces allowed around the numbers.
RANGE_RE = re.compile(r"^bytes= *(?P<first>[0-9]*) *- *(?P<last>[0-9]*) *$", re.IGNORECASE)


class RangeNotSatisfiable(Exception):
    """The range starts past the end of the file (416 with `Content-Range: bytes */<size>`)."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The one range to send, or None for the whole file. Raises RangeNotSatisfiable."""
    if not header or "," in header:
        return None  # no range, or several: the whole file (nginx's `max_ranges 1` does the same)
    match = RANGE_RE.match(header)
    if not match or not (match["first"] or match["last"]):
        return None  # malformed: RFC 9110 lets a server ignore it
    first, last = (int(match[name]) if match[name] else None for name in ("first", "last"))
    if any(number is not None and number > MAX_OFFSET for number in (first, last)):
        raise RangeNotSatisfiable
    if first is None:  # a suffix: the last `last` bytes
        if last == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - last), size - 1)
    if last is not None and last < first:
        return None  # malformed
    if first >= size:
        raise RangeNotSatisfiable
    return ByteRange(first, size - 1 if last is None else min(last, size - 1))  # a huge end is clamped


@dataclass
class StoredFile:
    """An open file in storage: its size, and its bytes read on demand."""

    size: int
    read: Callable[[int, int], Iterator[bytes]]  # (start, end inclusive) -> chunks
    close: Callable[[], None]


def open_stored(key: str) -> StoredFile | None:
    """The stored file under `key`, or None if there is none."""
    try:
        handle = default_storage.open(key, "rb")  # on S3, a HEAD request
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, SuspiciousFileOperation):
        return None
    s3_object = getattr(handle, "obj", None)  # django-storages' S3File carries its boto3 Object
    if s3_object is not None:
        return _s3_file(handle.size, s3_object)

    def read(start: int, end: int) -> Iterator[bytes]:
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk

    return StoredFile(size=handle.size, read=read, close=handle.close)


def _s3_file(size: int, s3_object) -> StoredFile:
    # S3File would download the whole object on its first read; a ranged GET on the object it
    # wraps streams just the bytes asked for.
    bodies = []

    def read(start: int, end: int) -> Iterator[bytes]:
        body = s3_object.get(Range=f"bytes={start}-{end}")["Body"]
        bodies.append(body)
        yield from body.iter_chunks(CHUNK_BYTES)

    def close() -> None:
        for body in bodies:
            body.close()

    return StoredFile(size=size, read=read, close=close)


def chunks_of(stored: StoredFile, byte_range: ByteRange) -> Iterator[bytes]:
    try:
        if byte_range.length > 0:  # an empty file has nothing to read (and S3 no range to ask for)
            yield from stored.read(byte_range.start, byte_range.end)
    finally:
        stored.close()


async def async_chunks_of(stored: StoredFile, byte_range: ByteRange) -> AsyncIterator[bytes]:
    """The same chunks for an ASGI server: Django would otherwise read a synchronous iterator to
    the end, into memory, before sending a byte. Reads run in worker threads, not in the one
    thread Django shares between all synchronous views."""
    chunks = chunks_of(stored, byte_range)
    next_chunk = sync_to_async(next, thread_sensitive=False)
    try:
        while (chunk := await next_chunk(chunks, None)) is not None:
            yield chunk
    finally:
        # Closing a suspended generator only closes the file. When the client went away mid-read,
        # the read still runs in its thread: the generator then closes the file when collected.
        with contextlib.suppress(ValueError):
            chunks.close()
