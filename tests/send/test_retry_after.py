"""Retry-After in both forms, with an injected wall clock."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aniva_import.send import DEFAULT_RETRY_AFTER, parse_retry_after

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("1", 1.0),
        (" 120 ", 120.0),
        ("1.5", 1.5),  # not RFC, but harmless to read
        (formatdate(NOW + 30, usegmt=True), 30.0),  # IMF-fixdate
        (formatdate(NOW - 30, usegmt=True), 0.0),  # in the past: go now
        ("Tue, 14 Nov 2023 22:14:20 -0000", 60.0),  # no zone given: UTC
        (formatdate(NOW + 3600, usegmt=True), 3600.0),  # long waits are given back as they are
    ],
)
def test_readable_values(value: str, seconds: float) -> None:
    assert parse_retry_after(value, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "soon", "-1", "1e3", "Mon, 99 Foo 2023", "∞", "٣"])
def test_unreadable_values_give_the_default(value: str) -> None:
    assert parse_retry_after(value, now=NOW) == DEFAULT_RETRY_AFTER
    assert parse_retry_after(value, now=NOW, default=7.0) == 7.0


def test_no_header_is_none() -> None:
    assert parse_retry_after(None, now=NOW) is None


@given(st.integers(min_value=0, max_value=10**7))
def test_seconds_round_trip(seconds: int) -> None:
    assert parse_retry_after(str(seconds), now=NOW) == seconds


@given(st.integers(min_value=-10**6, max_value=10**7))
def test_http_dates_round_trip(offset: int) -> None:
    when = dt.datetime.fromtimestamp(NOW + offset, dt.UTC)
    assert parse_retry_after(format_datetime(when, usegmt=True), now=NOW) == max(0, offset)


@given(st.text(max_size=60))
def test_never_raises_and_never_negative(value: str) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is not None
    assert result >= 0
