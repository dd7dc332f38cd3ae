"""The ASGI application as a web server process runs it (`uvicorn streamify.server:application`):
`streamify.asgi` plus what belongs to the process rather than to the application, set once when
the server imports it. Tests import `streamify.asgi` and keep Python's defaults."""

from __future__ import annotations

from django.conf import settings

from apps.common.collector import tune_for_server
from apps.common.sqlite_wal import checkpoint_in_background
from streamify.asgi import application

__all__ = ["application"]

# The embedded mode's SQLite log is checkpointed by a thread, not inside commits.
checkpoint_in_background()
# Last, so that what the imports made is frozen: small young collections, a timed full one.
tune_for_server(settings.SERVER_GC_FULL_COLLECTION_SECONDS)
