"""The pandera profile schema and duplicate detection."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aniva_import.rules import API_FIELDS
from aniva_import.validate import (
    DuplicateFinder,
    ProfileValidator,
    fingerprints,
    frame_from_columns,
)

TODAY = dt.date(2026, 11, 25)
NAMES = {f: f"Column {f}" for f in API_FIELDS}


def good(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "first_name": "Maria",
        "last_name": "Schmidt",
        "sex": 2,
        "date_of_birth": "1985-03-22",
        "profile_group_slug": "acme-clinic-berlin",
        "email": "maria.schmidt@example.com",
        "phone": "+4930123456789",
        "height": 168.0,
        "weight": 65.0,
        "language": "de",
    }
    row.update(changes)
    return row


def problems_of(*records: dict[str, object], start: int = 2) -> list[tuple[int, str, str]]:
    rows = list(range(start, start + len(records)))
    frame = frame_from_columns(rows, {f: [r.get(f) for r in records] for f in API_FIELDS})
    found = ProfileValidator(TODAY).problems(frame, NAMES)
    return [(p.row, p.field or "", p.code) for p in found]


def test_a_good_row_has_no_problems() -> None:
    assert problems_of(good()) == []


def test_optional_fields_may_be_missing() -> None:
    optional = {f: None for f in API_FIELDS if f not in ("first_name", "last_name",
                                                         "profile_group_slug")}
    assert problems_of(good(**optional)) == []


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"first_name": None}, "first_name", "required"),
        ({"last_name": None}, "last_name", "required"),
        ({"profile_group_slug": None}, "profile_group_slug", "required"),
        ({"first_name": "x" * 256}, "first_name", "too_long"),
        ({"last_name": "Sch\nmidt"}, "last_name", "invalid_text"),
        ({"sex": 3}, "sex", "unsupported_sex"),
        ({"date_of_birth": "1985-3-22"}, "date_of_birth", "invalid_date"),
        ({"date_of_birth": "1985-02-30"}, "date_of_birth", "invalid_date"),
        ({"date_of_birth": TODAY.isoformat()}, "date_of_birth", "date_in_future"),
        ({"date_of_birth": "2030-01-01"}, "date_of_birth", "date_in_future"),
        ({"profile_group_slug": "Acme Clinic"}, "profile_group_slug", "invalid_group"),
        ({"email": "maria"}, "email", "invalid_email"),
        ({"phone": "030123456"}, "phone", "invalid_phone"),
        ({"height": 1.77}, "height", "implausible_height"),
        ({"weight": 0.0}, "weight", "implausible_weight"),
        ({"language": "sv"}, "language", "unsupported_language"),
    ],
)
def test_each_rule_reports_its_code(change: dict[str, object], field: str, code: str) -> None:
    assert problems_of(good(**change)) == [(2, field, code)]


def test_every_problem_of_every_row_is_reported_at_once() -> None:
    found = problems_of(
        good(sex=5, language="xx"), good(), good(first_name=None, height=999.0), start=10
    )
    assert found == [
        (10, "sex", "unsupported_sex"),
        (10, "language", "unsupported_language"),
        (12, "first_name", "required"),
        (12, "height", "implausible_height"),
    ]


def test_problems_known_from_normalisation_are_not_repeated() -> None:
    frame = frame_from_columns([2], {f: [good(first_name=None)[f]] for f in API_FIELDS})
    found = ProfileValidator(TODAY).problems(frame, NAMES, known={(2, "first_name")})
    assert found == []


def test_problems_use_the_users_column_name_and_never_the_value() -> None:
    frame = frame_from_columns([7], {f: [good(email="secret-value")[f]] for f in API_FIELDS})
    (problem,) = ProfileValidator(TODAY).problems(frame, {**NAMES, "email": "E-Mail-Adresse"})
    assert problem.column == "E-Mail-Adresse"
    assert problem.row == 7
    assert "secret-value" not in problem.message
    assert problem.render().startswith("E-Mail-Adresse: ")


def test_fingerprints_ignore_case_but_not_the_date() -> None:
    frame = frame_from_columns(
        [2, 3, 4],
        {
            **{f: [None] * 3 for f in API_FIELDS},
            "first_name": ["Maria", "MARIA", "Maria"],
            "last_name": ["Schmidt", "SCHMIDT", "Schmidt"],
            "date_of_birth": ["1985-03-22", "1985-03-22", "1985-03-23"],
            "profile_group_slug": ["g", "g", "g"],
        },
    )
    keys = fingerprints(frame)
    assert keys[0] == keys[1]
    assert keys[0] != keys[2]


def test_duplicates_point_at_the_first_row_across_batches() -> None:
    finder = DuplicateFinder()
    k = np.array([11, 22, 11, 33], dtype=np.uint64)
    assert finder.check([2, 3, 4, 5], k) == {4: 2}
    assert finder.check([6, 7, 8], np.array([33, 44, 22], dtype=np.uint64)) == {6: 5, 8: 3}
    assert finder.check([9, 10], np.array([44, 44], dtype=np.uint64)) == {9: 7, 10: 7}
    assert len(finder) == 4


@given(st.lists(st.integers(0, 20), max_size=60), st.integers(1, 7))
def test_duplicate_finder_matches_a_plain_dictionary(keys: list[int], batch: int) -> None:
    finder = DuplicateFinder()
    expected: dict[int, int] = {}
    first: dict[int, int] = {}
    found: dict[int, int] = {}
    rows = list(range(2, 2 + len(keys)))
    for row, key in zip(rows, keys, strict=True):
        if key in first:
            expected[row] = first[key]
        else:
            first[key] = row
    for at in range(0, len(keys), batch):
        part = keys[at : at + batch]
        found.update(finder.check(rows[at : at + batch], np.array(part, dtype=np.uint64)))
    assert found == expected
