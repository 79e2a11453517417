"""Running the workbook parser in its own process, contained and bounded.

:func:`parse_isolated` starts ```aniva_import.load._child``` with the
workbook's open file descriptor (the very file the container check read), sends it
a request on standard input, and reads its framed answers until the end frame, a
refusal, or the deadline.  The child has an address-space limit and a CPU-time
limit of its own, writes nothing, prints nowhere and dies with this process; when
it aborts, spins, runs out of memory or overruns the deadline it is killed and the
file is refused with "could not be read safely".  A Ctrl-C (or a handled SIGTERM)
while it runs kills it at once.

What comes back is kept as the child sent it — blocks of pickled rows, compact —
and unpickled per pass by :func:`load_block`, which admits nothing but cell values.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import os
import pickle
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from aniva_import.load._child import FRAME

#: the child's program (``-c``: ``-m`` would run a second copy of the module)
_CHILD = "from aniva_import.load._child import main; raise SystemExit(main())"


@dataclass(frozen=True)
class ParserLimits:
    """The bounds of one workbook parse.

    ``memory_bytes``: the child's address space (a sheet of a million rows of 30
    columns needs about 1.5 GiB; calamine keeps 32 bytes a cell).  The deadline is
    ``seconds`` plus ``seconds_per_mib`` for every MiB of the file (calamine reads a
    MiB of ``.xlsx`` in well under 0.1 s).
    """

    memory_bytes: int = 4 << 30
    seconds: float = 20.0
    seconds_per_mib: float = 1.0
    max_frame_bytes: int = 256 << 20
    #: False only to test that the process's limits alone contain a parser: the checks
    #: made before calamine runs (used range, .ods well-formed and not repeating) are off
    prechecks: bool = True

    def deadline(self, size: int) -> float:
        return self.seconds + self.seconds_per_mib * size / (1 << 20)


DEFAULT_LIMITS = ParserLimits()


class ParserFailed(Exception):
    """The child refused the file (``code`` from it) or failed (``timeout``,
    ``crashed``, ``memory``)."""

    def __init__(self, code: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.details = details or {}


@dataclass(frozen=True)
class Parsed:
    """The chosen sheet's facts and its rows, as blocks of pickled ``(numbers, rows)``."""

    facts: dict[str, Any]
    blocks: list[bytes]
    rows: int


class ParserProcess:
    """The parser's process, started early (it imports its modules while this process
    checks the container) and given its work by :meth:`parse`; :meth:`close` kills it
    if it still runs.  It reads nothing of the file before :meth:`parse`."""

    def __init__(self, fd: int) -> None:
        self._child = subprocess.Popen(  # noqa: S603 - our own module, our own interpreter
            [sys.executable, "-P", "-c", _CHILD],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            close_fds=True, pass_fds=(fd,),
        )

    def parse(
        self, fd: int, size: int, request: dict[str, Any], limits: ParserLimits = DEFAULT_LIMITS
    ) -> Parsed:
        """Parse the workbook open at ``fd``; raises ParserFailed."""
        child = self._child
        deadline = limits.deadline(size)
        request = {
            **request, "fd": fd, "size": size, "memory": limits.memory_bytes,
            "cpu": math.ceil(deadline) + 1, "prechecks": limits.prechecks,
        }
        started = time.monotonic()
        assert child.stdin is not None
        try:
            child.stdin.write(json.dumps(request).encode())
            child.stdin.close()
        except BrokenPipeError:
            pass  # it died at once: what it left (nothing) says so below
        return _collect(child, started + deadline, limits)

    def close(self) -> None:
        child = self._child
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None and not stream.closed:
                stream.close()


def parse_isolated(
    fd: int, size: int, request: dict[str, Any], limits: ParserLimits = DEFAULT_LIMITS
) -> Parsed:
    """Parse the workbook open at ``fd`` in a child process; raises ParserFailed."""
    process = ParserProcess(fd)
    try:
        return process.parse(fd, size, request, limits)
    finally:
        process.close()


def _collect(child: subprocess.Popen[bytes], deadline: float, limits: ParserLimits) -> Parsed:
    assert child.stdout is not None
    out = child.stdout.fileno()
    buffer = bytearray()
    facts: dict[str, Any] | None = None
    blocks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(out, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ParserFailed("timeout")
            # a short wait: a signal that reached another thread is handled in this
            # one only when it runs again (a Ctrl-C must stop the parse at once)
            if not selector.select(min(left, 0.2)):
                continue
            data = os.read(out, 1 << 20)
            if not data:
                break
            buffer += data
            while len(buffer) >= FRAME.size:
                kind, length = FRAME.unpack_from(buffer)
                if length > limits.max_frame_bytes:
                    raise ParserFailed("crashed")
                if len(buffer) < FRAME.size + length:
                    break
                payload = bytes(buffer[FRAME.size : FRAME.size + length])
                del buffer[: FRAME.size + length]
                if kind == b"R":
                    blocks.append(payload)
                elif kind == b"M":
                    facts = json.loads(payload)
                elif kind == b"E":
                    refusal = json.loads(payload)
                    raise ParserFailed(str(refusal.pop("code", "crashed")), refusal)
                elif kind == b"Z" and facts is not None:
                    return Parsed(facts, blocks, int(json.loads(payload)["rows"]))
                else:
                    raise ParserFailed("crashed")
    child.wait(max(0.1, deadline - time.monotonic()))
    raise ParserFailed("crashed", {"returncode": child.returncode})


_CELL_CLASSES = {
    "date": datetime.date, "datetime": datetime.datetime, "time": datetime.time,
    "timedelta": datetime.timedelta,
}


class _CellUnpickler(pickle.Unpickler):
    """Unpickles rows of cell values and nothing else (no other class is admitted)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in _CELL_CLASSES:
            return _CELL_CLASSES[name]
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def load_block(payload: bytes) -> tuple[range, list[list[Any]]]:
    """One block of consecutive rows: ``(their sheet row numbers, rows)``."""
    first, rows = _CellUnpickler(io.BytesIO(payload)).load()
    if type(first) is not int or type(rows) is not list:
        raise pickle.UnpicklingError("not a block of rows")
    return range(first, first + len(rows)), rows
