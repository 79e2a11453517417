"""Types shared by the normalisers (see :mod:`aniva_import.normalize`, the public facade)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal, TypeAlias

#: A raw cell: text ("" = empty) or a real date cell from a workbook.
#: (``datetime.datetime`` is a subclass of ``datetime.date``.)
Cell: TypeAlias = str | datetime.date
#: A value in API form.
Value: TypeAlias = str | int | float


@dataclass(frozen=True, slots=True)
class Issue:
    """Why one cell cannot be sent.

    ``code`` is stable snake_case; ``message`` is a sentence for a clinic admin
    that says what is wrong and what would be right.  It never contains the
    cell's value (results files and terminals must not leak patient data).
    """

    code: str
    message: str


#: ``None`` = empty/missing; the caller's schema decides whether that is allowed.
Result: TypeAlias = Value | Issue | None

DateOrder: TypeAlias = Literal["DMY", "MDY", "YMD"]


@dataclass(frozen=True)
class Conventions:
    """How to read the values of one file."""

    today: datetime.date
    #: ISO 3166 alpha-2, upper case (lower case is upper-cased), e.g. "DE".
    phone_region: str | None = None
    #: order of separator-ambiguous dates (03/04/1985); None = not known.
    date_order: DateOrder | None = None
    #: "auto": a single "," or "." is the decimal separator; thousands
    #: separators are never guessed.
    decimal: Literal["auto", ",", "."] = "auto"
    #: from the headers; "fi" enables M = mies (male) / N = nainen (female).
    file_language: Literal["en", "de", "fi"] | None = None
    #: Excel serial numbers use the 1904 date system.
    date1904: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.today, datetime.datetime):
            object.__setattr__(self, "today", self.today.date())
        if self.phone_region is not None:
            # Kept as given (upper-cased); an unknown region makes every national
            # number invalid with an explanation instead of crashing the run.
            region = self.phone_region.strip().upper()
            object.__setattr__(self, "phone_region", region or None)
        if self.date_order not in (None, "DMY", "MDY", "YMD"):
            raise ValueError("date_order must be DMY, MDY or YMD")
        if self.decimal not in ("auto", ",", "."):
            raise ValueError('decimal must be "auto", "," or "."')
        if self.file_language not in (None, "en", "de", "fi"):
            raise ValueError("file_language must be en, de or fi")


def text_of(cell: Cell) -> str | None:
    """The stripped text of a text cell, None when it is empty; never for date cells."""
    if isinstance(cell, str):
        s = cell.strip()
        return s or None
    return None


def is_blank(cell: Cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


#: What a spreadsheet shows (and a CSV export writes) in place of a formula's value
#: when the formula fails: Excel's error values in English, German and Finnish, and
#: LibreOffice's.  Compared case-insensitively with the whole (trimmed) cell.
_ERROR_VALUES = (
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
    "#EXTERNAL!", "#PYTHON!",
    "#NV", "#WERT!", "#BEZUG!", "#ZAHL!", "#ÜBERLAUF!", "#KALK!",
    "#PUUTTUU", "#JAKO/0!", "#ARVO!", "#VIITTAUS!", "#NIMI?", "#LUKU!", "#TYHJÄ!",
    "Err:502", "Err:504", "Err:508", "Err:511", "Err:522", "Err:523",
)  # fmt: skip
#: casefolded error value → its Issue (fixed sentences: no cell value can leak)
SPREADSHEET_ERRORS: dict[str, Issue] = {
    value.casefold(): Issue(
        "spreadsheet_error",
        f"This cell shows the spreadsheet error {value} instead of a value (a formula "
        "that failed); correct the formula or type the value in, then export again.",
    )
    for value in _ERROR_VALUES
}


def spreadsheet_error(cell: object) -> Issue | None:
    """The Issue for a cell that holds a spreadsheet error value (``#N/A``,
    ``#DIV/0!``, ``#NV`` …) instead of a value; None for any other cell."""
    if not isinstance(cell, str):
        return None
    text = cell.strip()
    if text[:1] not in ("#", "E", "e"):
        return None
    return SPREADSHEET_ERRORS.get(text.casefold())
