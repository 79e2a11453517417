"""The shared rules: what a profile id is (the API documents a UUID string)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aniva_import.rules import profile_id_of


@given(st.uuids(), st.booleans())
def test_every_uuid_is_a_profile_id_in_lower_case(value: uuid.UUID, upper: bool) -> None:
    text = str(value).upper() if upper else str(value)
    assert profile_id_of(text) == str(value)


@given(st.text())
def test_a_profile_id_is_always_a_canonical_uuid(text: str) -> None:
    found = profile_id_of(text)
    assert found is None or found == str(uuid.UUID(found))


@pytest.mark.parametrize("text", [
    "", "   ", "prof-42", '=HYPERLINK("http://evil")', "17",
    "a3f1c2d48b7e4f2a9c1d2e3f4a5b6c7d", "{a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d}",
    "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d x",
    "ａ3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d",  # a full-width letter
    "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7\u0661",  # an Arabic-Indic digit
])
def test_anything_else_is_not_a_profile_id(text: str) -> None:
    assert profile_id_of(text) is None
