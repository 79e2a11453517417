"""The profile rules as one pandera schema, and duplicate detection.

The schema checks rows in API form (after :mod:`aniva_import.normalize`), lazily,
so every problem of every row is reported at once.  Each check carries a stable
code and a message a clinic admin understands; pandera's failure cases are
turned into :class:`~aniva_import.types.Problem` values (never their cell values:
those are patient data).

Duplicates: rows that would create the same patient — same first and last name
(ignoring case and spacing), date of birth and group — are ``duplicate`` of the
first such row.  Fingerprints are 64-bit hashes kept in a sorted NumPy array,
so memory stays small (16 bytes a row) however long the file is.  A hash
collision (about one in 30 million for a million-row file) could only ever
hold a row back as a duplicate, never send anything twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from aniva_import import rules
from aniva_import.types import Problem


@dataclass(frozen=True)
class Rule:
    """One check of the schema with the code and message a failure turns into."""

    check: pa.Check
    code: str
    message: str


#: Nullable pandas dtypes of the API fields (values in API form).
FIELD_DTYPES: Final = {
    "first_name": "str",
    "last_name": "str",
    "sex": "Int64",
    "date_of_birth": "str",
    "profile_group_slug": "str",
    "email": "str",
    "phone": "str",
    "height": "Float64",
    "weight": "Float64",
    "language": "str",
}

def _text_rules(label: str) -> list[Rule]:
    return [
        Rule(
            pa.Check.str_length(1, rules.MAX_TEXT_LENGTH),
            "too_long",
            f"The {label} must be 1 to {rules.MAX_TEXT_LENGTH} characters long.",
        ),
        Rule(
            pa.Check(lambda s: ~s.str.contains(rules.CONTROL_CHARS_RE.pattern, regex=True)),
            "invalid_text",
            f"The {label} contains control characters (such as a line break); remove them.",
        ),
    ]


def _real_dates(dates: pd.Series[str]) -> pd.Series[bool]:
    parsed = pd.Series(pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce"), index=dates.index)
    return parsed.notna()


def profile_rules(today: dt.date) -> dict[str, list[Rule]]:
    """Every rule per field.  ``today`` makes "in the past" testable."""
    today_iso = today.isoformat()
    low_h, high_h = rules.HEIGHT_CM_RANGE
    low_w, high_w = rules.WEIGHT_KG_RANGE
    return {
        "first_name": _text_rules("first name"),
        "last_name": _text_rules("last name"),
        "sex": [
            Rule(
                pa.Check.isin(list(rules.SEXES)),
                "unsupported_sex",
                "The API accepts only male (1) or female (2).",
            )
        ],
        "date_of_birth": [
            Rule(
                pa.Check.str_matches(rules.ISO_DATE_RE.pattern),
                "invalid_date",
                "The date of birth is not a valid date.",
            ),
            Rule(
                pa.Check(_real_dates),
                "invalid_date",
                "The date of birth does not exist in the calendar.",
            ),
            Rule(
                pa.Check(lambda s: s < today_iso),
                "date_in_future",
                "The date of birth must be in the past.",
            ),
        ],
        "profile_group_slug": [
            Rule(
                pa.Check.str_matches(rules.GROUP_SLUG_RE.pattern),
                "invalid_group",
                "A profile group is written in lower case letters, digits and dashes, "
                "e.g. acme-clinic-berlin.",
            ),
            Rule(
                pa.Check.str_length(1, rules.MAX_TEXT_LENGTH),
                "too_long",
                f"The profile group must be at most {rules.MAX_TEXT_LENGTH} characters long.",
            ),
        ],
        "email": [
            Rule(
                pa.Check.str_matches(rules.EMAIL_RE.pattern),
                "invalid_email",
                "This is not a valid e-mail address (it should look like name@example.com).",
            ),
            Rule(
                pa.Check.str_length(3, rules.MAX_EMAIL_LENGTH),
                "too_long",
                f"An e-mail address is at most {rules.MAX_EMAIL_LENGTH} characters long.",
            ),
        ],
        "phone": [
            Rule(
                pa.Check.str_matches(rules.E164_RE.pattern),
                "invalid_phone",
                "The phone number must be in international form, e.g. +49 30 1234567.",
            )
        ],
        "height": [
            Rule(
                pa.Check.in_range(low_h, high_h),
                "implausible_height",
                f"The height must be in centimetres, between {low_h:g} and {high_h:g}.",
            )
        ],
        "weight": [
            Rule(
                pa.Check.in_range(low_w, high_w),
                "implausible_weight",
                f"The weight must be in kilograms, between {low_w:g} and {high_w:g}.",
            )
        ],
        "language": [
            Rule(
                pa.Check.isin(list(rules.LANGUAGES)),
                "unsupported_language",
                "The API accepts only English (en), German (de) or Finnish (fi).",
            )
        ],
    }


REQUIRED_MESSAGE: Final = "This is required but empty."
GROUP_REQUIRED_MESSAGE: Final = (
    "This row names no profile group: fill in the cell, or pass --group for rows without one."
)


def profile_schema(today: dt.date) -> pa.DataFrameSchema:
    """The pandera schema of one profile per row, in API form."""
    per_field = profile_rules(today)
    return pa.DataFrameSchema(
        {
            name: pa.Column(
                FIELD_DTYPES[name],
                checks=[rule.check for rule in per_field[name]],
                nullable=name not in rules.REQUIRED_FIELDS,
            )
            for name in rules.API_FIELDS
        },
        strict=True,
        ordered=False,
        coerce=False,
    )


class ProfileValidator:
    """Validates frames of normalised rows; build once per run (the schema is reused)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.schema = profile_schema(today)
        self._rules = profile_rules(today)

    def problems(
        self,
        frame: pd.DataFrame,
        column_names: dict[str, str],
        *,
        known: set[tuple[int, str]] = frozenset(),  # type: ignore[assignment]
    ) -> list[Problem]:
        """Every rule failure of every row.  ``frame`` is indexed by row number;
        ``known`` holds (row, field) pairs already reported by normalisation."""
        try:
            self.schema.validate(frame, lazy=True)
        except SchemaErrors as errors:
            cases = errors.failure_cases
        else:
            return []
        found: list[Problem] = []
        seen: set[tuple[int, str]] = set()
        for column, check, number, index in zip(
            cases["column"], cases["check"], cases["check_number"], cases["index"], strict=True
        ):
            if index is None or (isinstance(index, float) and np.isnan(index)):
                raise RuntimeError(f"schema failure without a row: {column} {check}")
            row = int(index)
            field = str(column)
            if (row, field) in known or (row, field) in seen:
                continue
            seen.add((row, field))
            if check == "not_nullable":
                code = "required"
                message = GROUP_REQUIRED_MESSAGE if field == "profile_group_slug" else (
                    REQUIRED_MESSAGE
                )
            elif number is not None and not pd.isna(number):
                rule = self._rules[field][int(number)]
                code, message = rule.code, rule.message
            else:  # a dtype failure: a bug in normalisation, never a user's fault
                raise RuntimeError(f"schema failure {check!r} on field {field}")
            found.append(Problem(row, column_names[field], code, message, field))
        found.sort(key=lambda p: (p.row, rules.API_FIELDS.index(p.field or "")))
        return found


