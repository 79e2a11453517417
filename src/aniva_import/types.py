"""Values shared by every stage: cells, statuses, the results file's own columns.

Kept free of heavy imports so ``aniva-import --help`` stays fast.
"""

from __future__ import annotations

import datetime
import enum
from typing import Final, Literal, TypeAlias

#: One cell as the load stage gives it: ``""`` means empty; workbook date cells are
#: ``date`` (or ``datetime`` when they have a time part); everything else is text.
#: (``datetime.datetime`` is a subclass of ``datetime.date``.)
Cell: TypeAlias = str | datetime.date

#: The order of a slash date such as ``03/04/1985``.
DateOrder: TypeAlias = Literal["DMY", "MDY", "YMD"]

#: The languages a file's headers (and so its conventions) can be in.
FileLanguage: TypeAlias = Literal["en", "de", "fi"]

#: The columns a results file has in front of the input's own (the product contract);
#: a results file fed back in is read without them.
RESULT_COLUMNS: Final = ("row", "status", "profile_id", "errors")


class Status(enum.StrEnum):
    """The status of one input row in the results file (see docs/PRODUCT.md)."""

    VALID = "valid"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    CREATED = "created"
    ALREADY_IMPORTED = "already_imported"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NOT_SENT = "not_sent"


#: Statuses that make a finished run exit 1 instead of 0.
PROBLEM_STATUSES: Final = frozenset(
    {Status.INVALID, Status.DUPLICATE, Status.FAILED, Status.UNKNOWN, Status.NOT_SENT}
)


def column_letter(position: int) -> str:
    """Spreadsheet letter of a 0-based column position: 0 → A, 27 → AB."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based position of a spreadsheet column letter: A → 0, AB → 27."""
    position = 0
    for letter in letters:
        position = position * 26 + ord(letter) - 64
    return position - 1
