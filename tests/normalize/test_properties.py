"""Properties of the normalisers (hypothesis): never crash, only API values,
fast paths identical to the libraries, columns identical to cells."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from aniva_import import normalize, rules
from aniva_import.normalize import (
    NORMALIZERS,
    Conventions,
    Issue,
    _base,
    _emails_fast,
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


# ------------------------------------------------------------------ e-mail fast path

_ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
_LDH = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
atoms = st.text(_ATEXT, min_size=1, max_size=12)
local_parts = st.one_of(
    st.lists(atoms, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["info", "Postmaster", "WWW", "abuse", "x" * 65, "a" * 64]),
)
labels = st.one_of(
    st.text(_LDH, min_size=1, max_size=10),
    st.sampled_from(["xn--bcher-kva", "ab--cd", "xn--", "a" * 63, "a" * 64, "-a", "a-"]),
)
tlds = st.one_of(
    st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6),
    st.sampled_from(["test", "local", "localhost", "onion", "arpa", "invalid", "Test", "de1"]),
)
domains = st.builds(
    lambda ls, t: ".".join([*ls, t]), st.lists(labels, min_size=0, max_size=3), tlds
)
grammar_emails = st.builds(lambda lp, d: f"{lp}@{d}", local_parts, domains)
adversarial_emails = st.one_of(
    st.text(max_size=40),
    st.text(_ATEXT + ".@\"<> \\[]()", max_size=40),
    st.builds(lambda a, b: a + b, grammar_emails, st.text(" .@-\u0130\u212a", max_size=3)),
)


@settings(max_examples=1500, deadline=None)
@given(email=st.one_of(grammar_emails, adversarial_emails))
@example("Maria.Schmidt@Example.DE")
@example("info@example.de")
@example("a@xn--bcher-kva.de")
@example("a@b.test")
@example("a@sub.LOCALHOST")
@example("a@\u212aelvin.de")
def test_email_fast_path_is_the_library(email: str) -> None:
    fast = _emails_fast.fast_email(email)
    if fast is not None:
        assert emails.library_email(email) == fast


def test_email_fast_path_takes_the_common_shape() -> None:
    assert _emails_fast.fast_email("maria.schmidt@example.de") == "maria.schmidt@example.de"
    assert _emails_fast.fast_email("M.Schmidt+x@Mail.Example.COM") == "M.Schmidt+x@mail.example.com"


# ------------------------------------------------------------------ phone fast path


def _library(s: str, region: str | None) -> str | Issue:
    return phones.library_phone(s, region)


def _reference(s: str, region: str | None) -> str | Issue | None:
    """The answer without fast paths (the library's, plus phones.py's own rules)."""
    conv = Conventions(today=TODAY, phone_region=region, fast_paths=False)
    return phones.normalize_phone(s, conv)


def _spaced(digits: str, draw: Callable[[st.SearchStrategy[str]], str]) -> str:
    out = []
    for i, ch in enumerate(digits):
        if i:
            out.append(draw(st.sampled_from(["", "", "", " ", "-", "/"])))
        out.append(ch)
    return "".join(out)


@st.composite
def phone_texts(draw: st.DrawFn) -> tuple[str, str | None]:
    region = draw(st.sampled_from(["DE", "FI", "US", "GB", None]))
    kind = draw(st.sampled_from(["national", "plus", "idd", "example", "junk"]))
    rest = draw(st.text("0123456789", min_size=1, max_size=14))
    if kind == "example":
        ex_region = draw(st.sampled_from(["DE", "FI", "US", "GB", "AT", "CH", "SE"]))
        num = phonenumbers.example_number_for_type(
            ex_region, draw(st.sampled_from(list(range(11))))
        )
        assume(num is not None)
        assert num is not None
        fmt = draw(
            st.sampled_from(
                [
                    phonenumbers.PhoneNumberFormat.NATIONAL,
                    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                    phonenumbers.PhoneNumberFormat.E164,
                ]
            )
        )
        text = phonenumbers.format_number(num, fmt)
        # perturb the last digit sometimes, to reach invalid numbers
        if draw(st.booleans()):
            text = text[:-1] + draw(st.sampled_from("0123456789"))
        return str(text), region
    cc = draw(st.sampled_from(["49", "358", "1", "44", "43", "7", "999", "0"]))
    if kind == "national":
        digits = "0" + rest
    elif kind == "plus":
        digits = cc + rest
    elif kind == "idd":
        digits = "00" + cc + rest
    else:
        return draw(st.text("0123456789 +-/()x#.", max_size=20)), region
    text = _spaced(digits, draw)
    return ("+" + text if kind == "plus" else text), region


@settings(max_examples=1500, deadline=None)
@given(case=phone_texts())
@example(("030 1234567", "DE"))
@example(("0170 1234567", "DE"))
@example(("040 1234567", "FI"))
@example(("0049 30 1234567", "DE"))
@example(("+44 20 7946 0958", None))
@example(("020 7946 0958", "GB"))
@example(("+1 415 555 2671", "DE"))
@example(("0180020 1234", "GB"))
def test_phone_fast_path_is_the_library(case: tuple[str, str | None]) -> None:
    text, region = case
    fast = _phones_fast.fast_phone(text, region)
    if fast is not None:
        assert _library(text, region) == fast
    conv = Conventions(today=TODAY, phone_region=region)
    assert normalize.normalize_phone(text, conv) == _reference(text.strip(), region) or (
        text.strip() == "" or len(text.strip()) > 64
    )


def test_phone_fast_path_on_every_regions_examples() -> None:
    """All regions, all number types, national and international formats."""
    checked = fast_hits = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for numtype in range(11):
            num = phonenumbers.example_number_for_type(region, numtype)
            if num is None:
                continue
            for fmt in (
                phonenumbers.PhoneNumberFormat.NATIONAL,
                phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            ):
                text = str(phonenumbers.format_number(num, fmt))
                for variant in (text, text.replace(" ", ""), "00" + text.lstrip("+")):
                    fast = _phones_fast.fast_phone(variant, region)
                    checked += 1
                    if fast is not None:
                        fast_hits += 1
                        assert _library(variant, region) == fast, (region, variant)
    assert checked > 1000
    assert fast_hits > 300


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
