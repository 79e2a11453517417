"""The workbook parser's own process (``main``, started by ``_isolated``).

A native parser (calamine) can abort the process on a failed allocation, spin
forever on broken XML or print a Rust panic; the fallback readers (xlrd, openpyxl)
can take as much memory as a hostile file asks for.  So they run here, never in the
process that holds the run: :mod:`aniva_import.load._isolated` starts this module
with the workbook's open file descriptor (the file the container check saw: it
cannot be swapped in between), a request on standard input (never in argv: a sheet
name may be a patient's name), and reads framed answers from standard output.

Here, before anything of the file is read: an address-space limit, a CPU-time
limit, no core dumps, no files written, and death with the parent
(``PR_SET_PDEATHSIG``).  Standard error goes nowhere (the parent gives it
``/dev/null``), so no panic text reaches the terminal.

Frames: one byte of type and four of length, then the payload — ``M`` the sheet's
facts (JSON), ``R`` a block of consecutive rows (pickle of ``(first row number,
rows)``, only these value types: text, numbers, booleans, dates and times), ``E`` a refusal (JSON: a
code and its details, turned into a sentence by the parent), ``Z`` the end.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import sys
from typing import Any, BinaryIO

FRAME = struct.Struct(">cI")
#: rows are sent in blocks of about this many cells
BLOCK_CELLS = 200_000


class Refusal(Exception):
    """The file is refused: ``code`` and JSON-ready details for the parent's sentence."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


# --------------------------------------------------------------------------- containment


def contain(memory_bytes: int, cpu_seconds: int) -> None:
    """Limits set before the file is touched: memory, CPU time, no core, no files, and
    death with the parent."""
    import resource
    import signal

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 2))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    sys.dont_write_bytecode = True
    os.environ["RUST_BACKTRACE"] = "0"  # a panic costs no backtrace (and prints nowhere)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent is already gone
        os._exit(1)
    for handled in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(handled, signal.SIG_IGN)  # the parent handles them, and kills us


def read_file(fd: int, size: int) -> bytes:
    """The workbook's bytes, read with ``pread`` (the parent's file offset untouched),
    at most ``size`` of them (the size the container check saw)."""
    parts: list[bytes] = []
    offset = 0
    while offset < size:
        block = os.pread(fd, min(1 << 24, size - offset), offset)
        if not block:
            break
        parts.append(block)
        offset += len(block)
    return b"".join(parts)


# --------------------------------------------------------------------------- frames


class Out:
    """Framed answers to the parent."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def frame(self, kind: bytes, payload: bytes) -> None:
        self._stream.write(FRAME.pack(kind, len(payload)))
        self._stream.write(payload)

    def json(self, kind: bytes, value: Any) -> None:
        self.frame(kind, json.dumps(value).encode())

    def rows(self, first: int, rows: list[list[Any]]) -> None:
        self.frame(b"R", pickle.dumps((first, rows), protocol=pickle.HIGHEST_PROTOCOL))

    def flush(self) -> None:
        self._stream.flush()


def stream_rows(out: Out, first: int, rows: list[list[Any]]) -> int:
    """Send the sheet's rows (``first``: the sheet row number of ``rows[0]``) in blocks
    of about :data:`BLOCK_CELLS` cells; the count of rows sent.  Blank rows go too (the
    parent skips them): a pass over the rows here would cost more than they do."""
    width = max((len(row) for row in rows[:100]), default=1)
    step = max(1, BLOCK_CELLS // max(width, 1))
    for start in range(0, len(rows), step):
        out.rows(first + start, rows[start : start + step])
    return len(rows)


# --------------------------------------------------------------------------- main


def serve(request: dict[str, Any], out: Out) -> None:
    from aniva_import.load._parse import parse

    data = read_file(int(request["fd"]), int(request["size"]))
    facts, first, rows = parse(io.BytesIO(data), request)
    out.json(b"M", facts)
    total = stream_rows(out, first, rows)
    out.json(b"Z", {"rows": total})


def main() -> int:
    # standard output is the channel to the parent: keep it, and send every print of a
    # library (xlrd prints warnings) nowhere
    channel = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115, PTH123 - lives as long as the process
    # the modules first (the parent checks the container meanwhile), then the request
    import python_calamine  # noqa: F401

    from aniva_import.load import _fixes, _parse, _sheets  # noqa: F401

    request = json.loads(sys.stdin.buffer.read(1 << 20))
    contain(int(request["memory"]), int(request["cpu"]))
    out = Out(channel)
    try:
        serve(request, out)
    except Refusal as refusal:
        out.json(b"E", {"code": refusal.code, **refusal.details})
    except MemoryError:
        out.json(b"E", {"code": "memory"})
    except RecursionError:
        out.json(b"E", {"code": "unsafe"})
    out.flush()
    return 0

