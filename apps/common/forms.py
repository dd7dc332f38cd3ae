"""What every HTML form of the project shares."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from apps.common.errors import ApplicationError


class ServiceErrorsMixin:
    """Shows what a service raised next to the fields it names, and answers the HTTP status to use.

    Services speak in `ValidationError` (optionally keyed by field) and `ApplicationError` (which
    carries its own status); a form page re-renders with those messages instead of a 500."""

    def add_service_error(self, exc: ValidationError | ApplicationError, *, field: str | None = None) -> int:
        if isinstance(exc, ApplicationError):
            self.add_error(field, exc.message)
            return exc.status
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(field, exc.messages)
        return 400
