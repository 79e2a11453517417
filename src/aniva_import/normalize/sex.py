"""Sex: 1 = male, 2 = female, as the API takes it; other values read as what they are.

A value that says another sex (``d``, ``divers``, ``x``) or that the sex is not known
is read as its ISO/IEC 5218 code (9 = not applicable, 0 = not known), so that the
schema — not this reader — refuses it as a sex the API cannot take.
"""

from __future__ import annotations

from typing import Final

from aniva_import.normalize._base import Conventions, Issue
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell

#: ISO/IEC 5218 codes besides 1 and 2
NOT_KNOWN: Final = 0
NOT_APPLICABLE: Final = 9

_SEX_HINT = "write 1 or 2, m or f (w), male or female, männlich or weiblich, or mies or nainen"
INVALID_SEX = Issue(
    ProblemCode.INVALID_SEX, f"This value is not a sex that can be read; {_SEX_HINT}."
)
SEX_N_NOT_FINNISH = Issue(
    ProblemCode.INVALID_SEX,
    "A single letter for nainen (female) is only read in files with Finnish headers, "
    f"and this file's headers are not Finnish; {_SEX_HINT}.",
)
_MALE: Final = frozenset({"1", "1.0", "m", "male", "man", "männlich", "maennlich", "mies"})
_FEMALE: Final = frozenset(
    {"2", "2.0", "f", "female", "woman", "w", "weiblich", "frau", "nainen"}
)
_OTHER: Final = frozenset(
    {
        "3", "d", "x", "o", "divers", "diverse", "other", "others", "non-binary",
        "nonbinary", "intersex", "inter", "andere", "anderes", "muu",
    }
)  # fmt: skip
_UNKNOWN: Final = frozenset(
    {
        "0", "9", "u", "unknown", "unbekannt", "keine angabe", "k.a.", "unspecified",
        "not known", "n/a", "tuntematon", "ei tiedossa",
    }
)  # fmt: skip


def normalize_sex(cell: Cell, conv: Conventions) -> int | Issue | None:
    """1 = male, 2 = female; 9 another sex, 0 not known (the schema refuses both)."""
    if not isinstance(cell, str):
        return INVALID_SEX
    s = cell.strip()
    if not s:
        return None
    key = " ".join(s.casefold().split())
    if key in _MALE:
        return 1
    if key in _FEMALE:
        return 2
    if key == "n":
        return 2 if conv.file_language == "fi" else SEX_N_NOT_FINNISH
    if key in _OTHER:
        return NOT_APPLICABLE
    if key in _UNKNOWN:
        return NOT_KNOWN if key != "9" else NOT_APPLICABLE
    return INVALID_SEX
