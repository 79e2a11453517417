"""Where checks run: in this process, or in worker processes — behind one seam.

The check stage hands :meth:`Executor.map` a function and the chunks of a file and
takes the results back in file order; nothing else knows whether workers exist.

* :class:`InProcessExecutor` runs everything here (tests, small files, ``--workers 1``).
* :class:`ProcessExecutor` forks worker processes, which inherit the modules already
  imported (and, with ``prepare``, warm up while this process opens the file), keeps
  at most one more chunk in flight than there are workers, and falls back to this
  process for a file of a single chunk (a pool would only cost its start-up).

Workers ignore Ctrl-C, SIGTERM and SIGHUP (this process handles them and writes the
results file) and die with this process (``PR_SET_PDEATHSIG``); they
are forked from a process with no other thread running, with the collector frozen
so that neither side's collections copy the shared memory pages.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
P = TypeVar("P")

#: work at least this large starts the workers before the file is even opened
EARLY_START_BYTES = 1 << 20


class Executor(Protocol):
    """Runs ``fn(item, arg)`` for every item, giving ``(item, result)`` back in order."""

    def prepare(self, warm_up: Callable[[], object], size: int) -> None:
        """Work of about ``size`` bytes is coming; an executor with workers may start
        them now, each running ``warm_up`` first."""

    def chunk_size(self, limit: int, total: int | None) -> int:
        """Items per chunk for ``total`` items (None: not known in advance)."""

    def map(
        self, fn: Callable[[T, P], R], items: Iterable[T], arg: P
    ) -> Iterator[tuple[T, R]]: ...

    def close(self) -> None: ...


class InProcessExecutor:
    """Everything in this process, one item after the other."""

    def prepare(self, warm_up: Callable[[], object], size: int) -> None:
        return None

    def chunk_size(self, limit: int, total: int | None) -> int:
        return limit

    def map(self, fn: Callable[[T, P], R], items: Iterable[T], arg: P) -> Iterator[tuple[T, R]]:
        for item in items:
            yield item, fn(item, arg)

    def close(self) -> None:
        return None


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C, SIGTERM and SIGHUP (sent to the whole process group) to the
    main process, which writes the results file and shuts them down; and they die with
    it, however it ends (``PR_SET_PDEATHSIG``, Linux)."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the parent died before the line above
            os._exit(1)


class ProcessExecutor:
    """``workers`` forked processes (started at ``prepare`` or on the first map of two
    or more items)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def prepare(self, warm_up: Callable[[], object], size: int) -> None:
        if self._pool is None and self.workers > 1 and size >= EARLY_START_BYTES:
            self._start(warm_up)

    def _start(self, warm_up: Callable[[], object] | None) -> ProcessPoolExecutor:
        # Forked workers share this process's memory until either side writes to it;
        # freezing the collector keeps both sides' collections from touching (and so
        # copying) every inherited object.  Inside a run (pipeline.collector) what
        # existed is frozen already and the run thaws it all when it ends; this adds
        # what was imported since (the sending side).  (3.14 defaults to forkserver: ask
        # for fork.)
        context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
        was_frozen = gc.get_freeze_count() > 0
        gc.freeze()
        try:
            pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_ignore_sigint
            )
            for _ in range(self.workers):  # the first submits start the processes
                pool.submit(warm_up or int)
        finally:
            if not was_frozen:
                gc.unfreeze()
        self._pool = pool
        return pool

    def chunk_size(self, limit: int, total: int | None) -> int:
        """``limit``, or fewer when the count is known in advance, so that the chunks
        divide evenly between the workers and none sits idle at the end."""
        if total is None or self.workers < 2 or total <= limit:
            return limit
        chunks = -(-total // limit)
        chunks += -chunks % self.workers  # a multiple of the workers
        return -(-total // chunks)

    def map(self, fn: Callable[[T, P], R], items: Iterable[T], arg: P) -> Iterator[tuple[T, R]]:
        items = iter(items)
        head = list(itertools.islice(items, 2))
        if self.workers <= 1 or (len(head) < 2 and self._pool is None):
            for item in itertools.chain(head, items):
                yield item, fn(item, arg)
            return
        pool = self._pool or self._start(None)
        pending: deque[tuple[T, Future[R]]] = deque()
        for item in itertools.chain(head, items):
            pending.append((item, pool.submit(fn, item, arg)))
            if len(pending) > self.workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def default_workers() -> int:
    """Worker processes worth starting on this machine (at most 2)."""
    return max(1, min(2, os.cpu_count() or 1))


def executor_for(workers: int) -> Executor:
    """The executor for ``workers`` processes (1: this process)."""
    return ProcessExecutor(workers) if workers > 1 else InProcessExecutor()
