"""Ctrl-C around the moments the results file must not be cut: a chunk being written,
the file being committed, the rows not yet checked being listed after a first Ctrl-C;
and a Ctrl-C while a workbook is parsed, handled at once.  Only the main thread can
change signal handling; elsewhere these change nothing."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TypeVar

SigintHandler = Callable[[int, FrameType | None], object] | int | None


@contextlib.contextmanager
def _ctrl_c_handled_by(handler: SigintHandler) -> Iterator[None]:
    """Ctrl-C goes to ``handler`` for a moment (only the main thread can change signal
    handling; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def interrupt_after_the_write() -> Iterator[None]:
    """A Ctrl-C while a chunk is written (and counted), or the file committed, takes
    effect right after: the results file never holds part of a chunk, no row is listed
    twice, and a finished file is not thrown away."""
    caught: list[int] = []
    with _ctrl_c_handled_by(lambda signum, _frame: caught.append(signum)):
        yield
    if caught:
        signal.raise_signal(signal.SIGINT)  # now handled as it would have been


def no_second_interrupt() -> contextlib.AbstractContextManager[None]:
    """Ignore Ctrl-C for the moment it takes to finish the results file after the first."""
    return _ctrl_c_handled_by(signal.SIG_IGN)


T = TypeVar("T")


def interruptibly(fn: Callable[[], T]) -> T:
    """``fn()``, run in a helper thread while this (main) thread waits, so that a Ctrl-C
    is handled at once: a native parser (calamine) holds the thread it runs in until it
    returns, seconds for a large workbook.  The helper ends before anything else starts,
    so no thread is left running when worker processes fork later."""
    if threading.current_thread() is not threading.main_thread():
        return fn()
    done: list[T] = []
    failed: list[BaseException] = []

    def target() -> None:
        try:
            done.append(fn())
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            failed.append(error)

    thread = threading.Thread(target=target, name="aniva-import-open", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.05)  # a Ctrl-C interrupts the wait, not the helper
    if failed:
        raise failed[0]
    return done[0]
