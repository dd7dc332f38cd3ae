"""Django's ASGI handler with its middleware run synchronously, in one hop to a worker thread.

Every view of this project is synchronous (DRF has no asynchronous views), and so is every
middleware in MIDDLEWARE. Django's own ASGI handler nevertheless builds the middleware chain in
its asynchronous mode, and an old-style middleware (`MiddlewareMixin`) run asynchronously hands
each `process_request` and `process_response` to the request's thread and back: sixteen thread
hops for one API request here, ~1 ms of CPU each (a play-event batch through the ASGI app in
process: 6.8 -> 5.7 ms of CPU), and the `/v1/me` floor over HTTP fell from 7.1 to 4.6 ms p50
(tests/benchmarks/bench_stream_urls.py). Built in the synchronous mode, as under WSGI, the whole
chain and the view run in that thread in a single hop.

Nothing else changes: the request is still read and the response (streamed ones included, with
asynchronous iterators) still written by Django's ASGI handler on the event loop, every request
still gets its own thread (`ThreadSensitiveContext`), so requests of one process overlap their
database waits, and an asynchronous view would still run, adapted, on the event loop.
"""

from __future__ import annotations

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)  # not ASGIHandler.__init__, which builds the asynchronous chain
        self.load_middleware(is_async=False)

    async def get_response_async(self, request):
        # thread_sensitive: the thread of this request's context (ThreadSensitiveContext in
        # ASGIHandler.__call__), where closing the response returns its database connection.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def sync_chain_asgi_application() -> SyncChainASGIHandler:
    """What `django.core.asgi.get_asgi_application` does, with the handler above."""
    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
