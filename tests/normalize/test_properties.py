"""Properties of the normalisers (hypothesis): never crash, only API values,
fast paths identical to the libraries, columns identical to cells."""

from __future__ import annotations

import datetime as dt
import types

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aniva_import import normalize, rules
from aniva_import.normalize import (
    NORMALIZERS,
    Conventions,
    Issue,
    _base,
    _phones_fast,
    dates,
    emails,
    infer_date_order,
    normalize_column,
    normalize_date,
    phones,
)
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell
from aniva_import.validate import ProfileValidator, frame_from_columns, profile_rules, schema

TODAY = dt.date(2026, 1, 15)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _constant_messages() -> frozenset[str]:
    found: set[str] = set()
    for mod in vars(normalize).values():
        if isinstance(mod, types.ModuleType) and mod.__name__.startswith("aniva_import."):
            found.update(v.message for v in vars(mod).values() if isinstance(v, Issue))
    for module in (_base, _phones_fast, dates, emails, phones):
        found.update(v.message for v in vars(module).values() if isinstance(v, Issue))
    found.update(issue.message for issue in _base.SPREADSHEET_ERRORS.values())
    for field_rules in profile_rules(TODAY).values():
        found.update(rule.message for rule in field_rules)
    found.update((schema.REQUIRED_MESSAGE, schema.GROUP_REQUIRED_MESSAGE))
    return frozenset(found)


#: every message an Issue can carry: fixed sentences, so no cell value can leak
MESSAGES = _constant_messages()

conventions = st.builds(
    Conventions,
    today=st.just(TODAY),
    phone_region=st.sampled_from([None, "DE", "FI", "US", "GB", "XX"]),
    date_order=st.sampled_from([None, "DMY", "MDY", "YMD"]),
    decimal=st.sampled_from(["auto", ",", "."]),
    file_language=st.sampled_from([None, "en", "de", "fi"]),
    date1904=st.booleans(),
)
date_cells = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(min_value=dt.datetime(1, 1, 1)),
)
plausible_text = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4}\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{2}:[0-9]{2})?\Z"),
    st.from_regex(r"\A[+-]?[0-9]{1,5}([.,][0-9]{1,3})?( ?(cm|kg|m))?\Z"),
    st.from_regex(r"\A(\+|00|0)[0-9][0-9 /-]{3,16}\Z"),
    st.from_regex(r"\A[a-zA-Z0-9._+-]{1,12}@[a-zA-Z0-9.-]{1,12}\Z"),
    st.sampled_from(["m", "N", "w", "d", "Divers", "de-AT", "suomi", "1", "2", "nainen"]),
    st.sampled_from(["#N/A", " #nv", "#DIV/0!", "Err:502", "#Anna", "#", "Err:"]),
)
cells: st.SearchStrategy[Cell] = st.one_of(plausible_text, date_cells)


def check_reading(field: str, value: object) -> None:
    """What every reading gives, before the rules judge it: the API's types and forms."""
    if field in ("first_name", "last_name", "profile_group_slug", "email"):
        assert isinstance(value, str)
        assert value == value.strip()
        assert value
        if field in ("first_name", "last_name"):
            assert "  " not in value
        if field == "profile_group_slug":
            assert value == value.lower()
    elif field == "sex":
        assert type(value) is int
    elif field == "date_of_birth":
        assert isinstance(value, str)
        assert rules.ISO_DATE_RE.match(value) or value.startswith("0")
        dt.date.fromisoformat(value)
    elif field == "phone":
        assert isinstance(value, str)
        assert value.startswith("+")
        assert value[1:].isdigit()
    elif field in ("height", "weight"):
        assert type(value) is float
    elif field == "language":
        assert isinstance(value, str)
        assert len(value) == 2
        assert value.islower()
    else:  # pragma: no cover
        raise AssertionError(field)


def check_api_value(field: str, value: object) -> None:
    if field in ("first_name", "last_name"):
        assert isinstance(value, str)
        assert value == value.strip()
        assert value
        assert len(value) <= rules.MAX_TEXT_LENGTH
        assert "  " not in value
        assert not rules.CONTROL_CHARS_RE.search(value)
    elif field == "sex":
        assert value in rules.SEXES
        assert type(value) is int
    elif field == "date_of_birth":
        assert isinstance(value, str)
        assert rules.ISO_DATE_RE.match(value)
        d = dt.date.fromisoformat(value)
        assert dt.date(1900, 1, 1) <= d < TODAY
    elif field == "profile_group_slug":
        assert isinstance(value, str)
        assert rules.GROUP_SLUG_RE.match(value)
    elif field == "email":
        assert isinstance(value, str)
        assert rules.EMAIL_RE.match(value)
        assert len(value) <= rules.MAX_EMAIL_LENGTH
    elif field == "phone":
        assert isinstance(value, str)
        assert rules.E164_RE.match(value)
    elif field == "height":
        assert type(value) is float
        assert rules.HEIGHT_CM_RANGE[0] <= value <= rules.HEIGHT_CM_RANGE[1]
    elif field == "weight":
        assert type(value) is float
        assert rules.WEIGHT_KG_RANGE[0] <= value <= rules.WEIGHT_KG_RANGE[1]
    elif field == "language":
        assert value in rules.LANGUAGES
    else:  # pragma: no cover
        raise AssertionError(field)


@pytest.mark.parametrize("field", rules.API_FIELDS)
@SETTINGS
@given(cell=cells, conv=conventions)
def test_every_normaliser_gives_a_reading_an_issue_or_none(
    field: str, cell: Cell, conv: Conventions
) -> None:
    result = NORMALIZERS[field](cell, conv)
    if result is None:
        assert isinstance(cell, str)
        assert not cell.strip()
    elif isinstance(result, Issue):
        assert result.message in MESSAGES
        assert result.code in ProblemCode.__members__.values()
    else:
        check_reading(field, result)
    assert (isinstance(result, Issue) and result.code == "spreadsheet_error") == (
        _base.spreadsheet_error(cell) is not None
    )