def frame_from_columns(
    rows: Sequence[int], values: Mapping[str, Sequence[object]]
) -> pd.DataFrame:
    """A frame of API-form values with the schema's dtypes, indexed by row number."""
    index = pd.Index(np.asarray(rows, dtype=np.int64), name="row")
    data: dict[str, object] = {}
    for name in rules.API_FIELDS:
        column = values.get(name)
        if column is None:
            column = [None] * len(rows)
        dtype = FIELD_DTYPES[name]
        data[name] = pd.Series(list(column), index=index, dtype=dtype)
    return pd.DataFrame(data, index=index)


# --- duplicates -------------------------------------------------------------------------


def fingerprints(frame: pd.DataFrame) -> npt.NDArray[np.uint64]:
    """64-bit fingerprints of (names, date of birth, group) for every row of ``frame``.

    Names arrive normalised (trimmed, inner spaces collapsed), so case is the only
    difference left to ignore.  Hashing is pandas' vectorised SipHash with its fixed
    key: the same row gives the same fingerprint in every process.
    """
    if frame.empty:
        return np.empty(0, dtype=np.uint64)
    sep = "\x1f"
    key = (
        frame["first_name"].fillna("").str.casefold()
        + sep
        + frame["last_name"].fillna("").str.casefold()
        + sep
        + frame["date_of_birth"].fillna("")
        + sep
        + frame["profile_group_slug"].fillna("").str.casefold()
    )
    hashed = pd.util.hash_pandas_object(key, index=False)
    return np.asarray(hashed, dtype=np.uint64)


class DuplicateFinder:
    """Remembers the first row of every patient seen so far in one file."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._rows = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._keys)

    def check(
        self, rows: Iterable[int], keys: npt.NDArray[np.uint64]
    ) -> dict[int, int]:
        """Record ``rows`` (in file order) and return {duplicate row: first row}."""
        row_array = np.fromiter(rows, dtype=np.int64, count=len(keys))
        duplicates: dict[int, int] = {}
        if len(self._keys):
            at = np.searchsorted(self._keys, keys)
            at_clipped = np.minimum(at, len(self._keys) - 1)
            hit = self._keys[at_clipped] == keys
            for i in np.flatnonzero(hit):
                duplicates[int(row_array[i])] = int(self._rows[at_clipped[i]])
        fresh = np.ones(len(keys), dtype=bool)
        if duplicates:
            fresh &= ~np.isin(row_array, np.fromiter(duplicates, dtype=np.int64))
        # duplicates inside this batch: keep the first occurrence
        batch_keys = keys[fresh]
        batch_rows = row_array[fresh]
        order = np.argsort(batch_keys, kind="stable")
        sorted_keys = batch_keys[order]
        same = np.zeros(len(sorted_keys), dtype=bool)
        same[1:] = sorted_keys[1:] == sorted_keys[:-1]
        if same.any():
            first_of_run = np.maximum.accumulate(np.where(~same, np.arange(len(same)), 0))
            for i in np.flatnonzero(same):
                duplicates[int(batch_rows[order[i]])] = int(batch_rows[order[first_of_run[i]]])
        keep_keys = sorted_keys[~same]
        keep_rows = batch_rows[order][~same]
        merged_keys = np.concatenate([self._keys, keep_keys])
        merged_rows = np.concatenate([self._rows, keep_rows])
        order_all = np.argsort(merged_keys, kind="stable")
        self._keys = merged_keys[order_all]
        self._rows = merged_rows[order_all]
        return duplicates
