"""The cyclic garbage collector, tuned for the length of one run.

A run makes millions of short-lived objects (cells, values, finished rows, requests)
and almost no reference cycles; with the interpreter's defaults the collector still
walks the young objects every 700 allocations, and every few of those walks
everything ever imported (pandas, pandera, httpx: hundreds of thousands of objects).
:func:`tuned_collector` freezes what exists when the run starts (the modules) and
collects less often while the run lasts, then puts the interpreter back as it was.
Memory does not grow: the run's objects are freed by their reference counts, as
before.  Worker processes forked during the run inherit the tuning.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: the collector's thresholds during a run; the switch: None leaves the collector alone
RUN_THRESHOLDS: tuple[int, int, int] | None = (50_000, 50, 1_000)


@contextmanager
def tuned_collector() -> Iterator[None]:
    """Within the block, the objects that already exist are frozen and the collector
    runs at :data:`RUN_THRESHOLDS`; afterwards both are as they were."""
    thresholds = RUN_THRESHOLDS
    if thresholds is None:
        yield
        return
    before = gc.get_threshold()
    was_frozen = gc.get_freeze_count() > 0
    gc.freeze()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if not was_frozen:
            gc.unfreeze()
