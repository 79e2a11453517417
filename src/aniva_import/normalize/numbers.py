"""Height (cm) and weight (kg): decimal commas and units.

Only reading happens here: whether the number is plausible is judged by the schema.
A height that is plainly written in metres (``1,77``) cannot be read as centimetres
at all, so it is a reading problem, never a guess.
"""

from __future__ import annotations

import re

from aniva_import.normalize._base import Conventions, Issue
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell

_NUMBER_HINT = "write a plain number such as 177 or 177,5 (no thousands separators)"

NOT_A_NUMBER = Issue(ProblemCode.INVALID_NUMBER, f"This is not a number; {_NUMBER_HINT}.")
MIXED_SEPARATORS = Issue(
    ProblemCode.INVALID_NUMBER,
    f"This number has more than one separator, and thousands separators are never guessed; "
    f"{_NUMBER_HINT}.",
)
WRONG_DECIMAL_POINT = Issue(
    ProblemCode.INVALID_NUMBER,
    "This file uses a decimal comma, but this number has a point, which could be a "
    "thousands separator; write it with a comma, e.g. 177,5.",
)
WRONG_DECIMAL_COMMA = Issue(
    ProblemCode.INVALID_NUMBER,
    "This file uses a decimal point, but this number has a comma, which could be a "
    "thousands separator; write it with a point, e.g. 177.5.",
)
HEIGHT_WRONG_UNIT = Issue(
    ProblemCode.INVALID_NUMBER,
    "Height must be in centimetres; write the number alone or with cm, e.g. 177.",
)
HEIGHT_IN_METRES = Issue(
    ProblemCode.HEIGHT_IN_METRES,
    "This height looks like metres, but the column is in centimetres; "
    "write it in centimetres, e.g. 168 instead of 1,68.",
)
WEIGHT_WRONG_UNIT = Issue(
    ProblemCode.INVALID_NUMBER,
    "Weight must be in kilograms; write the number alone or with kg, e.g. 65.",
)
_NUM_RE = re.compile(r"([+-]?)([0-9]+)(?:([.,])([0-9]+))?\s*([A-Za-z]*)")
_MULTI_SEP_RE = re.compile(
    r"[+-]?[0-9]+(?:[.,' ][0-9]+){2,}\s*[A-Za-z]*|[+-]?[0-9]{1,3}(?: [0-9]{3})+"
)


def _parse(s: str, conv: Conventions, units: tuple[str, ...], wrong_unit: Issue) -> float | Issue:
    m = _NUM_RE.fullmatch(s)
    if m is None:
        if _MULTI_SEP_RE.fullmatch(s):
            return MIXED_SEPARATORS
        return NOT_A_NUMBER
    sign, whole, sep, frac, unit = m.groups()
    if unit and unit.lower() not in units:
        return wrong_unit
    if sep is not None:
        if conv.decimal == "," and sep == ".":
            return WRONG_DECIMAL_POINT
        if conv.decimal == "." and sep == ",":
            return WRONG_DECIMAL_COMMA
        value = float(f"{sign}{whole}.{frac}")
    else:
        value = float(f"{sign}{whole}")
    return value


def _measure(
    cell: Cell, conv: Conventions, units: tuple[str, ...], wrong_unit: Issue
) -> float | Issue | None:
    """A number in one unit from a cell: None when empty, else the number or an Issue."""
    if not isinstance(cell, str):
        return NOT_A_NUMBER
    s = cell.strip()
    if not s:
        return None
    if len(s) > 40:
        return NOT_A_NUMBER
    return _parse(s, conv, units, wrong_unit)


def normalize_height(cell: Cell, conv: Conventions) -> float | Issue | None:
    """Centimetres as a float; a value below 3 is metres, which is not read as cm."""
    v = _measure(cell, conv, ("cm",), HEIGHT_WRONG_UNIT)
    if isinstance(v, float) and 0 < v < 3:
        return HEIGHT_IN_METRES
    return v


def normalize_weight(cell: Cell, conv: Conventions) -> float | Issue | None:
    """Kilograms as a float."""
    return _measure(cell, conv, ("kg",), WEIGHT_WRONG_UNIT)
