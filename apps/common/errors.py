"""The one exception domain code raises. The API turns it into the Spotify error shape."""

from __future__ import annotations


class ApplicationError(Exception):
    status = 400

    def __init__(self, message: str, *, status: int | None = None, reason: str | None = None, extra=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.reason = reason
        self.extra = extra or {}


class NotFound(ApplicationError):
    status = 404


class PermissionDenied(ApplicationError):
    status = 403


class Conflict(ApplicationError):
    status = 409


class PayloadTooLarge(ApplicationError):
    status = 413


class UnsupportedMediaType(ApplicationError):
    status = 415
