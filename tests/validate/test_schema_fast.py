"""The text rules judged once per distinct value give exactly pandera's own checks."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aniva_import.rules import API_FIELDS
from aniva_import.validate import ProfileValidator, frame_from_columns

pytestmark = pytest.mark.slow

TODAY = dt.date(2026, 11, 25)
NAMES = {f: f for f in API_FIELDS}
FAST, LIBRARY = ProfileValidator(TODAY, fast=True), ProfileValidator(TODAY, fast=False)

texts = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["Maria", "1234", "Ma\x00ria", "Ma\u200bria", "A" * 256, "", " ", "Jürgen",
                     "acme-clinic-berlin", "Acme Clinic", "a--b", "x@y.de", "x@y", "+4930123",
                     "+1234567890123456", "1985-03-22", "1985-02-30", "1899-12-31", "2026-11-25",
                     "0985-01-01", "de", "sv"]),
)
rows = st.fixed_dictionaries(
    {
        "first_name": texts, "last_name": texts, "profile_group_slug": texts, "email": texts,
        "phone": texts, "date_of_birth": texts, "language": texts,
        "sex": st.sampled_from([None, 1, 2, 0, 9]),
        "height": st.one_of(st.none(), st.floats(0, 400, allow_nan=False)),
        "weight": st.one_of(st.none(), st.floats(0, 500, allow_nan=False)),
    }
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, min_size=1, max_size=12))
def test_fast_rules_find_exactly_what_pandera_finds(records: list[dict[str, object]]) -> None:
    numbers = list(range(2, 2 + len(records)))
    frame = frame_from_columns(numbers, {f: [r[f] for r in records] for f in API_FIELDS})
    assert FAST.problems(frame, NAMES) == LIBRARY.problems(frame, NAMES)
