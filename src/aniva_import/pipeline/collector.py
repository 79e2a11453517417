"""The cyclic garbage collector, tuned for the length of one run.

A run makes millions of short-lived objects (cells, values, finished rows, requests);
with the interpreter's defaults the collector walks the young ones every 700
allocations, and every few of those walks everything ever imported (pandas, pandera,
httpx: hundreds of thousands of objects).  :func:`tuned_collector` freezes what exists
when the run starts (the modules) and walks the young objects every 50,000
allocations while the run lasts, then puts the interpreter back as it was.  A dry run
makes almost no reference cycles; a live run leaves a few dozen per request (httpx's
requests and responses), which the young collections still free as they come, and
full collections still happen (rarely, and cheaply: the modules are frozen).  Worker
processes forked during the run inherit the tuning.  The thresholds were measured on
Python 3.11 (whose collector has three generations).

Runs that overlap in one process (threads) share the tuning: the first to start sets
it, the last to finish puts the interpreter back.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: the collector's thresholds during a run; the switch: None leaves the collector alone
RUN_THRESHOLDS: tuple[int, int, int] | None = (50_000, 50, 10)

_lock = threading.Lock()
_runs = 0  # runs inside tuned_collector now
_before: tuple[tuple[int, int, int], bool] | None = None  # thresholds, whether frozen


@contextmanager
def tuned_collector() -> Iterator[None]:
    """Within the block, the objects that already exist are frozen and the collector
    runs at :data:`RUN_THRESHOLDS`; afterwards both are as they were (objects the
    caller had frozen stay frozen)."""
    thresholds = RUN_THRESHOLDS
    if thresholds is None:
        yield
        return
    try:
        _enter(thresholds)
        yield
    finally:
        _leave()


def _enter(thresholds: tuple[int, int, int]) -> None:
    # counted first, so that an interruption anywhere below is undone by _leave
    global _runs, _before
    with _lock:
        _runs += 1
        if _runs == 1:
            _before = (gc.get_threshold(), gc.get_freeze_count() > 0)
            gc.freeze()
            gc.set_threshold(*thresholds)


def _leave() -> None:
    global _runs, _before
    with _lock:
        _runs -= 1
        if _runs == 0 and _before is not None:
            thresholds, was_frozen = _before
            _before = None
            gc.set_threshold(*thresholds)
            if not was_frozen:
                gc.unfreeze()
