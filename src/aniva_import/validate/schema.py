"""The profile rules as one pandera schema: the one place where they are judged.

The schema checks rows in API form (after :mod:`aniva_import.normalize` has read the
cells), lazily, so every problem of every row is reported at once.  Each rule
carries its stable code and the message a clinic admin reads; pandera's failure
cases are turned into :class:`~aniva_import.problems.Problem` values (never their
cell values: those are patient data).  Where a value breaks several rules of its
field, the first rule listed for the field is the one reported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from aniva_import import rules
from aniva_import.problems import Problem, ProblemCode


@dataclass(frozen=True)
class Rule:
    """One check of the schema with the code and message a failure turns into."""

    check: pa.Check
    code: ProblemCode
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

REQUIRED_MESSAGE: Final = "This is required but empty."
GROUP_REQUIRED_MESSAGE: Final = (
    "This row names no profile group: fill in the cell, or pass --group for rows without one."
)
TOO_LONG_TEXT: Final = f"This text is longer than {rules.MAX_TEXT_LENGTH} characters; shorten it."
_LOW_H, _HIGH_H = rules.HEIGHT_CM_RANGE
_LOW_W, _HIGH_W = rules.WEIGHT_KG_RANGE


def _each_distinct(test: Callable[[str], bool]) -> Callable[[pd.Series[str]], pd.Series[bool]]:
    """A check of text values, run once per distinct value: names, dates and groups
    repeat a lot, and a chunk whose values all pass is answered without a per-row step.
    The rule is ``test``; this only decides how often it is asked."""

    def check(values: pd.Series[str]) -> pd.Series[bool]:
        distinct = set(values.to_numpy(dtype=object).tolist())
        bad = [v for v in distinct if isinstance(v, str) and not test(v)]
        if not bad:
            return pd.Series(True, index=values.index)
        return ~values.isin(bad)

    return check


def _text_rule(
    builtin: pa.Check, test: Callable[[str], bool], code: ProblemCode, message: str, fast: bool
) -> Rule:
    """A rule on text: pandera's own check, or (``fast``) the same test per distinct value
    (tests/validate/test_schema_fast.py keeps the two equal)."""
    return Rule(pa.Check(_each_distinct(test)) if fast else builtin, code, message)


def _calendar_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _real_dates(dates: pd.Series[str]) -> pd.Series[bool]:
    return dates.map(_calendar_date, na_action="ignore").fillna(True).astype(bool)


def _length(low: int, high: int) -> Callable[[str], bool]:
    return lambda text: low <= len(text) <= high


def _matches(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: pattern.match(text) is not None


_LETTER: Final = re.compile(r"[^\W\d_]")


def _name_rules(fast: bool) -> list[Rule]:
    limit = rules.MAX_TEXT_LENGTH
    return [
        _text_rule(pa.Check.str_length(1, limit), _length(1, limit), ProblemCode.TOO_LONG,
                   TOO_LONG_TEXT, fast),
        _text_rule(
            # whitespace is already collapsed: what is not printable is a control character
            pa.Check(lambda s: s.map(str.isprintable, na_action="ignore").fillna(True)),
            str.isprintable,
            ProblemCode.INVALID_TEXT,
            "This name contains invisible control characters (e.g. a line break or tab); "
            "retype it as plain text.",
            fast,
        ),
        _text_rule(
            pa.Check.str_contains(_LETTER.pattern),
            lambda text: _LETTER.search(text) is not None,
            ProblemCode.INVALID_TEXT,
            "A name must contain at least one letter; write the name as plain text.",
            fast,
        ),
    ]


def profile_rules(today: dt.date, *, fast: bool = True) -> dict[str, list[Rule]]:
    """Every rule per field, in the order they are reported.  ``today`` makes "in the
    past" testable; ``fast=False`` judges text with pandera's own checks alone."""
    today_iso = today.isoformat()
    limit = rules.MAX_TEXT_LENGTH
    return {
        "first_name": _name_rules(fast),
        "last_name": _name_rules(fast),
        "sex": [
            Rule(
                pa.Check.isin(list(rules.SEXES)),
                ProblemCode.UNSUPPORTED_SEX,
                "Aniva profiles can only record male (1) or female (2); this value is "
                "neither, so the row cannot be sent as it is. Leave the cell empty or use "
                "one of these two.",
            )
        ],
        "date_of_birth": [
            _text_rule(
                pa.Check.str_matches(rules.ISO_DATE_RE.pattern),
                _matches(rules.ISO_DATE_RE),
                ProblemCode.INVALID_DATE,
                "The date of birth is not a valid date.",
                fast,
            ),
            _text_rule(
                pa.Check(_real_dates),
                _calendar_date,
                ProblemCode.INVALID_DATE,
                "The date of birth does not exist in the calendar.",
                fast,
            ),
            Rule(
                pa.Check.ge("1900-01-01"),
                ProblemCode.INVALID_DATE,
                "This date of birth is before 1900, which is not plausible; check the year.",
            ),
            Rule(
                pa.Check.lt(today_iso),
                ProblemCode.DATE_IN_FUTURE,
                "A date of birth must be in the past; this date is today or later. "
                "Check the year.",
            ),
        ],
        "profile_group_slug": [
            _text_rule(pa.Check.str_length(1, limit), _length(1, limit), ProblemCode.TOO_LONG,
                       TOO_LONG_TEXT, fast),
            _text_rule(
                pa.Check.str_matches(rules.GROUP_SLUG_RE.pattern),
                _matches(rules.GROUP_SLUG_RE),
                ProblemCode.INVALID_GROUP,
                "This is not a profile group slug; write it in lower case letters, digits "
                "and single hyphens, e.g. acme-clinic-berlin.",
                fast,
            ),
        ],
        "email": [
            _text_rule(
                pa.Check.str_length(3, rules.MAX_EMAIL_LENGTH),
                _length(3, rules.MAX_EMAIL_LENGTH),
                ProblemCode.TOO_LONG,
                f"This e-mail address is longer than {rules.MAX_EMAIL_LENGTH} characters, "
                "which e-mail does not allow.",
                fast,
            ),
            _text_rule(
                pa.Check.str_matches(rules.EMAIL_RE.pattern),
                _matches(rules.EMAIL_RE),
                ProblemCode.INVALID_EMAIL,
                "This is not a valid e-mail address; write one address like name@example.com.",
                fast,
            ),
        ],
        "phone": [
            _text_rule(
                pa.Check.str_matches(rules.E164_RE.pattern),
                _matches(rules.E164_RE),
                ProblemCode.INVALID_PHONE,
                "This phone number is too long for the international form the API takes "
                "(E.164: at most 15 digits after the +); check the number.",
                fast,
            )
        ],
        "height": [
            Rule(
                pa.Check.in_range(_LOW_H, _HIGH_H),
                ProblemCode.IMPLAUSIBLE_HEIGHT,
                f"This height is not plausible; it must be in centimetres between "
                f"{_LOW_H:g} and {_HIGH_H:g}.",
            )
        ],
        "weight": [
            Rule(
                pa.Check.in_range(_LOW_W, _HIGH_W),
                ProblemCode.IMPLAUSIBLE_WEIGHT,
                f"This weight is not plausible; it must be in kilograms between "
                f"{_LOW_W:g} and {_HIGH_W:g}.",
            )
        ],
        "language": [
            Rule(
                pa.Check.isin(list(rules.LANGUAGES)),
                ProblemCode.UNSUPPORTED_LANGUAGE,
                "Aniva supports only English, German and Finnish; write en, de or fi "
                "(or English, Deutsch, suomi), or leave the cell empty for English.",
            )
        ],
    }


