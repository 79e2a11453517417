"""Sheet XML for rows of cells: the part of the .xlsx writer that workers run.

Pure functions (no I/O), so worker processes render their chunk's rows and the
writer (:mod:`aniva_import.results._xlsx_writer`) only appends them.

Never silent, never a formula: text is always an inline string cell (``"=SUM(1)"``
stays text).  These raise ``ValueError`` instead of changing the data (the caller
decides): text or a note longer than Excel's 32,767 characters (counted in UTF-16
units, as Excel does), more than 16,384 columns, NaN/infinite floats,
timezone-aware datetimes.  Dates before 1900-01-01 (no Excel serial) are written
as ISO text.  A ``ValueError`` leaves nothing of that row written.

Text escaping: ``& < >`` as entities; characters XML 1.0 forbids, and CR (which an
XML parser would turn into LF), as Excel's ``_xHHHH_``; a literal ``_xHHHH_`` in the
text gets its underscore escaped (``_x005F_``) so Excel reads it back unchanged.
openpyxl (3.1) returns inline strings without undoing ``_xHHHH_`` escapes (use
``openpyxl.utils.escape.unescape``); Excel, LibreOffice and python-calamine undo them
(calamine leaves ``_xFFFE_``, ``_xFFFF_`` and lone surrogates ``_xD800_`` as text).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aniva_import.results._xlsx_templates import _NOTE_RPR
from aniva_import.types import column_letter

MAX_ROWS, MAX_COLS, MAX_TEXT = 1_048_576, 16_384, 32_767

CellValue = str | int | float | dt.date | dt.datetime | None

# a quick pre-check: a plain character class is ~2x faster than the exact pattern
_MAYBE_ESCAPE = re.compile(r"[&<>_\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_EPOCH = dt.date(1899, 12, 31).toordinal()  # serial 1 = 1900-01-01
_NO_FLAGS: Mapping[int, str] = {}
_PRESERVE = ' xml:space="preserve"'
# cellXfs: 0 default, 1 bold, 2 date, 3 datetime, 4 bad, 5 bad date, 6 bad datetime
_BOLD, _DATE, _DATETIME, _BAD, _BAD_SHIFT = 1, 2, 3, 4, 3
_BAD_ATTR = ' s="4"'


#: ``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA`` (the one shared implementation)
column_letters = column_letter


def excel_serial(value: dt.date) -> float | None:
    """The Excel 1900-system serial of a date or naive datetime; ``None`` before 1900.

    Like Excel, counts the fictitious 1900-02-29 (serial 60): 1900-02-28 is 59,
    1900-03-01 is 61.  (LibreOffice shows serials below 61 one day earlier.)
    """
    days = value.toordinal() - _EPOCH
    if days < 1:
        return None
    if days > 59:
        days += 1
    if isinstance(value, dt.datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return days + (seconds + value.microsecond / 1e6) / 86400
    return days


def _check_length(text: str, what: str = "cell text") -> None:
    if len(text) > MAX_TEXT // 2 and len(text.encode("utf-16-le", "surrogatepass")) > 2 * MAX_TEXT:
        raise ValueError(f"{what} is longer than Excel's limit of {MAX_TEXT} characters")


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _LITERAL_ESCAPE.sub("_x005F_", text)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def _t(text: str) -> str:
    """The ``<t>`` element of a length-checked text."""
    escaped = _escape(text) if _MAYBE_ESCAPE.search(text) else text
    if text and (text[0].isspace() or text[-1].isspace()):
        return f"<t{_PRESERVE}>{escaped}</t>"
    return f"<t>{escaped}</t>"


def _text_cell(ref: str, style: int, text: str) -> str:
    _check_length(text)
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is>{_t(text)}</is></c>'


def _other_cell(ref: str, bad: bool, value: object) -> str:
    """Cells other than plain ``str`` and ``int``: floats, dates, bools, subclasses."""
    s = _BAD_ATTR if bad else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{int(value)}</v></c>'
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cell {ref}: {value!r} cannot be written to Excel")
        return f'<c r="{ref}"{s}><v>{float(value)!r}</v></c>'
    if isinstance(value, dt.date):
        if isinstance(value, dt.datetime) and value.utcoffset() is not None:
            raise ValueError(f"cell {ref}: timezone-aware datetimes are not supported")
        serial = excel_serial(value)
        if serial is None:
            return _text_cell(ref, _BAD if bad else 0, value.isoformat())
        style = (_DATETIME if isinstance(value, dt.datetime) else _DATE) + _BAD_SHIFT * bad
        return f'<c r="{ref}" s="{style}"><v>{serial!r}</v></c>'
    if isinstance(value, str):
        return _text_cell(ref, _BAD if bad else 0, str(value))
    raise TypeError(f"cell {ref}: cannot write a {type(value).__name__}")


@dataclass(frozen=True)
class RenderedRows:
    """Sheet XML for one or more rows, with their notes (comments) and width."""

    xml: str
    width: int
    notes: str = ""
    #: (row, column) 0-based of every note, flattened
    notes_at: tuple[int, ...] = ()


_LETTERS: list[str] = []


def _letters(width: int) -> list[str]:
    if width > MAX_COLS:
        raise ValueError(f"more than Excel's {MAX_COLS} columns")
    _LETTERS.extend(column_letters(i) for i in range(len(_LETTERS), width))
    return _LETTERS


def render_row(
    number: int, cells: Sequence[CellValue], flagged: Mapping[int, str] | None = None
) -> RenderedRows:
    """The XML of sheet row ``number`` (1-based).  ``flagged`` maps column indexes
    (0-based, into ``cells``; may be past its end) to a note: that cell is shown red
    with the note.  Pure: workers render their rows, the writer appends them."""
    flags = flagged or _NO_FLAGS
    width = len(cells)
    if flags:
        if min(flags) < 0:
            raise ValueError("flagged column indexes must be >= 0")
        width = max(width, max(flags) + 1)
        for message in flags.values():
            _check_length(message, "note text")
    letters = _letters(width)
    row = str(number)
    out = [f'<row r="{row}">']
    append, search = out.append, _MAYBE_ESCAPE.search
    for col, value in enumerate(cells):
        style = _BAD_ATTR if col in flags else ""
        if type(value) is str:
            if value:
                if len(value) > MAX_TEXT // 2:
                    _check_length(value)
                text = _escape(value) if search(value) else value
                space = _PRESERVE if value[0].isspace() or value[-1].isspace() else ""
                append(
                    f'<c r="{letters[col]}{row}"{style} t="inlineStr"><is><t{space}>{text}'
                    "</t></is></c>"
                )
            elif style:
                append(f'<c r="{letters[col]}{row}"{style}/>')
        elif type(value) is int:
            append(f'<c r="{letters[col]}{row}"{style}><v>{value}</v></c>')
        elif value is None:
            if style:
                append(f'<c r="{letters[col]}{row}"{style}/>')
        else:
            append(_other_cell(f"{letters[col]}{row}", bool(style), value))
    if not flags:
        out.append("</row>")
        return RenderedRows("".join(out), width)
    at = sorted(flags)
    out.extend(f'<c r="{letters[c]}{row}"{_BAD_ATTR}/>' for c in at if c >= len(cells))
    out.append("</row>")
    notes = "".join(
        f'<comment ref="{letters[col]}{row}" authorId="0"><text><r>{_NOTE_RPR}'
        f"{_t(flags[col])}</r></text></comment>"
        for col in at
    )
    return RenderedRows(
        "".join(out), width, notes, tuple(i for col in at for i in (number - 1, col))
    )


def render_rows(
    first: int,
    rows: Sequence[Sequence[CellValue]],
    flagged: Mapping[int, Mapping[int, str]] | None = None,
) -> tuple[RenderedRows, list[int]]:
    """Sheet rows ``first``, ``first + 1``, ... at once: exactly the XML that
    :func:`render_row` gives for each, joined, and the offset in it where each row
    ends.  ``flagged`` maps an index into ``rows`` to that row's flagged cells.

    Rows without flagged cells (nearly all of them) take a loop with no per-row
    objects and the common cells (plain text, whole numbers, dates) inline."""
    flagged = flagged or {}
    letters = _letters(max((len(r) for r in rows), default=0))
    search, long_text = _MAYBE_ESCAPE.search, MAX_TEXT // 2
    date, epoch = dt.date, _EPOCH
    xml: list[str] = []
    ends: list[int] = []
    notes: list[str] = []
    notes_at: list[int] = []
    end = width = 0
    for index, cells in enumerate(rows):
        number = first + index
        flags = flagged.get(index)
        if flags:
            part = render_row(number, cells, flags)
            text = part.xml
            notes.append(part.notes)
            notes_at.extend(part.notes_at)
            width = max(width, part.width)
        else:
            row = str(number)
            out = [f'<row r="{row}">']
            append = out.append
            for col, value in enumerate(cells):
                kind = type(value)
                if kind is str:
                    if not value:
                        continue
                    if search(value) or len(value) > long_text:  # type: ignore[arg-type]
                        append(_text_cell(f"{letters[col]}{row}", 0, value))  # type: ignore[arg-type]
                    elif value[0].isspace() or value[-1].isspace():  # type: ignore[index]
                        append(f'<c r="{letters[col]}{row}" t="inlineStr"><is><t{_PRESERVE}>'
                               f"{value}</t></is></c>")
                    else:
                        append(f'<c r="{letters[col]}{row}" t="inlineStr"><is><t>{value}'
                               "</t></is></c>")
                elif value is None:
                    continue
                elif kind is int:
                    append(f'<c r="{letters[col]}{row}"><v>{value}</v></c>')
                elif kind is date:
                    days = value.toordinal() - epoch  # type: ignore[union-attr]
                    if days > 59:  # after the fictitious 1900-02-29 (see excel_serial)
                        append(f'<c r="{letters[col]}{row}" s="{_DATE}"><v>{days + 1}</v></c>')
                    else:
                        append(_other_cell(f"{letters[col]}{row}", False, value))
                else:
                    append(_other_cell(f"{letters[col]}{row}", False, value))
            append("</row>")
            text = "".join(out)
            width = max(width, len(cells))
        xml.append(text)
        end += len(text)
        ends.append(end)
    return RenderedRows("".join(xml), width, "".join(notes), tuple(notes_at)), ends
