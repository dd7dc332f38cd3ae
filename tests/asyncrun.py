"""Running a coroutine from a test, whatever else runs: the browser tests keep Playwright's event
loop running on the main thread for the whole session, where asyncio.run() refuses to start."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_async(coroutine):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
