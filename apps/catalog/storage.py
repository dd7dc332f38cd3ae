"""Storage helpers that work alike on the filesystem and on S3-compatible storage."""

from __future__ import annotations

import mimetypes
import shutil
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

# HLS types (RFC 8216 4; fMP4 segments per ISO/IEC 23000-19), so S3 stores the right Content-Type.
mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
mimetypes.add_type("audio/mp4", ".m4s")
mimetypes.add_type("audio/mp4", ".mp4")

COPY_CHUNK = 1024 * 1024


def storage_upload_directory(*, local_dir: Path, prefix: str) -> list[str]:
    """Copy every file under `local_dir` to `prefix/<relative path>`; returns the keys written."""
    keys = []
    for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(local_dir).as_posix()}"
        with path.open("rb") as handle:
            saved = default_storage.save(key, File(handle, name=path.name))
        if saved != key:  # another writer held the key: never publish a renamed copy
            default_storage.delete(saved)
            raise OSError(f"storage key {key} already exists")
        keys.append(key)
    return keys


def storage_delete_prefix(prefix: str) -> None:
    """Remove everything under `prefix`. Missing prefixes are fine (idempotent cleanup)."""
    if not prefix or prefix.strip("/") == "":
        raise ValueError("refusing to delete the storage root")
    if isinstance(default_storage, FileSystemStorage):
        shutil.rmtree(default_storage.path(prefix), ignore_errors=True)
        return
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:  # S3: one list + one batched delete per 1,000 keys, not a request per file
        location = getattr(default_storage, "location", "").strip("/")
        full_prefix = f"{location}/{prefix}" if location else prefix
        bucket.objects.filter(Prefix=full_prefix.rstrip("/") + "/").delete()
        return
    dirs, files = default_storage.listdir(prefix)
    for name in files:
        default_storage.delete(f"{prefix}/{name}")
    for name in dirs:
        storage_delete_prefix(f"{prefix}/{name}")


@contextmanager
def storage_local_copy(key: str, scratch: Path):
    """A local path for a stored file: the file itself on the filesystem, a streamed copy otherwise."""
    if isinstance(default_storage, FileSystemStorage):
        yield Path(default_storage.path(key))
        return
    target = scratch / Path(key).name
    with default_storage.open(key, "rb") as source, target.open("wb") as out:
        s3_object = getattr(source, "obj", None)
        if s3_object is not None:
            # Reading django-storages' S3File first downloads the whole object into a
            # SpooledTemporaryFile that never rolls over to disk at the default
            # AWS_S3_MAX_MEMORY_SIZE of 0, so a 500 MB master would sit whole in the worker's memory
            # (and then be copied again). boto3 writes the object straight to our file instead, in
            # bounded chunks, with retries.
            s3_object.download_fileobj(out, Config=getattr(default_storage, "transfer_config", None))
        else:
            shutil.copyfileobj(source, out, COPY_CHUNK)
    yield target
