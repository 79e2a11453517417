"""What every normaliser shares: the file's conventions, the Issue a cell can have,
and the spreadsheet error values (``#N/A``) that are never taken for a value."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from aniva_import.load import SPREADSHEET_ERROR_VALUES
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell, DateOrder, FileLanguage

#: A value in API form.
Value: TypeAlias = str | int | float


@dataclass(frozen=True, slots=True)
class Issue:
    """Why one cell cannot be read (or, from the schema, cannot be sent).

    ``code`` is from the one catalogue; ``message`` is a sentence for a clinic admin
    that says what is wrong and what would be right.  It never contains the cell's
    value (results files and terminals must not leak patient data).
    """

    code: ProblemCode
    message: str


#: ``None`` = empty/missing; the schema decides whether that is allowed.
Result: TypeAlias = Value | Issue | None


@dataclass(frozen=True)
class Conventions:
    """How to read the values of one file (settled for the whole file before any row
    is checked: see the pipeline's pre-scan)."""

    today: datetime.date
    #: ISO 3166 alpha-2, upper case (lower case is upper-cased), e.g. "DE".
    phone_region: str | None = None
    #: order of separator-ambiguous dates (03/04/1985); None = not known.
    date_order: DateOrder | None = None
    #: "auto": a single "," or "." is the decimal separator; thousands
    #: separators are never guessed.
    decimal: Literal["auto", ",", "."] = "auto"
    #: from the headers; "fi" enables M = mies (male) / N = nainen (female).
    file_language: FileLanguage | None = None
    #: Excel serial numbers use the 1904 date system.
    date1904: bool = False
    #: the e-mail and phone fast paths (False: the libraries alone; same answers)
    fast_paths: bool = True
    #: phone digits without +, trunk prefix or 00 (``491701234567``): None = ambiguous
    #: when they also read as an international number; "international": they are one
    #: whose + was lost; "national": they are read in the phone region
    bare_phone_numbers: Literal["national", "international"] | None = None
    #: plain numbers in the date column are Excel serials: True in a workbook; in a
    #: CSV only when the mapping says so (CSV exports write dates as text)
    date_serials: bool = True

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


#: casefolded error value → its Issue (fixed sentences: no cell value can leak)
SPREADSHEET_ERRORS: Final = {
    value.casefold(): Issue(
        ProblemCode.SPREADSHEET_ERROR,
        f"This cell shows the spreadsheet error {value} instead of a value (a formula "
        "that failed); correct the formula or type the value in, then export again.",
    )
    for value in SPREADSHEET_ERROR_VALUES
}


def spreadsheet_error(cell: Cell | object) -> Issue | None:
    """The Issue for a cell that holds a spreadsheet error value (``#N/A``,
    ``#DIV/0!``, ``#NV`` …) instead of a value; None for any other cell."""
    if not isinstance(cell, str):
        return None
    text = cell.strip()
    if text[:1] not in ("#", "E", "e"):
        return None
    return SPREADSHEET_ERRORS.get(text.casefold())
