"""Height (cm) and weight (kg): decimal commas, units, plausibility."""

from __future__ import annotations

import re

from . import rules
from ._normalize_base import Cell, Conventions, Issue

_NUMBER_HINT = "write a plain number such as 177 or 177,5 (no thousands separators)"

NOT_A_NUMBER = Issue("invalid_number", f"This is not a number; {_NUMBER_HINT}.")
MIXED_SEPARATORS = Issue(
    "invalid_number",
    f"This number has more than one separator, and thousands separators are never guessed; "
    f"{_NUMBER_HINT}.",
)
WRONG_DECIMAL_POINT = Issue(
    "invalid_number",
    "This file uses a decimal comma, but this number has a point, which could be a "
    "thousands separator; write it with a comma, e.g. 177,5.",
)
WRONG_DECIMAL_COMMA = Issue(
    "invalid_number",
    "This file uses a decimal point, but this number has a comma, which could be a "
    "thousands separator; write it with a point, e.g. 177.5.",
)
HEIGHT_WRONG_UNIT = Issue(
    "invalid_number", "Height must be in centimetres; write the number alone or with cm, e.g. 177."
)
WEIGHT_WRONG_UNIT = Issue(
    "invalid_number", "Weight must be in kilograms; write the number alone or with kg, e.g. 65."
)
HEIGHT_IN_METRES = Issue(
    "height_in_metres",
    "This height looks like metres, but the column is in centimetres; "
    "write it in centimetres, e.g. 168 instead of 1,68.",
)
_LO_H, _HI_H = rules.HEIGHT_CM_RANGE
_LO_W, _HI_W = rules.WEIGHT_KG_RANGE
IMPLAUSIBLE_HEIGHT = Issue(
    "implausible_height",
    f"This height is not plausible; it must be in centimetres between {_LO_H:g} and {_HI_H:g}.",
)
IMPLAUSIBLE_WEIGHT = Issue(
    "implausible_weight",
    f"This weight is not plausible; it must be in kilograms between {_LO_W:g} and {_HI_W:g}.",
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
    """Centimetres as a float; a value below 3 that looks like metres is refused."""
    v = _measure(cell, conv, ("cm",), HEIGHT_WRONG_UNIT)
    if v is None or isinstance(v, Issue):
        return v
    if 0 < v < 3:
        return HEIGHT_IN_METRES
    if not _LO_H <= v <= _HI_H:
        return IMPLAUSIBLE_HEIGHT
    return v


def normalize_weight(cell: Cell, conv: Conventions) -> float | Issue | None:
    """Kilograms as a float; 0 and values outside the plausible range are refused."""
    v = _measure(cell, conv, ("kg",), WEIGHT_WRONG_UNIT)
    if v is None or isinstance(v, Issue):
        return v
    if not _LO_W <= v <= _HI_W:
        return IMPLAUSIBLE_WEIGHT
    return v
