"""Site-wide 404/500 handlers: JSON in the API's error shape under /v1/, HTML elsewhere."""

from __future__ import annotations

from django.views import defaults

from apps.common.api.errors import json_error

API_PREFIX = "/v1/"


def page_not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return json_error(404, "Service not found.")
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return json_error(400, "Bad request.")
    return defaults.bad_request(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return json_error(500, "Server error.")
    return defaults.server_error(request)
