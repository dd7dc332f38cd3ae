"""Files (WhiteNoise's static files, the embedded mode's artwork) under ASGI without Django's
synchronous-iterator fallback.

WhiteNoise (6.x) answers with a FileResponse over a synchronous file; Django's ASGI handler then
warns on every static request ("StreamingHttpResponse must consume synchronous iterators") and
reads the whole file in the thread it shares between all synchronous views before sending a byte.
Under ASGI this middleware hands Django an asynchronous iterator instead, which reads the file in
worker threads, a chunk at a time. Under WSGI (the test client) WhiteNoise's response stays as it is.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from whitenoise.middleware import WhiteNoiseMiddleware

CHUNK_BYTES = 256 * 1024


async def _file_chunks(file):
    read = sync_to_async(file.read, thread_sensitive=False)
    try:
        while chunk := await read(CHUNK_BYTES):
            yield chunk
    finally:
        await sync_to_async(file.close, thread_sensitive=False)()


async def _in_memory(chunks):
    for chunk in chunks:  # what is left without a file (a 304's or a HEAD's empty body) is tiny
        yield chunk


def streamed_for_asgi(request, response):
    """A FileResponse made to stream asynchronously when the request came through ASGI (its
    headers, Content-Length included, stay as they were)."""
    if isinstance(request, ASGIRequest) and response.streaming and not response.is_async:
        file = getattr(response, "file_to_stream", None)
        response.streaming_content = _file_chunks(file) if file is not None else _in_memory(response.streaming_content)
    return response


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    @staticmethod
    def serve(static_file, request):
        return streamed_for_asgi(request, WhiteNoiseMiddleware.serve(static_file, request))
