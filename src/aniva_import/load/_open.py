"""Opening a spreadsheet: which reader, and the checks every file gets first.

The file is opened once, without blocking (a FIFO named ``list.csv`` cannot hang
the run) and checked to be a regular file on that open descriptor; every later
look at it — the container check, the parser, each pass of the CSV reader — reads
that same file, so it cannot be swapped for another in between.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from aniva_import.errors import InputError
from aniva_import.load._formats import SUPPORTED_EXTENSIONS, kind_of
from aniva_import.load._header import Recognise
from aniva_import.load._isolated import DEFAULT_LIMITS, ParserLimits
from aniva_import.load._table import Table


def open_table(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    recognise: Recognise | None = None,
    limits: ParserLimits = DEFAULT_LIMITS,
) -> Table:
    """Open a spreadsheet: sniff its format, encoding, delimiter, sheet and header.

    ``sheet``: a worksheet's name or position (``"2"``); ``encoding``: a text file's
    codec, when its detection stays uncertain; ``recognise``: whether a header text
    names a known column (the header row is the one where known headers are; see
    :mod:`aniva_import.load._header`); ``limits``: the workbook parser's bounds.

    Raises :class:`InputError` (one sentence naming the file) when the file
    cannot be used: missing, unsupported type, empty, not what its extension
    says, damaged, password-protected, a zip bomb, unsafe to parse, no header row,
    or ``sheet`` not found.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is not a file but a folder; give the spreadsheet file itself")
    kind = kind_of(path)
    if kind is None:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        shown = path.suffix or "no extension"
        raise InputError(
            f"{path} has an unsupported file type ({shown}); supported types are {supported}"
        )
    if not path.exists():
        raise InputError(f"{path} does not exist")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror or 'access denied'})") from None
    file: IO[bytes] | None = os.fdopen(fd, "rb")
    assert file is not None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise InputError(f"{path} is not a file")
        if status.st_size == 0:
            raise InputError(f"{path} is empty: no header row found")
        if kind == "csv":
            if sheet is not None:
                raise InputError(
                    f"{path} is a text (CSV) file and has no sheets, so --sheet cannot be used"
                )
            from aniva_import.load._csv import open_csv

            table: Table = open_csv(path, file, encoding=encoding, recognise=recognise)
            file = None  # the table keeps it: every pass reads this file
            return table
        from aniva_import.load._workbook import open_workbook

        return open_workbook(path, kind, sheet, file, recognise=recognise, limits=limits)
    finally:
        if file is not None:
            file.close()
