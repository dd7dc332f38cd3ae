"""Python's garbage collector, set for a server process holding thousands of open sockets.

Measured with bench_player_fanout (1,000 player websockets in one process): with Python's defaults
the youngest generation held 7,000-28,000 objects when it was collected, because its counter
counts allocations net of deallocations and the sockets' long-lived tasks die while new ones are
made. Each young collection then paused the event loop for ~5 ms and the middle one for ~30 ms,
and a full collection of everything the sockets hold takes ~140 ms: those pauses were the tail of
the fan-out. With the thresholds below the young collections take ~0.1 ms and the middle ones ~1
ms, and the full collection, which Python would now start much more often (survivors reach the
oldest generation sooner), runs on a timer instead, once every `full_every` seconds.

The trade: cyclic garbage that lived long enough to reach the oldest generation waits up to
`full_every` seconds to be freed (refcounting still frees everything else at once). What is alive
when the server starts (Django, the apps, the URL maps) is frozen out of the collector's reach for
good, so that a full collection walks only what the process made since.
"""

from __future__ import annotations

import gc
import threading

YOUNG_THRESHOLD = 100  # allocations (net) between young collections; Python's default is 700
MIDDLE_THRESHOLD = 10  # young collections between middle ones (the default)
NO_AUTOMATIC_FULL = 1_000_000_000  # middle collections before a full one: never, the timer does it


def tune_for_server(full_every: int) -> threading.Event | None:
    """Freeze what is alive now; with `full_every` > 0, small young collections and a full one
    every `full_every` seconds from a daemon thread. Returns the event that stops that thread."""
    gc.collect()
    gc.freeze()
    if full_every <= 0:
        return None
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NO_AUTOMATIC_FULL)
    stop = threading.Event()

    def collect_fully() -> None:
        while not stop.wait(full_every):
            gc.collect()

    threading.Thread(target=collect_fully, name="gc-full-collection", daemon=True).start()
    return stop