def profile_schema(today: dt.date, *, fast: bool = True) -> pa.DataFrameSchema:
    """The pandera schema of one profile per row, in API form."""
    per_field = profile_rules(today, fast=fast)
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

    def __init__(self, today: dt.date, *, fast: bool = True) -> None:
        self.today = today
        self.schema = profile_schema(today, fast=fast)
        self._rules = profile_rules(today, fast=fast)

    def problems(
        self,
        frame: pd.DataFrame,
        column_names: Mapping[str, str],
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
        first: dict[tuple[int, str], tuple[int, Problem]] = {}
        for column, check, number, index in zip(
            cases["column"], cases["check"], cases["check_number"], cases["index"], strict=True
        ):
            if index is None or (isinstance(index, float) and np.isnan(index)):
                raise RuntimeError(f"schema failure without a row: {column} {check}")
            row, field = int(index), str(column)
            if (row, field) in known:
                continue
            if check == "not_nullable":
                order, code = -1, ProblemCode.REQUIRED
                message = (
                    GROUP_REQUIRED_MESSAGE if field == "profile_group_slug" else REQUIRED_MESSAGE
                )
            elif number is not None and not pd.isna(number):
                order = int(number)
                rule = self._rules[field][order]
                code, message = rule.code, rule.message
            else:  # a dtype failure: a bug in normalisation, never a user's fault
                raise RuntimeError(f"schema failure {check!r} on field {field}")
            seen = first.get((row, field))
            if seen is None or order < seen[0]:
                first[(row, field)] = (order, Problem(row, column_names[field], code, message,
                                                      field))
        found = [problem for _, problem in first.values()]
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
        data[name] = pd.Series(list(column), index=index, dtype=FIELD_DTYPES[name])
    return pd.DataFrame(data, index=index)
