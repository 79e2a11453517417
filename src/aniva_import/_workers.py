"""Worker processes for the pipeline, and the order their verdicts come back in.

The workers are forked, so they inherit the stages' modules already imported
(and, when this process warmed them up, compiled patterns and the schema).  The
main process keeps what needs file order: it submits chunks as it reads them,
keeps at most one more chunk in flight than there are workers, and takes the
verdicts back in file order.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import multiprocessing
import signal
import sys
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

from aniva_import._chunks import ChunkVerdict, Plan, judge_chunk, warm_up

if TYPE_CHECKING:
    from collections.abc import Callable

    from aniva_import.load import Chunk


def ignore_sigint() -> None:
    """Workers leave Ctrl-C to the main process, which writes the results file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def known_region(region: str | None) -> str | None:
    """The phone region to warm up for: upper case, and only one phonenumbers knows
    (an unknown one is refused by the pipeline's plan, with a sentence)."""
    if region is None:
        return None
    import phonenumbers

    return region.upper() if region.upper() in phonenumbers.SUPPORTED_REGIONS else None


def start_pool(
    workers: int, today: dt.date, phone_region: str | None, *, warm: bool = True
) -> ProcessPoolExecutor:
    """``workers`` processes, started now.  With ``warm`` each warms up (compiled
    patterns, the schema) at once; without, this process already did and they
    inherit it.  The stages' modules are imported first, so the workers inherit them.
    Call it when no other thread of this process is running (fork copies only the
    calling thread)."""
    import aniva_import.normalize
    import aniva_import.validate  # noqa: F401

    # Forked workers share this process's memory until either side writes to it;
    # freezing the collector keeps both sides' collections from touching (and so
    # copying) every inherited object.  (3.14 defaults to forkserver: ask for fork.)
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    region = known_region(phone_region)
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=context, initializer=ignore_sigint
        )
        for _ in range(max(1, workers)):  # the first submit starts the processes
            if warm:
                pool.submit(warm_up, today, region)
            else:
                pool.submit(int)
    finally:
        gc.unfreeze()
    return pool


def chunk_rows(limit: int, workers: int, total: int | None) -> int:
    """Rows per chunk: ``limit``, or fewer when the row count is known in advance
    (``total``, a workbook's), so that the chunks divide evenly between the workers
    and none sits idle while another finishes a last chunk alone."""
    if total is None or workers < 2 or total <= limit:
        return limit
    chunks = -(-total // limit)
    chunks += -chunks % workers  # a multiple of the workers
    return -(-total // chunks)


def ordered_verdicts(
    chunks: Iterator[Chunk],
    plan: Plan,
    workers: int,
    pool: Callable[[], ProcessPoolExecutor],
) -> Generator[tuple[Chunk, ChunkVerdict], None, None]:
    """Each chunk with its verdict, in file order.  One worker, or a file of one
    chunk, is judged in this process (a pool would only cost start-up time);
    otherwise ``pool()`` gives the processes."""
    head = list(itertools.islice(chunks, 2))
    first_row = 2  # the results file's row of each chunk's first row
    if workers <= 1 or len(head) < 2:
        for chunk in itertools.chain(head, chunks):
            yield chunk, judge_chunk(chunk, plan, first_row)
            first_row += len(chunk)
        return
    executor = pool()
    pending: deque[tuple[Chunk, Future[ChunkVerdict]]] = deque()
    for chunk in itertools.chain(head, chunks):
        pending.append((chunk, executor.submit(judge_chunk, chunk, plan, first_row)))
        first_row += len(chunk)
        if len(pending) > workers:
            done_chunk, future = pending.popleft()
            yield done_chunk, future.result()
    while pending:
        done_chunk, future = pending.popleft()
        yield done_chunk, future.result()
