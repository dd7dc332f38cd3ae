"""ASGI entry point: HTTP through Django, websockets through Channels (served by uvicorn)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamify.settings")

from apps.common.asgi_handler import sync_chain_asgi_application  # noqa: E402  (after the settings module is named)

# Django's handler with its middleware run synchronously in one thread hop (see the module).
django_asgi_app = sync_chain_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from apps.catalog.uploads import request_limit_for  # noqa: E402
from apps.common.asgi import RequestBodyLimitMiddleware, browser_origin_validator  # noqa: E402
from apps.playback.events.collector import PlayEventsCollector  # noqa: E402  (its imports need the app registry)
from streamify.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Bodies are bounded before anything buffers them: an upload may carry a master and cover
        # art, anything else a couple of MiB. Bearer-token play events are stored without
        # Django's request stack (the busiest write; see the collector), the rest goes to Django.
        "http": RequestBodyLimitMiddleware(PlayEventsCollector(django_asgi_app), max_body_bytes=request_limit_for),
        "websocket": browser_origin_validator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
