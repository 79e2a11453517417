"""Dates of birth: ISO, DD.MM.YYYY, real date cells, Excel serials, and slash
dates whose order the column (or the mapping) makes unambiguous.

Excel serials (``31128``) are read where a spreadsheet wrote them (a workbook's
number cells); in a CSV, whose exports write dates as text, a plain number is
``serial_date`` unless the mapping says the column holds serials
(``Conventions.date_serials``).

Only reading happens here: whether the date may be a date of birth (in the past,
not before 1900) is judged by the schema.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from aniva_import.normalize._base import Conventions, Issue
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell, DateOrder

_HINT = "write it as DD.MM.YYYY or YYYY-MM-DD, e.g. 22.03.1985"

INVALID_DATE = Issue(
    ProblemCode.INVALID_DATE, f"This is not a date that can be read; {_HINT}."
)
NOT_A_CALENDAR_DATE = Issue(
    ProblemCode.INVALID_DATE,
    f"This date does not exist in the calendar (check day and month); {_HINT}.",
)
TWO_DIGIT_YEAR = Issue(
    ProblemCode.TWO_DIGIT_YEAR,
    "The year has only two digits, so the century is unknown; "
    "write all four digits, e.g. 22.03.1985.",
)
YEAR_ONLY = Issue(
    ProblemCode.INVALID_DATE,
    f"This looks like a year on its own; a full date of birth is needed, {_HINT}.",
)
AMBIGUOUS_DATE = Issue(
    ProblemCode.AMBIGUOUS_DATE,
    "This date could be day/month or month/day and the column does not show which "
    "(no value in it has a day above 12, or it has values of both kinds); "
    "write it as DD.MM.YYYY or YYYY-MM-DD, or set the date order in the mapping.",
)
NOT_DMY = Issue(
    ProblemCode.INVALID_DATE,
    "This column writes dates as day/month/year, but this value is not a valid date "
    f"in that order; {_HINT}.",
)
NOT_MDY = Issue(
    ProblemCode.INVALID_DATE,
    "This column writes dates as month/day/year, but this value is not a valid date "
    f"in that order; {_HINT}.",
)
EXCEL_FICTITIOUS = Issue(
    ProblemCode.INVALID_DATE,
    "This Excel date number stands for 29 February 1900, a day that did not exist; "
    f"{_HINT}.",
)
SERIAL_IN_CSV = Issue(
    ProblemCode.SERIAL_DATE,
    "This is a plain number, not a date. Excel stores dates as such numbers, but a CSV "
    "export writes dates as text, so reading it as one would be a guess; write the date "
    "as DD.MM.YYYY, or, if the whole column holds Excel date numbers, set "
    "date_serials = true in the mapping.",
)
TIMEZONE_DATE = Issue(
    ProblemCode.INVALID_DATE,
    f"This date has a time zone, which can move it to another day; {_HINT}.",
)

# year first (ISO and its relatives): 1985-03-22, 1985-3-22, 1985/03/22, with optional time
_YMD_RE = re.compile(
    r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]{1,9})?)?)?"
)
# a time zone after an ISO date-time: rejected with its own message
_YMD_TZ_RE = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
    r"\s*(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
)
# day first with dots (German/Finnish convention): 22.03.1985, 1.4.1985
_DOTS_RE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
# slash or dash with the year last: 03/04/1985, 3-4-1985 (order from the column)
_SLASH_RE = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})\2([0-9]{4})")
# two-digit years, any separator
_SHORT_YEAR_RE = re.compile(r"([0-9]{1,2})([./-])([0-9]{1,2})\2([0-9]{2})")
_SHORT_YEAR_FIRST_RE = re.compile(r"[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}")
# Excel serial numbers written as text; "31128" or "31128.0"
_SERIAL_RE = re.compile(r"([0-9]{1,5})(?:\.0+)?")
SERIAL_RANGE = (1, 60000)
#: four-digit numbers in this range are read as a bare year, not as a serial
YEAR_LIKE_RANGE = (1900, 2100)

_EXCEL_1900_EPOCH = datetime.date(1899, 12, 30)  # for serials >= 61
_EXCEL_1900_EARLY_EPOCH = datetime.date(1899, 12, 31)  # for serials 1..59
_EXCEL_1904_EPOCH = datetime.date(1904, 1, 1)


def _finish(d: datetime.date, conv: Conventions) -> str:
    return d.isoformat()


def _make(year: int, month: int, day: int, conv: Conventions) -> str | Issue:
    try:
        d = datetime.date(year, month, day)
    except ValueError:
        return NOT_A_CALENDAR_DATE
    return _finish(d, conv)


def _from_serial(serial: int, conv: Conventions) -> str | Issue:
    if conv.date1904:
        d = _EXCEL_1904_EPOCH + datetime.timedelta(days=serial)
    elif serial == 60:
        return EXCEL_FICTITIOUS
    elif serial < 60:
        d = _EXCEL_1900_EARLY_EPOCH + datetime.timedelta(days=serial)
    else:
        d = _EXCEL_1900_EPOCH + datetime.timedelta(days=serial)
    return _finish(d, conv)


def _slash(a: int, b: int, year: int, order: DateOrder | None, conv: Conventions) -> str | Issue:
    if order == "DMY":
        r = _make(year, b, a, conv)
        return NOT_DMY if r is NOT_A_CALENDAR_DATE else r
    if order == "MDY":
        r = _make(year, a, b, conv)
        return NOT_MDY if r is NOT_A_CALENDAR_DATE else r
    # order unknown (or YMD, which does not apply to a year-last value):
    # accept only what has a single reading.
    if year < 1 or a == 0 or b == 0:
        return NOT_A_CALENDAR_DATE
    if a == b:
        return _make(year, a, b, conv)  # 03/03/1985 reads the same either way
    if a > 12 and b <= 12:
        return _make(year, b, a, conv)
    if b > 12 and a <= 12:
        return _make(year, a, b, conv)
    if a > 12 and b > 12:
        return NOT_A_CALENDAR_DATE
    return AMBIGUOUS_DATE


def normalize_date(cell: Cell, conv: Conventions) -> str | Issue | None:
    """A date as ``YYYY-MM-DD`` (the schema judges whether it can be a date of birth)."""
    if isinstance(cell, datetime.date):
        d = cell.date() if isinstance(cell, datetime.datetime) else cell
        return _finish(d, conv)
    s = cell.strip()
    if not s:
        return None
    if len(s) > 40:
        return INVALID_DATE
    m = _DOTS_RE.fullmatch(s)
    if m:
        return _make(int(m[3]), int(m[2]), int(m[1]), conv)
    m = _YMD_RE.fullmatch(s)
    if m:
        if m[5] is not None and (int(m[5]) > 23 or int(m[6]) > 59 or int(m[7] or 0) > 59):
            return INVALID_DATE
        return _make(int(m[1]), int(m[3]), int(m[4]), conv)
    m = _SLASH_RE.fullmatch(s)
    if m:
        return _slash(int(m[1]), int(m[3]), int(m[4]), conv.date_order, conv)
    m = _SERIAL_RE.fullmatch(s)
    if m:
        n = int(m[1])
        if YEAR_LIKE_RANGE[0] <= n <= YEAR_LIKE_RANGE[1] and len(m[1]) == 4:
            return YEAR_ONLY
        if not conv.date_serials:
            return SERIAL_IN_CSV
        if SERIAL_RANGE[0] <= n <= SERIAL_RANGE[1]:
            return _from_serial(n, conv)
        return INVALID_DATE
    if _SHORT_YEAR_RE.fullmatch(s) or _SHORT_YEAR_FIRST_RE.fullmatch(s):
        return TWO_DIGIT_YEAR
    if _YMD_TZ_RE.fullmatch(s):
        return TIMEZONE_DATE
    return INVALID_DATE


@dataclass(frozen=True, slots=True)
class DateOrderInference:
    """What a date column says about the order of its slash/dash dates.

    ``order`` is "DMY" or "MDY" when some value can only be read one way (a day
    above 12 in the first or second position) and no value contradicts it;
    None otherwise.  ``conflict`` is True when both kinds occur.  The counts say
    how many values decided each way (``dmy_rows``/``mdy_rows``) and how many
    could be read both ways (``ambiguous_rows``).
    """

    order: DateOrder | None
    conflict: bool
    dmy_rows: int = 0
    mdy_rows: int = 0
    ambiguous_rows: int = 0


_INFER_RE = re.compile(r"\s*([0-9]{1,2})[/-]([0-9]{1,2})[/-](?:[0-9]{4}|[0-9]{2})\s*")
#: every cell :func:`infer_date_order` counts contains a match of one of these (each
#: starts with a literal, so a whole file's text is searched for them quickly)
SLASH_DATE_NEEDLES: Final = tuple(
    re.compile(f"{a}[0-9]{{1,2}}{b}[0-9]{{2}}") for a in "/-" for b in "/-"
)


def infer_date_order(cells: Iterable[Cell]) -> DateOrderInference:
    """Infer the day/month order of a column's slash (or dash) dates.

    Dots (22.03.1985) are day-first by convention and are not evidence; ISO
    dates, date cells and serials carry no order either.  A value whose first
    number is above 12 (13/04/1985) says day-first, one whose second number is
    above 12 says month-first.  Both kinds present = conflict: no order.

    Trade-off: the whole column is read (no early stop), because a conflicting
    value can come last; memory stays O(1), so an iterator over a huge column
    is fine.
    """
    dmy = mdy = ambiguous = 0
    match = _INFER_RE.fullmatch
    for cell in cells:
        if not isinstance(cell, str) or len(cell) > 40:
            continue
        m = match(cell)
        if m is None:
            continue
        a, b = int(m[1]), int(m[2])
        if a > 12 and 1 <= b <= 12:
            dmy += 1
        elif b > 12 and 1 <= a <= 12:
            mdy += 1
        elif 1 <= a <= 12 and 1 <= b <= 12 and a != b:
            ambiguous += 1
    if dmy and mdy:
        return DateOrderInference(None, True, dmy, mdy, ambiguous)
    order: DateOrder | None = "DMY" if dmy else "MDY" if mdy else None
    return DateOrderInference(order, False, dmy, mdy, ambiguous)
