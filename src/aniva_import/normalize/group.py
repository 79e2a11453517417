"""The profile group a row names: trimmed and lower-cased.

Whether it is a valid slug is judged by the schema.
"""

from __future__ import annotations

from aniva_import.normalize._base import Conventions, Issue, spreadsheet_error
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell

GROUP_IS_DATE = Issue(
    ProblemCode.INVALID_GROUP,
    "This cell holds a date, but a profile group slug such as acme-clinic-berlin is "
    "expected here.",
)


def normalize_group(cell: Cell, conv: Conventions) -> str | Issue | None:
    """A profile group slug as it will be sent: trimmed, lower-cased."""
    if not isinstance(cell, str):
        return GROUP_IS_DATE
    s = cell.strip()
    if not s:
        return None
    return spreadsheet_error(s) or s.lower()
