"""The project's URLs plus views that fail on purpose, for the 500 handlers' tests."""

from __future__ import annotations

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from streamify.urls import handler404, handler500, urlpatterns  # noqa: F401  (re-exported handlers)


class Boom(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("an unexpected failure")


def html_boom(request):
    raise RuntimeError("an unexpected failure")


urlpatterns = [path("v1/boom", Boom.as_view()), path("boom", html_boom), *urlpatterns]
