"""One exception handler: every error the API answers has the Spotify shape

    {"error": {"status": <int>, "message": "<text>"[, "reason": "<CODE>"]}}

DRF's own `{"detail": ...}` would crash Spotify clients or lose the message.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.common.errors import ApplicationError

logger = logging.getLogger(__name__)


def error_body(status: int, message: str, reason: str | None = None, **extra) -> dict:
    error = {"status": status, "message": message}
    if reason:
        error["reason"] = reason
    error.update(extra)
    return {"error": error}


def _flatten(detail) -> str:
    """Turn DRF's nested validation detail into one readable sentence."""
    if isinstance(detail, dict):
        if "detail" in detail and len(detail) <= 3:  # simplejwt: {"detail", "code", "messages"}
            return _flatten(detail["detail"])
        parts = []
        for field, value in detail.items():
            text = _flatten(value)
            parts.append(text if field in ("non_field_errors", "__all__") else f"{field}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list | tuple):
        return " ".join(_flatten(item) for item in detail)
    return str(detail)


def _django_validation_message(exc: DjangoValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return _flatten(exc.message_dict)
    return " ".join(exc.messages)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.status, exc.message, exc.reason, **exc.extra), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        return Response(error_body(400, _django_validation_message(exc)), status=400)
    if isinstance(exc, Http404):
        return Response(error_body(404, "Not found."), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(error_body(403, "Forbidden."), status=403)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handler answers with the JSON shape
    message = _flatten(exc.detail) if isinstance(exc, drf.APIException) else str(exc)
    if isinstance(exc, drf.NotAuthenticated):
        message = "No token provided"
    elif isinstance(exc, drf.AuthenticationFailed) and not message:
        message = "Invalid access token"
    response.data = error_body(response.status_code, message)
    return response


def json_error(status: int, message: str, reason: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(status, message, reason), status=status)
