"""Which row is the header: within the first rows, the one where known headers are.

Clinic exports often put a title line or two above the header ("Patientenliste
Praxis Dr. Berlin, Stand 11/2026"); some files have no header at all, and their
first row is a patient.  So the header is chosen, not assumed:

* The candidates are the first :data:`LEADING_ROWS` rows that are not blank.
* A cell *looks like data* when it is a date (a date cell, or text such as
  ``13.07.1977``), an e-mail address or a phone number — what a header never is.
* With a recogniser (the pipeline passes one built from the header aliases and the
  mapping file), the header is the first candidate with the most recognised cells
  that looks like a header row: no cell looks like data, or many more cells are
  recognised than look like data.  Without one, or when no candidate has a
  recognised cell, it is the first candidate, if no cell of it looks like data.
* A header row is *trusted* (its names may appear in messages) only when some cell
  is recognised and none looks like data: then it is certainly not a patient.
* No header row at all is an InputError naming the columns that hold data, by
  letter — never their values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aniva_import.errors import InputError
from aniva_import.types import Cell, column_letter

#: how many non-blank rows from the top may be title lines above the header
LEADING_ROWS = 10

#: header text → whether it names a known column (aliases, mapping file)
Recognise = Callable[[str], bool]

_DATE = re.compile(
    r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}"
    r"|\d{4}[./-]\d{1,2}[./-]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[\d\s()./-]+")


def looks_like_data(cell: Cell) -> bool:
    """A date, an e-mail address or a phone number: a value, never a header."""
    if not isinstance(cell, str):
        return True  # a date cell
    text = cell.strip()
    if not text:
        return False
    if _DATE.fullmatch(text) or _EMAIL.fullmatch(text):
        return True
    return bool(_PHONE.fullmatch(text)) and sum(c.isdigit() for c in text) >= 6


@dataclass(frozen=True)
class HeaderChoice:
    """The header row: its spreadsheet row number and cells, whether it is certainly a
    header (see the module), and how many non-blank rows above it were passed over."""

    row: int
    cells: list[Cell]
    trusted: bool
    skipped: int


def choose_header(
    path: Path, candidates: Sequence[tuple[int, list[Cell]]], recognise: Recognise | None
) -> HeaderChoice | None:
    """The header among the first non-blank rows (``(row number, cells)``, in order);
    None when there are none (an empty sheet).  Raises InputError when the first row
    holds data and no row looks like a header."""
    if not candidates:
        return None
    scored = []
    for position, (number, cells) in enumerate(candidates[:LEADING_ROWS]):
        data = [i for i, cell in enumerate(cells) if looks_like_data(cell)]
        known = 0
        if recognise is not None:
            known = sum(1 for c in cells if isinstance(c, str) and c.strip() and recognise(c))
        scored.append((position, number, cells, known, data))
    headerish = [s for s in scored if s[3] and (not s[4] or s[3] >= max(3, 2 * len(s[4]) + 1))]
    if headerish:
        position, number, cells, known, data = max(headerish, key=lambda s: (s[3], -s[0]))
        return HeaderChoice(number, cells, trusted=not data, skipped=position)
    position, number, cells, _known, data = scored[0]
    if data:
        letters = ", ".join(column_letter(i) for i in data[:5])
        more = " …" if len(data) > 5 else ""
        raise InputError(
            f"{path} has no header row: row {number} holds values such as dates, e-mail "
            f"addresses or phone numbers (columns {letters}{more}) where column names "
            "belong; add a header row (e.g. Vorname, Nachname, Geburtsdatum) and try again"
        )
    return HeaderChoice(number, cells, trusted=False, skipped=0)
