"""Every field's normaliser, and a whole column normalised at once.

A cell that a normaliser cannot read may be a spreadsheet error value (``#N/A``):
then the issue says so, whatever the field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from aniva_import.normalize._base import Conventions, Issue, Result, Value, spreadsheet_error
from aniva_import.normalize.dates import normalize_date
from aniva_import.normalize.emails import normalize_email
from aniva_import.normalize.group import normalize_group
from aniva_import.normalize.language import normalize_language
from aniva_import.normalize.names import normalize_name
from aniva_import.normalize.numbers import normalize_height, normalize_weight
from aniva_import.normalize.phones import normalize_phone
from aniva_import.normalize.sex import normalize_sex
from aniva_import.types import Cell

Normalizer = Callable[[Cell, Conventions], Result]

_FIELD_NORMALIZERS: Final[dict[str, Normalizer]] = {
    "first_name": normalize_name,
    "last_name": normalize_name,
    "sex": normalize_sex,
    "date_of_birth": normalize_date,
    "profile_group_slug": normalize_group,
    "email": normalize_email,
    "phone": normalize_phone,
    "height": normalize_height,
    "weight": normalize_weight,
    "language": normalize_language,
}


def _as_spreadsheet_error(issue: Issue, cell: Cell) -> Issue:
    """A cell a normaliser cannot read may be a spreadsheet error value: say so."""
    return spreadsheet_error(cell) or issue


def _reporting_spreadsheet_errors(fn: Normalizer) -> Normalizer:
    def normalise(cell: Cell, conv: Conventions) -> Result:
        result = fn(cell, conv)
        return _as_spreadsheet_error(result, cell) if isinstance(result, Issue) else result

    normalise.__doc__ = fn.__doc__
    return normalise


#: field → normaliser; a cell holding a spreadsheet error value (#N/A) is reported as
#: ``spreadsheet_error`` whatever the field
NORMALIZERS: Final[dict[str, Normalizer]] = {
    field: _reporting_spreadsheet_errors(fn) for field, fn in _FIELD_NORMALIZERS.items()
}

#: fields whose values repeat a lot (first and last names too): memoised per column call
_MEMO_FIELDS: Final = frozenset(
    {"first_name", "last_name", "sex", "date_of_birth", "profile_group_slug", "height",
     "weight", "language"}
)
_MEMO_LIMIT: Final = 100_000


def normalize_column(
    field: str, cells: Sequence[Cell], conv: Conventions
) -> tuple[list[Value | None], list[tuple[int, Issue]]]:
    """Normalise a whole column; the same results as ``NORMALIZERS[field]`` per cell.

    Returns the values (None where the cell is empty *or* has an issue) and the
    issues as ``(position in cells, issue)``.  Every normaliser is a pure function
    of (cell, conv), so values that repeat (dates, sexes, heights, ...) are read
    once per call.
    """
    fn = _FIELD_NORMALIZERS[field]  # the spreadsheet-error check runs on issues only
    values: list[Value | None] = []
    issues: list[tuple[int, Issue]] = []
    append = values.append
    if field in _MEMO_FIELDS:
        memo: dict[Cell, Result] = {}
        for i, cell in enumerate(cells):
            try:
                r = memo[cell]
            except KeyError:
                r = fn(cell, conv)
                if len(memo) < _MEMO_LIMIT:
                    memo[cell] = r
            except TypeError:  # an unhashable cell: not a Cell, but never crash on it
                r = fn(cell, conv)
            if isinstance(r, Issue):
                issues.append((i, _as_spreadsheet_error(r, cell)))
                append(None)
            else:
                append(r)
    else:
        for i, cell in enumerate(cells):
            r = fn(cell, conv)
            if isinstance(r, Issue):
                issues.append((i, _as_spreadsheet_error(r, cell)))
                append(None)
            else:
                append(r)
    return values, issues
