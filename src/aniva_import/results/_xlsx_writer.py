"""A small, fast, streaming writer of one-sheet .xlsx files (the results file).

xlsxwriter costs ~5 µs a cell; this writes the SpreadsheetML itself, one f-string a
cell (:mod:`aniva_import.results._xlsx_cells`, which workers run), straight into the zip
member, and does only what the results file needs: a bold header row, text /
number / date cells, red "bad" cells with a note (comment), a frozen header and an
autofilter.  The XML mirrors what xlsxwriter writes for the same features
(comments, the legacy VML drawing Excel needs to show notes, the
``_xlnm._FilterDatabase`` name).

More than 1,048,576 rows raise ``ValueError`` (and so does anything
:mod:`~aniva_import.results._xlsx_cells` refuses); nothing of that row is written.

Memory does not grow with the rows: sheet XML goes out in ~1 MB batches; notes
(flagged cells only) spool to a temporary file beside the target (in memory up to
4 MB), their positions to an array (16 bytes a note).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from aniva_import.results._xlsx_cells import (
    _BOLD,
    MAX_COLS,
    MAX_ROWS,
    CellValue,
    RenderedRows,
    _escape,
    _text_cell,
    column_letters,
    render_row,
)
from aniva_import.results._xlsx_templates import (
    _APP,
    _CONTENT_TYPES,
    _CORE,
    _NOTE_TYPES,
    _NOTES_START,
    _RELS,
    _SHEET_END,
    _SHEET_RELS,
    _SHEET_START,
    _STYLES,
    _VML_SHAPE,
    _VML_START,
    _WORKBOOK_RELS,
    _WORKBOOK_START,
)

COMPRESS_LEVEL = 1  # 50k x 14 cells: level 1 0.56 s / 5.1 MB, 3 0.68 s / 4.6 MB, 6 1.0 s / 4.0 MB
_FLUSH_CHARS = 1 << 20
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


class FastXlsxWriter:
    """Write one sheet: :meth:`write_header` first, then :meth:`write_row` per row,
    then :meth:`close` (also on leaving a ``with`` block)."""

    def __init__(self, path: Path, *, sheet_name: str = "Results") -> None:
        name = sheet_name
        if not 0 < len(name) <= 31 or _BAD_SHEET_CHARS.search(name) or "'" in (name[0], name[-1]):
            raise ValueError(f"{name!r} is not a valid Excel sheet name")
        self.path, self._sheet_name = path, name
        self._letters: list[str] = []
        self._next_row, self._width = 1, 0
        self._buffer: list[str] = []
        self._buffered = 0
        self._notes_at = array("L")  # (row, column) 0-based, one pair a note
        self._closed = False
        # O_CREAT without O_TRUNC: an existing file keeps its permissions (0600).
        self._file = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
        try:
            self._file.truncate(0)
            self._notes = tempfile.SpooledTemporaryFile(4 << 20, dir=str(path.parent))  # noqa: SIM115
            self._zip = zipfile.ZipFile(self._file, "w", zipfile.ZIP_DEFLATED, True, COMPRESS_LEVEL)
            self._write_static_parts()
            self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
            self._sheet.write(_SHEET_START.encode())
        except BaseException:
            self._file.close()
            raise

    def _columns(self, width: int) -> list[str]:
        if width > MAX_COLS:
            raise ValueError(f"more than Excel's {MAX_COLS} columns")
        letters = self._letters
        letters.extend(column_letters(i) for i in range(len(letters), width))
        return letters

    def write_header(self, cells: Sequence[str]) -> None:
        """The bold header row (row 1); call it before any :meth:`write_row`."""
        if self._next_row != 1:
            raise RuntimeError("write_header must come before the rows")
        letters = self._columns(len(cells))
        out = ['<row r="1">']
        out.extend(_text_cell(f"{letters[i]}1", _BOLD, c) for i, c in enumerate(cells) if c)
        self._add(out, len(cells))

    def write_row(
        self, cells: Sequence[CellValue], *, flagged: Mapping[int, str] | None = None
    ) -> None:
        """One row.  ``flagged`` maps column indexes (0-based, into ``cells``; may be past
        its end) to a message: that cell is shown red with the message as its note."""
        if self._next_row > MAX_ROWS:
            raise ValueError(f"more than Excel's {MAX_ROWS} rows")
        rendered = render_row(self._next_row, cells, flagged)
        self.append_rendered(rendered, 1)

    def append_rendered(self, rendered: RenderedRows, rows: int) -> None:
        """Rows rendered by :func:`render_row` (possibly in another process), which
        numbered them from this writer's next row on."""
        if self._next_row + rows - 1 > MAX_ROWS:
            raise ValueError(f"more than Excel's {MAX_ROWS} rows")
        self._columns(rendered.width)
        if rendered.notes:
            self._notes.write(rendered.notes.encode())
            self._notes_at.extend(rendered.notes_at)
        self._next_row += rows
        self._width = max(self._width, rendered.width)
        self._buffer.append(rendered.xml)
        self._buffered += len(rendered.xml)
        if self._buffered >= _FLUSH_CHARS:
            self._flush()

    def _add(self, out: list[str], width: int) -> None:
        out.append("</row>")
        chunk = "".join(out)
        self._next_row += 1
        self._width = max(self._width, width)
        self._buffer.append(chunk)
        self._buffered += len(chunk)
        if self._buffered >= _FLUSH_CHARS:
            self._flush()

    def _flush(self) -> None:
        self._sheet.write("".join(self._buffer).encode())
        self._buffer.clear()
        self._buffered = 0

    def close(self) -> None:
        """Finish the file: filter, notes, workbook parts, zip directory."""
        if self._closed:
            return
        self._closed = True
        try:
            self._finish()
        finally:
            self._notes.close()
            self._file.close()

    def _finish(self) -> None:
        last_row, z = self._next_row - 1, self._zip
        ref = f"A1:{self._letters[self._width - 1]}{last_row}" if self._width and last_row else ""
        has_notes = len(self._notes_at) > 0
        self._buffer.append("</sheetData>")
        self._buffer.append(f'<autoFilter ref="{ref}"/>' if ref else "")
        self._buffer.append(_SHEET_END + ('<legacyDrawing r:id="rId1"/>' if has_notes else ""))
        self._buffer.append("</worksheet>")
        self._flush()
        self._sheet.close()
        if has_notes:
            with z.open("xl/comments1.xml", "w", force_zip64=True) as part:
                part.write(_NOTES_START.encode())
                self._notes.seek(0)
                shutil.copyfileobj(self._notes, part)
                part.write(b"</commentList></comments>")
            self._write_vml()
            z.writestr("xl/worksheets/_rels/sheet1.xml.rels", _SHEET_RELS)
        name = self._sheet_name
        names = ""
        if ref:
            if not re.fullmatch(r"[A-Za-z_]+", name) or name.upper() in ("R", "C"):
                name = "'" + name.replace("'", "''") + "'"
            absolute = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)
            names = (
                '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
                f'hidden="1">{_escape(name)}!{absolute}</definedName></definedNames>'
            )
        attribute = _escape(self._sheet_name).replace('"', "&quot;")
        z.writestr(
            "xl/workbook.xml",
            f'{_WORKBOOK_START}<sheet name="{attribute}" sheetId="1" r:id="rId1"/></sheets>'
            f"{names}</workbook>",
        )
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        types = _CONTENT_TYPES.format(*_NOTE_TYPES if has_notes else ("", ""))
        z.writestr("[Content_Types].xml", types)
        z.close()

    def _write_vml(self) -> None:
        count, at = len(self._notes_at) // 2, self._notes_at
        data = ",".join(str(i) for i in range(1, count // 1024 + 2))
        with self._zip.open("xl/drawings/vmlDrawing1.vml", "w", force_zip64=True) as part:
            shapes = [_VML_START.format(data)]
            for n in range(count):
                row, col = at[2 * n], at[2 * n + 1]
                c1, r1 = min(col + 1, MAX_COLS - 3), min(max(row - 1, 0), MAX_ROWS - 5)
                left, top = (c1 * 64 + 15) * 0.75, (r1 * 20 + 10) * 0.75
                shapes.append(_VML_SHAPE.format(id=1025 + n, z=n + 1, left=left, top=top, c1=c1,
                                                r1=r1, c2=c1 + 2, r2=r1 + 4, row=row, col=col))
                if len(shapes) >= 1000:
                    part.write("".join(shapes).encode())
                    shapes.clear()
            shapes.append("</xml>")
            part.write("".join(shapes).encode())

    def _write_static_parts(self) -> None:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._zip.writestr("_rels/.rels", _RELS)
        self._zip.writestr("docProps/app.xml", _APP)
        self._zip.writestr("docProps/core.xml", _CORE.format(now=now))
        self._zip.writestr("xl/styles.xml", _STYLES)

    def __enter__(self) -> FastXlsxWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