@pytest.mark.parametrize("field", rules.API_FIELDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column=st.lists(cells, min_size=1, max_size=20), conv=conventions)
def test_every_checked_cell_is_an_api_value_an_issue_or_none(
    field: str, column: list[Cell], conv: Conventions
) -> None:
    """Read and judged (normaliser + schema), a cell gives a value the API takes, or an
    issue with one of the fixed messages, or nothing."""
    values, issues = normalize_column(field, column, conv)
    rows = list(range(2, 2 + len(column)))
    required = {"first_name": ["A"], "last_name": ["B"], "profile_group_slug": ["g"]}
    frame = frame_from_columns(rows, {**{f: v * len(rows) for f, v in required.items()},
                                      field: values})
    judged = {p.row: p for p in ProfileValidator(conv.today).problems(
        frame, {f: f for f in rules.API_FIELDS})}
    unreadable = {rows[i] for i, _ in issues}
    for row, cell, value in zip(rows, column, values, strict=True):
        problem = judged.get(row)
        if row in unreadable:
            assert value is None
        elif problem is not None:
            assert problem.message in MESSAGES
            assert problem.field == field
        elif value is None:
            assert isinstance(cell, str)
            assert not cell.strip()
        else:
            check_api_value(field, value)


@pytest.mark.parametrize("field", rules.API_FIELDS)
@settings(max_examples=60, deadline=None)
@given(column=st.lists(cells, max_size=25), conv=conventions, data=st.data())
def test_column_equals_cells(
    field: str, column: list[Cell], conv: Conventions, data: st.DataObject
) -> None:
    # repeat some cells so the memo is exercised
    if column:
        column = column + data.draw(st.lists(st.sampled_from(column), max_size=10))
    values, issues = normalize_column(field, column, conv)
    expected = [NORMALIZERS[field](c, conv) for c in column]
    assert len(values) == len(column)
    assert issues == [(i, r) for i, r in enumerate(expected) if isinstance(r, Issue)]
    assert values == [None if isinstance(r, Issue) else r for r in expected]


# ------------------------------------------------------------------ dates

slash_dates = st.builds(
    lambda a, b, y, sep: f"{a:02d}{sep}{b:02d}{sep}{y}",
    st.integers(1, 31),
    st.integers(1, 31),
    st.integers(1900, 2025),
    st.sampled_from(["/", "-"]),
)
date_column = st.lists(st.one_of(slash_dates, cells), max_size=30)


@SETTINGS
@given(column=date_column)
def test_infer_date_order(column: list[Cell]) -> None:
    inferred = infer_date_order(iter(column))
    assert inferred == infer_date_order(list(reversed(column)))
    assert inferred.conflict == (inferred.dmy_rows > 0 and inferred.mdy_rows > 0)
    if inferred.conflict:
        assert inferred.order is None
    elif inferred.dmy_rows:
        assert inferred.order == "DMY"
    elif inferred.mdy_rows:
        assert inferred.order == "MDY"
    else:
        assert inferred.order is None
    # with the inferred order (or none), no slash date is read against the evidence
    conv = Conventions(today=TODAY, date_order=inferred.order)
    for cell in column:
        r = normalize_date(cell, conv)
        if inferred.order is None and isinstance(cell, str):
            m = dates._SLASH_RE.fullmatch(cell.strip())
            if (
                m
                and int(m[1]) != int(m[3])
                and 1 <= int(m[1]) <= 12
                and 1 <= int(m[3]) <= 12
                and int(m[4]) >= 1
            ):
                assert isinstance(r, Issue)
                assert r.code in ("ambiguous_date",)


@SETTINGS
@given(d=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)))
def test_every_written_form_of_a_date_reads_back(d: dt.date) -> None:
    conv = Conventions(today=TODAY)
    iso = d.isoformat()
    assert normalize_date(f"{d.day:02d}.{d.month:02d}.{d.year}", conv) == iso
    assert normalize_date(f"{d.day}.{d.month}.{d.year}", conv) == iso
    assert normalize_date(iso, conv) == iso
    assert normalize_date(iso + "T00:00:00", conv) == iso
    assert normalize_date(d, conv) == iso
    dmy = Conventions(today=TODAY, date_order="DMY")
    mdy = Conventions(today=TODAY, date_order="MDY")
    assert normalize_date(f"{d.day:02d}/{d.month:02d}/{d.year}", dmy) == iso
    assert normalize_date(f"{d.month:02d}/{d.day:02d}/{d.year}", mdy) == iso
    serial = (d - dt.date(1899, 12, 30)).days
    if serial >= 61 and not 1900 <= serial <= 2100:
        assert normalize_date(str(serial), conv) == iso
    serial1904 = (d - dt.date(1904, 1, 1)).days
    if serial1904 >= 1 and not 1900 <= serial1904 <= 2100:
        assert normalize_date(str(serial1904), Conventions(today=TODAY, date1904=True)) == iso


# ------------------------------------------------------------------ numbers


@SETTINGS
@given(
    whole=st.integers(0, 999),
    frac=st.one_of(st.none(), st.integers(0, 99)),
    sep=st.sampled_from([",", "."]),
)
def test_decimal_comma_and_point_agree(whole: int, frac: int | None, sep: str) -> None:
    conv = Conventions(today=TODAY)
    text = str(whole) if frac is None else f"{whole}{sep}{frac}"
    other = text.replace(",", ".")
    for fn in (normalize.normalize_height, normalize.normalize_weight):
        assert fn(text, conv) == fn(other, conv)
