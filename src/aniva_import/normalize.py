"""Normalise one field: a raw cell -> the value the API takes, or an Issue.

No I/O.  Cells are text ("" = empty) or real date cells.  Empty or
whitespace-only cells give None (missing; the caller's schema decides whether
the field is required).  Nothing is guessed and nothing changes meaning: a
value that cannot be read for sure, or that the API cannot take, is an Issue
whose message explains what is wrong without repeating the value.

This module is the facade; dates, numbers, e-mails and phones live in private
modules next to it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Final

from . import rules
from ._dates import DateOrderInference, infer_date_order, normalize_date
from ._emails import normalize_email
from ._normalize_base import Cell, Conventions, Issue, Result, Value, spreadsheet_error
from ._numbers import normalize_height, normalize_weight
from ._phones import normalize_phone

__all__ = [
    "NORMALIZERS",
    "Cell",
    "Conventions",
    "DateOrderInference",
    "Issue",
    "Result",
    "Value",
    "infer_date_order",
    "normalize_column",
    "normalize_date",
    "normalize_email",
    "normalize_group",
    "normalize_height",
    "normalize_language",
    "normalize_name",
    "normalize_phone",
    "normalize_sex",
    "normalize_weight",
]

# ---------------------------------------------------------------- names

TOO_LONG_TEXT = Issue(
    "too_long", f"This text is longer than {rules.MAX_TEXT_LENGTH} characters; shorten it."
)
NAME_IS_DATE = Issue("invalid_text", "This cell holds a date, but a name is expected here.")
NAME_CONTROL = Issue(
    "invalid_text",
    "This name contains invisible control characters (e.g. a line break or tab); "
    "retype it as plain text.",
)
NAME_NO_LETTER = Issue(
    "invalid_text", "A name must contain at least one letter; write the name as plain text."
)


def normalize_name(cell: Cell, conv: Conventions) -> str | Issue | None:
    """Trimmed, inner whitespace collapsed to single spaces."""
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
        if "  " in s:
            s = " ".join(s.split())
        if len(s) > rules.MAX_TEXT_LENGTH:
            return TOO_LONG_TEXT
        if not any(c.isalpha() for c in s):
            return NAME_NO_LETTER
        return s
    s = " ".join(cell.split())
    if not s:
        return None
    error = spreadsheet_error(s)
    if error is not None:
        return error
    s = unicodedata.normalize("NFC", s)
    if len(s) > rules.MAX_TEXT_LENGTH:
        return TOO_LONG_TEXT
    if any(unicodedata.category(c)[0] == "C" for c in s):
        return NAME_CONTROL
    if not any(c.isalpha() for c in s):
        return NAME_NO_LETTER
    return s


# ---------------------------------------------------------------- sex

_SEX_HINT = "write 1 or 2, m or f (w), male or female, männlich or weiblich, or mies or nainen"
INVALID_SEX = Issue("invalid_sex", f"This value is not a sex that can be read; {_SEX_HINT}.")
SEX_N_NOT_FINNISH = Issue(
    "invalid_sex",
    "A single letter for nainen (female) is only read in files with Finnish headers, "
    f"and this file's headers are not Finnish; {_SEX_HINT}.",
)
UNSUPPORTED_SEX = Issue(
    "unsupported_sex",
    "Aniva profiles can only record male (1) or female (2); this value is neither, "
    "so the row cannot be sent as it is. Leave the cell empty or use one of these two.",
)
_MALE: Final = frozenset({"1", "1.0", "m", "male", "man", "männlich", "maennlich", "mies"})
_FEMALE: Final = frozenset(
    {"2", "2.0", "f", "female", "woman", "w", "weiblich", "frau", "nainen"}
)
_OTHER_SEX: Final = frozenset(
    {
        "0", "3", "9", "d", "x", "o", "u", "divers", "diverse", "other", "others",
        "unknown", "non-binary", "nonbinary", "intersex", "inter", "andere", "anderes",
        "unbekannt", "keine angabe", "k.a.", "unspecified", "not known", "n/a", "muu",
        "tuntematon", "ei tiedossa",
    }
)  # fmt: skip


def normalize_sex(cell: Cell, conv: Conventions) -> int | Issue | None:
    """1 = male, 2 = female."""
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
    if key in _OTHER_SEX:
        return UNSUPPORTED_SEX
    return INVALID_SEX


# ---------------------------------------------------------------- language

UNSUPPORTED_LANGUAGE = Issue(
    "unsupported_language",
    "Aniva supports only English, German and Finnish; write en, de or fi "
    "(or English, Deutsch, suomi), or leave the cell empty for English.",
)
_LANGUAGE_NAMES: Final = {
    "en": "en", "eng": "en", "english": "en", "englisch": "en", "englanti": "en",
    "englanniksi": "en",
    "de": "de", "deu": "de", "ger": "de", "german": "de", "deutsch": "de", "saksa": "de",
    "saksaksi": "de",
    "fi": "fi", "fin": "fi", "finnish": "fi", "finnisch": "fi", "suomi": "fi",
    "suomeksi": "fi", "finska": "fi",
}  # fmt: skip


def normalize_language(cell: Cell, conv: Conventions) -> str | Issue | None:
    """en, de or fi; empty -> None (the API defaults to en)."""
    if not isinstance(cell, str):
        return UNSUPPORTED_LANGUAGE
    s = cell.strip()
    if not s:
        return None
    key = s.casefold()
    hit = _LANGUAGE_NAMES.get(key)
    if hit is not None:
        return hit
    # locale tags: en-GB, de_DE, fi-FI, de-AT ...
    if len(key) in (5, 6) and key[2] in "-_" and key[3:].isascii() and key[3:].isalpha():
        hit = _LANGUAGE_NAMES.get(key[:2])
        if hit is not None:
            return hit
    return UNSUPPORTED_LANGUAGE


# ---------------------------------------------------------------- group

INVALID_GROUP = Issue(
    "invalid_group",
    "This is not a profile group slug; write it in lower case letters, digits and "
    "single hyphens, e.g. acme-clinic-berlin.",
)


def normalize_group(cell: Cell, conv: Conventions) -> str | Issue | None:
    """A profile group slug: trimmed, lower-cased, checked against rules.GROUP_SLUG_RE."""
    if not isinstance(cell, str):
        return INVALID_GROUP
    s = cell.strip()
    if not s:
        return None
    if len(s) > rules.MAX_TEXT_LENGTH:
        return TOO_LONG_TEXT
    s = s.lower()
    if not s.isascii() or not rules.GROUP_SLUG_RE.match(s):
        return INVALID_GROUP
    return s


# ---------------------------------------------------------------- table

_FIELD_NORMALIZERS: Final[dict[str, Callable[[Cell, Conventions], Result]]] = {
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


def _reporting_spreadsheet_errors(
    fn: Callable[[Cell, Conventions], Result],
) -> Callable[[Cell, Conventions], Result]:
    def normalise(cell: Cell, conv: Conventions) -> Result:
        result = fn(cell, conv)
        return _as_spreadsheet_error(result, cell) if isinstance(result, Issue) else result

    normalise.__doc__ = fn.__doc__
    return normalise


#: field → normaliser; a cell holding a spreadsheet error value (#N/A) is reported as
#: ``spreadsheet_error`` whatever the field
NORMALIZERS: Final[dict[str, Callable[[Cell, Conventions], Result]]] = {
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
    issues as ``(position in cells, issue)``.  Every normaliser is a pure
    function of (cell, conv), so values that repeat (dates, sexes, heights, ...)
    are computed once per call; e-mails and phones take their fast paths.
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
