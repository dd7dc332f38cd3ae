"""Upload handling that never holds a master in memory and stops reading past the limit."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

from apps.common.errors import PayloadTooLarge

FORM_OVERHEAD_BYTES = 1024 * 1024  # multipart boundaries and text fields


def field_limit(field_name: str) -> int:
    return settings.ARTWORK_MAX_BYTES if field_name in ("cover", "image") else settings.UPLOAD_MAX_BYTES


UPLOAD_PATHS = ("/v1/studio/uploads", "/studio/uploads/new")
OTHER_REQUEST_LIMIT = 2 * 1024 * 1024  # JSON and forms: generous, and small enough to spool cheaply


def request_limit() -> int:
    return settings.UPLOAD_MAX_BYTES + settings.ARTWORK_MAX_BYTES + FORM_OVERHEAD_BYTES


def request_limit_for(path: str) -> int:
    """Only the upload endpoints take masters; every other request is bounded far lower."""
    return request_limit() if path.rstrip("/") in UPLOAD_PATHS else OTHER_REQUEST_LIMIT


def _mib(value: int) -> str:
    return f"{value / (1024 * 1024):.0f} MiB"


def reject_oversized_request(request) -> None:
    """Refuse by Content-Length before a byte of the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > request_limit():
        raise PayloadTooLarge(f"The upload is larger than the {_mib(settings.UPLOAD_MAX_BYTES)} limit.")


def raise_if_upload_stopped(request) -> None:
    """After parsing: a file that crossed its limit mid-stream (no or lying Content-Length)."""
    stopped = getattr(request, "upload_over_limit", None)
    if stopped:
        raise PayloadTooLarge(f"The file {stopped!r} is larger than the {_mib(field_limit(stopped))} limit.")


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams each file to a temporary file on disk and aborts the upload once a file passes its
    limit, so neither memory nor disk can be filled by one request."""

    def new_file(self, field_name, *args, **kwargs):
        self.limit = field_limit(field_name)
        self.received = 0
        super().new_file(field_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()
            if self.request is not None:
                self.request.upload_over_limit = self.field_name
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)
