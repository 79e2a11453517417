"""First and last names: trimmed, inner whitespace collapsed, Unicode NFC.

Only reading happens here; whether a name may be sent (its length, control
characters, at least one letter) is judged by the schema (``validate``).
"""

from __future__ import annotations

import unicodedata

from aniva_import.normalize._base import Conventions, Issue, spreadsheet_error
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell

NAME_IS_DATE = Issue(
    ProblemCode.INVALID_TEXT, "This cell holds a date, but a name is expected here."
)


def normalize_name(cell: Cell, conv: Conventions) -> str | Issue | None:
    """The name as it will be sent: trimmed, inner whitespace collapsed to one space."""
    if not isinstance(cell, str):
        return NAME_IS_DATE
    if cell.isascii() and cell.isprintable():
        s = cell.strip()
        if not s:
            return None
        if s[0] == "#" or (s[0] in "Ee" and s[1:4] == "rr:"):  # a name never is #N/A
            error = spreadsheet_error(s)
            if error is not None:
                return error
        return " ".join(s.split()) if "  " in s else s
    s = " ".join(cell.split())
    if not s:
        return None
    error = spreadsheet_error(s)
    if error is not None:
        return error
    return unicodedata.normalize("NFC", s)
