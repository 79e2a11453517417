"""Ctrl-C around the moments the results file must not be cut: a chunk being written,
the file being committed, the rows not yet checked being listed after a first Ctrl-C.
(A Ctrl-C while a workbook is parsed is handled at once: the parser runs in a process
of its own, see ``aniva_import.load``.)  Only the main thread can change signal
handling; elsewhere these change nothing."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

SigintHandler = Callable[[int, FrameType | None], object] | int | None


#: the signals a run stops on, alike: Ctrl-C, and what cron, systemd and a closed
#: terminal send (the CLI makes SIGTERM and SIGHUP raise like a Ctrl-C)
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _ctrl_c_handled_by(handler: SigintHandler) -> Iterator[None]:
    """Ctrl-C (and SIGTERM, SIGHUP) go to ``handler`` for a moment (only the main thread
    can change signal handling; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)


@contextlib.contextmanager
def interrupt_after_the_write() -> Iterator[None]:
    """A Ctrl-C while a chunk is written (and counted), or the file committed, takes
    effect right after: the results file never holds part of a chunk, no row is listed
    twice, and a finished file is not thrown away."""
    caught: list[int] = []
    with _ctrl_c_handled_by(lambda signum, _frame: caught.append(signum)):
        yield
    if caught:
        signal.raise_signal(caught[0])  # now handled as it would have been


def no_second_interrupt() -> contextlib.AbstractContextManager[None]:
    """Ignore Ctrl-C for the moment it takes to finish the results file after the first."""
    return _ctrl_c_handled_by(signal.SIG_IGN)
