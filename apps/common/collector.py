"""Python's garbage collector, set for a server process holding thousands of open sockets.

Measured with bench_player_fanout (1,000 player websockets in one process): with Python's defaults
the youngest generation held 7,000-28,000 objects when it was collected, because its counter
counts allocations net of deallocations and the sockets' long-lived tasks die while new ones are
made. Each young collection then paused the event loop for ~5 ms and the middle one for ~30 ms,
and a full collection of everything the sockets hold takes ~140 ms: those pauses were the tail of
the fan-out. With the thresholds below the young collections take ~0.1 ms and the middle ones ~1
ms, and the full collection, which Python would now start much more often (survivors reach the
oldest generation sooner), runs on a timer instead, once every `full_every` seconds.

The trade: cyclic garbage that lived long enough to reach the oldest generation (a request's
DRF `Request`, which refers to itself; an exception kept with its traceback) waits for the next
full collection (refcounting still frees everything else at once). So that a busy HTTP process
cannot pile it up for minutes, the full collection also runs as soon as the process has grown by
GROWTH_BYTES since the last one. What is alive when the server starts (Django, the apps, the URL
maps) is frozen out of the collector's reach for good, so that a full collection walks only what
the process made since.
"""

from __future__ import annotations

import gc
import os
import threading
import time

YOUNG_THRESHOLD = 100  # allocations (net) between young collections; Python's default is 700
MIDDLE_THRESHOLD = 10  # young collections between middle ones (the default)
NO_AUTOMATIC_FULL = 1_000_000_000  # middle collections before a full one: never, the timer does it
CHECK_SECONDS = 5.0  # how often the timer looks at the process's size
GROWTH_BYTES = 64 * 2**20  # grown this much since the last full collection: one now
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def resident_bytes() -> int | None:
    """The process's resident size (Linux); None where /proc cannot tell."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return None


def full_collection_due(*, seconds_since: float, full_every: float, grown: int | None) -> bool:
    return seconds_since >= full_every or (grown is not None and grown >= GROWTH_BYTES)


def tune_for_server(full_every: int) -> threading.Event | None:
    """Freeze what is alive now; with `full_every` > 0, small young collections and a full one
    every `full_every` seconds (or after GROWTH_BYTES of growth) from a daemon thread. Returns the
    event that stops that thread."""
    gc.collect()
    gc.freeze()
    if full_every <= 0:
        return None
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NO_AUTOMATIC_FULL)
    stop = threading.Event()

    def collect_fully() -> None:
        last, size = time.monotonic(), resident_bytes()
        while not stop.wait(min(CHECK_SECONDS, full_every)):
            now, current = time.monotonic(), resident_bytes()
            grown = current - size if current is not None and size is not None else None
            if full_collection_due(seconds_since=now - last, full_every=full_every, grown=grown):
                gc.collect()
                last, size = time.monotonic(), resident_bytes()

    threading.Thread(target=collect_fully, name="gc-full-collection", daemon=True).start()
    return stop
