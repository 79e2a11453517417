"""Examples for every accepted form and every Issue code of the normalisers (and, through
``check_cell``, of the rules that judge what they read)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from aniva_import import rules
from aniva_import.normalize import (
    NORMALIZERS,
    Conventions,
    DateOrderInference,
    Issue,
    infer_date_order,
    normalize_column,
    normalize_date,
    normalize_email,
    normalize_group,
    normalize_height,
    normalize_language,
    normalize_name,
    normalize_phone,
    normalize_sex,
    normalize_weight,
)
from aniva_import.pipeline import check_cell
from aniva_import.types import Cell

TODAY = dt.date(2026, 1, 15)
C = Conventions(today=TODAY)
DE = Conventions(today=TODAY, phone_region="DE", file_language="de")
FI = Conventions(today=TODAY, phone_region="FI", file_language="fi")
DMY = Conventions(today=TODAY, date_order="DMY")
MDY = Conventions(today=TODAY, date_order="MDY")


def issue(result: object, code: str, value: object) -> None:
    """``result`` is an Issue with ``code`` whose message does not repeat ``value``."""
    assert isinstance(result, Issue), result
    assert result.code == code, result
    assert result.message.endswith("."), result.message
    if isinstance(value, str) and value.strip():
        # as a word of its own: a "0" may appear inside "400" of a range hint
        word = re.compile(rf"(?<![\w.,]){re.escape(value.strip())}(?![\w,]|\.\w)", re.I)
        assert not word.search(result.message), result.message


def test_api_fields_all_have_a_normaliser() -> None:
    assert set(NORMALIZERS) == set(rules.API_FIELDS)


@pytest.mark.parametrize("field", rules.API_FIELDS)
@pytest.mark.parametrize("blank", ["", " ", "\t", "  \n ", "\u00a0"])
def test_blank_is_missing(field: str, blank: str) -> None:
    assert NORMALIZERS[field](blank, DE) is None


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Maria", "Maria"),
        ("  Maria  ", "Maria"),
        ("Anna  Maria", "Anna Maria"),
        ("Anna\u00a0 Maria ", "Anna Maria"),
        ("Müller-Lüdenscheidt", "Müller-Lüdenscheidt"),
        ("O'Brien", "O'Brien"),
        ("Väisänen", "Väisänen"),
    ],
)
def test_names(raw: str, expected: str) -> None:
    assert normalize_name(raw, C) == expected


def test_name_issues() -> None:
    long = "A" * (rules.MAX_TEXT_LENGTH + 1)
    issue(check_cell("first_name", long, C), "too_long", long)
    assert normalize_name("A" * rules.MAX_TEXT_LENGTH, C) == "A" * rules.MAX_TEXT_LENGTH
    issue(check_cell("first_name", "Ma\x00ria", C), "invalid_text", "Ma\x00ria")
    issue(check_cell("last_name", "Ma\u200bria", C), "invalid_text", "Ma\u200bria")
    issue(check_cell("first_name", "1234", C), "invalid_text", "1234")
    issue(normalize_name(dt.date(1985, 3, 22), C), "invalid_text", None)


# ------------------------------------------------------------------ sex


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1), ("2", 2), ("m", 1), ("M", 1), ("f", 2), ("F", 2), ("w", 2), ("W", 2),
        ("male", 1), ("Female", 2), ("männlich", 1), ("Männlich", 1), ("Weiblich", 2),
        ("MIES", 1), ("nainen", 2), ("Nainen", 2), (" male ", 1),
    ],
)  # fmt: skip
def test_sex(raw: str, expected: int) -> None:
    assert normalize_sex(raw, C) == expected
    assert normalize_sex(raw, FI) == expected


def test_sex_n_only_in_finnish_files() -> None:
    assert normalize_sex("N", FI) == 2
    assert normalize_sex("n", FI) == 2
    assert normalize_sex("M", FI) == 1
    issue(normalize_sex("N", DE), "invalid_sex", "N")
    issue(normalize_sex("N", C), "invalid_sex", "N")


@pytest.mark.parametrize("raw", ["d", "D", "divers", "Divers", "x", "other", "unknown", "3"])
def test_sex_unsupported(raw: str) -> None:
    issue(check_cell("sex", raw, DE), "unsupported_sex", raw)


@pytest.mark.parametrize("raw", ["mf", "yes", "12", "männl"])
def test_sex_invalid(raw: str) -> None:
    issue(normalize_sex(raw, DE), "invalid_sex", raw)


def test_sex_date_cell() -> None:
    issue(normalize_sex(dt.date(2000, 1, 1), DE), "invalid_sex", None)


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("22.03.1985", "1985-03-22"),
        ("2.3.1985", "1985-03-02"),
        ("1985-03-22", "1985-03-22"),
        ("1985-03-22T00:00:00", "1985-03-22"),
        ("1985-03-22 00:00:00", "1985-03-22"),
        ("1985-03-22 14:30", "1985-03-22"),
        ("1985/03/22", "1985-03-22"),
        (" 22.03.1985 ", "1985-03-22"),
        ("31128", "1985-03-22"),
        ("31128.0", "1985-03-22"),
        ("13/04/1985", "1985-04-13"),
        ("04/13/1985", "1985-04-13"),
        ("03/03/1985", "1985-03-03"),
        (dt.date(1985, 3, 22), "1985-03-22"),
        (dt.datetime(1985, 3, 22, 23, 59), "1985-03-22"),
    ],
)
def test_dates(raw: str | dt.date, expected: str) -> None:
    assert normalize_date(raw, C) == expected


def test_slash_dates_follow_the_order() -> None:
    issue(normalize_date("03/04/1985", C), "ambiguous_date", "03/04/1985")
    assert normalize_date("03/04/1985", DMY) == "1985-04-03"
    assert normalize_date("03/04/1985", MDY) == "1985-03-04"
    assert normalize_date("13/04/1985", DMY) == "1985-04-13"
    assert normalize_date("3-4-1985", DMY) == "1985-04-03"
    issue(normalize_date("13/04/1985", MDY), "invalid_date", "13/04/1985")
    issue(normalize_date("04/13/1985", DMY), "invalid_date", "04/13/1985")
    # dots are day first by convention, whatever the slash order
    assert normalize_date("03.04.1985", MDY) == "1985-04-03"


def test_excel_serials() -> None:
    assert normalize_date("61", C) == "1900-03-01"
    assert normalize_date("59", C) == "1900-02-28"
    assert normalize_date("1", C) == "1900-01-01"
    issue(normalize_date("60", C), "invalid_date", "60")
    c1904 = Conventions(today=TODAY, date1904=True)
    assert normalize_date("29666", c1904) == "1985-03-22"
    issue(normalize_date("1985", C), "invalid_date", "1985")  # a bare year, not a serial
    issue(normalize_date("99999", C), "invalid_date", "99999")


def test_date_issues() -> None:
    issue(check_cell("date_of_birth", "15.01.2026", C), "date_in_future", "15.01.2026")  # today
    assert normalize_date("14.01.2026", C) == "2026-01-14"
    issue(check_cell("date_of_birth", "2030-01-01", C), "date_in_future", "2030-01-01")
    issue(check_cell("date_of_birth", dt.date(2030, 1, 1), C), "date_in_future", None)
    issue(normalize_date("22.03.85", C), "two_digit_year", "22.03.85")
    issue(normalize_date("03/04/85", DMY), "two_digit_year", "03/04/85")
    issue(normalize_date("85-03-22", C), "two_digit_year", "85-03-22")
    issue(normalize_date("31.02.1985", C), "invalid_date", "31.02.1985")
    issue(normalize_date("1985-13-01", C), "invalid_date", "1985-13-01")
    issue(check_cell("date_of_birth", "01.01.1850", C), "invalid_date", "01.01.1850")
    issue(normalize_date("yesterday", C), "invalid_date", "yesterday")
    issue(normalize_date("22 March 1985", C), "invalid_date", "22 March 1985")
    issue(normalize_date("1985-03-22T25:00", C), "invalid_date", "1985-03-22T25:00")
    issue(normalize_date("1985-03-22T23:00:00+02:00", C), "invalid_date", "x")
    issue(normalize_date("14/15/1985", C), "invalid_date", "14/15/1985")


def test_infer_date_order() -> None:
    assert infer_date_order(["03/04/1985", "13/04/1985", ""]).order == "DMY"
    assert infer_date_order(iter(["03/04/1985", "04/13/1985"])).order == "MDY"
    both = infer_date_order(["13/04/1985", "04/13/1985", "03/04/1985"])
    assert both == DateOrderInference(None, True, 1, 1, 1)
    none = infer_date_order(["03/04/1985", "22.03.1985", "1985-03-22", dt.date(1985, 1, 1)])
    assert none == DateOrderInference(None, False, 0, 0, 1)
    # dots are not evidence
    assert infer_date_order(["22.03.1985", "03/04/1985"]).order is None


# ------------------------------------------------------------------ e-mail


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("maria.schmidt@example.de", "maria.schmidt@example.de"),
        ("Maria.Schmidt@Example.DE", "Maria.Schmidt@example.de"),
        (" m+tag@sub.example.com ", "m+tag@sub.example.com"),
        ("Info@Example.com", "info@example.com"),  # the library lower-cases role names
        ("jörg@example.de", "jörg@example.de"),
        ("maria@bücher.de", "maria@bücher.de"),
    ],
)
def test_email(raw: str, expected: str) -> None:
    assert normalize_email(raw, C) == expected


@pytest.mark.parametrize(
    "raw",
    ["maria.schmidt", "maria@", "@example.de", "maria..s@example.de", "maria@example",
     "maria@localhost", "maria@host.local", "maria@x.test", "Maria <maria@example.de>",
     "a@b@example.de", "maria schmidt@example.de", "a@example.de; b@example.de"],
)  # fmt: skip
def test_email_invalid(raw: str) -> None:
    issue(normalize_email(raw, C), "invalid_email", raw)


def test_email_too_long() -> None:
    raw = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "de"
    issue(check_cell("email", raw, C), "too_long", raw)
    issue(normalize_email(dt.date(2000, 1, 1), C), "invalid_email", None)


# ------------------------------------------------------------------ phone


@pytest.mark.parametrize(
    ("raw", "conv", "expected"),
    [
        ("+49 30 1234567", C, "+49301234567"),
        ("+49 30 1234567", DE, "+49301234567"),
        ("030 1234567", DE, "+49301234567"),
        ("030/1234567", DE, "+49301234567"),
        ("(030) 123 45 67", DE, "+49301234567"),
        ("0170 1234567", DE, "+491701234567"),
        ("0049 30 1234567", DE, "+49301234567"),
        ("+49 (0)30 1234567", DE, "+49301234567"),
        ("+1 415 555 2671", C, "+14155552671"),
        ("+1 415 555 2671", DE, "+14155552671"),
        ("040 1234567", FI, "+358401234567"),
        ("+358 40 1234567", DE, "+358401234567"),
    ],
)
def test_phone(raw: str, conv: Conventions, expected: str) -> None:
    assert normalize_phone(raw, conv) == expected


def test_phone_issues() -> None:
    issue(normalize_phone("030 1234567", C), "phone_needs_region", "030 1234567")
    issue(normalize_phone("0049 30 1234567", C), "phone_needs_region", "0049 30 1234567")
    issue(normalize_phone("junk", DE), "invalid_phone", "junk")
    issue(normalize_phone("junk", C), "invalid_phone", "junk")
    issue(normalize_phone("030 12", DE), "invalid_phone", "030 12")
    issue(normalize_phone("+49 1", C), "invalid_phone", "+49 1")
    issue(normalize_phone("+999 1234567", C), "invalid_phone", "+999 1234567")
    issue(normalize_phone(dt.date(2000, 1, 1), DE), "invalid_phone", None)
    odd = Conventions(today=TODAY, phone_region="XX")
    issue(normalize_phone("030 1234567", odd), "phone_needs_region", "030 1234567")
    assert normalize_phone("+49 30 1234567", odd) == "+49301234567"


def test_region_is_upper_cased() -> None:
    assert Conventions(today=TODAY, phone_region="de").phone_region == "DE"
    assert normalize_phone("030 1234567", Conventions(today=TODAY, phone_region="de")) == (
        "+49301234567"
    )


# ------------------------------------------------------------------ height / weight


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("177", 177.0), ("177,5", 177.5), ("177.5", 177.5), ("177 cm", 177.0), ("177cm", 177.0),
     (" 168 ", 168.0), ("30", 30.0), ("260", 260.0)],
)  # fmt: skip
def test_height(raw: str, expected: float) -> None:
    assert normalize_height(raw, C) == expected


def test_height_issues() -> None:
    issue(normalize_height("1,77", C), "height_in_metres", "1,77")
    issue(normalize_height("1.77", C), "height_in_metres", "1.77")
    issue(check_cell("height", "0", C), "implausible_height", "0")
    issue(check_cell("height", "-170", C), "implausible_height", "-170")
    issue(check_cell("height", "1770", C), "implausible_height", "1770")
    issue(normalize_height("tall", C), "invalid_number", "tall")
    issue(normalize_height("1.770,5", C), "invalid_number", "1.770,5")
    issue(normalize_height("177 kg", C), "invalid_number", "177 kg")
    issue(normalize_height("1,77 m", C), "invalid_number", "1,77 m")
    issue(normalize_height(dt.date(2000, 1, 1), C), "invalid_number", None)


def test_decimal_separator_from_the_mapping() -> None:
    comma = Conventions(today=TODAY, decimal=",")
    point = Conventions(today=TODAY, decimal=".")
    assert normalize_weight("65,3", comma) == 65.3
    issue(normalize_weight("65.3", comma), "invalid_number", "65.3")
    assert normalize_weight("65.3", point) == 65.3
    issue(normalize_weight("65,3", point), "invalid_number", "65,3")


@pytest.mark.parametrize(
    ("raw", "expected"), [("65", 65.0), ("65,3", 65.3), ("65.3", 65.3), ("65 kg", 65.0)]
)
def test_weight(raw: str, expected: float) -> None:
    assert normalize_weight(raw, C) == expected


def test_weight_issues() -> None:
    issue(check_cell("weight", "0", C), "implausible_weight", "0")
    issue(check_cell("weight", "65000", C), "implausible_weight", "65000")
    issue(normalize_weight("heavy", C), "invalid_number", "heavy")
    issue(normalize_weight("65 lb", C), "invalid_number", "65 lb")


# ------------------------------------------------------------------ language


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("de", "de"), ("DE", "de"), ("deutsch", "de"), ("German", "de"), ("saksa", "de"),
     ("englanti", "en"), ("Finnish", "fi"), ("suomi", "fi"), ("Englisch", "en"),
     ("en-GB", "en"), ("de_DE", "de"), ("fi-FI", "fi"), ("EN", "en"), ("Deutsch ", "de")],
)  # fmt: skip
def test_language(raw: str, expected: str) -> None:
    assert normalize_language(raw, C) == expected


@pytest.mark.parametrize("raw", ["sv", "French", "ruotsi", "es-ES", "xx_YY_ZZ"])
def test_language_unsupported(raw: str) -> None:
    issue(check_cell("language", raw, C), "unsupported_language", raw)


# ------------------------------------------------------------------ group


def test_group() -> None:
    assert normalize_group("acme-clinic-berlin", C) == "acme-clinic-berlin"
    assert normalize_group(" Acme-Clinic-Berlin ", C) == "acme-clinic-berlin"
    issue(check_cell("profile_group_slug", "acme clinic", C), "invalid_group", "acme clinic")
    issue(check_cell("profile_group_slug", "acme--clinic", C), "invalid_group", "acme--clinic")
    issue(check_cell("profile_group_slug", "-acme", C), "invalid_group", "-acme")
    issue(check_cell("profile_group_slug", "ääkkönen", C), "invalid_group", "ääkkönen")
    long = "a" * 300
    issue(check_cell("profile_group_slug", long, C), "too_long", long)


# ------------------------------------------------------------------ columns


def test_normalize_column() -> None:
    cells: list[Cell] = ["22.03.1985", "", "31.02.1985", "22.03.1985", dt.date(1990, 1, 2)]
    values, issues = normalize_column("date_of_birth", cells, C)
    assert values == ["1985-03-22", None, None, "1985-03-22", "1990-01-02"]
    assert [(i, p.code) for i, p in issues] == [(2, "invalid_date")]
    values, issues = normalize_column("phone", ["030 1234567", "x", ""], DE)
    assert values == ["+49301234567", None, None]
    assert [(i, p.code) for i, p in issues] == [(1, "invalid_phone")]


@pytest.mark.parametrize("field", sorted(rules.API_FIELDS))
@pytest.mark.parametrize("cell", ["#N/A", " #n/a ", "#DIV/0!", "#NV", "#WERT!", "#PUUTTUU",
                                  "Err:502", "#REF!"])
def test_a_spreadsheet_error_value_is_reported_as_such_in_every_field(
    field: str, cell: str
) -> None:
    """A failed formula exported as its error text (#N/A) is never taken for a value
    (a name "#N/A"), and the message says what it is."""
    result = NORMALIZERS[field](cell, DE)
    assert isinstance(result, Issue)
    assert result.code == "spreadsheet_error"
    assert cell.strip().casefold() in result.message.casefold()
    values, issues = normalize_column(field, ["", cell], DE)
    assert values == [None, None]
    assert issues == [(1, result)]


@pytest.mark.parametrize("name", ["#Anna", "Erra", "Err", "N/A-Meier"])
def test_names_that_only_look_like_spreadsheet_errors_are_names(name: str) -> None:
    assert normalize_name(name, DE) == name


def test_a_plain_number_in_a_csv_date_column_is_not_guessed_to_be_a_serial() -> None:
    csv_file = Conventions(today=TODAY, date_serials=False)
    issue(normalize_date("23456", csv_file), "serial_date", "23456")
    found = normalize_date("23456", csv_file)
    assert isinstance(found, Issue)
    assert "date_serials = true" in found.message
    issue(normalize_date("1985", csv_file), "invalid_date", "1985")  # still a bare year
    assert normalize_date("22.03.1985", csv_file) == "1985-03-22"  # text dates are read
    assert normalize_date("23456", Conventions(today=TODAY)) == "1964-03-20"  # a workbook


@pytest.mark.parametrize("region", ["DE", "AT", "FI"])
def test_digits_that_read_two_ways_are_ambiguous_not_guessed(region: str) -> None:
    conv = Conventions(today=TODAY, phone_region=region)
    fast = Conventions(today=TODAY, phone_region=region, fast_paths=False)
    for c in (conv, fast):
        found = normalize_phone("491701234567", c)
        if region == "DE":
            issue(found, "ambiguous_phone", "491701234567")
            assert isinstance(found, Issue)
            assert "+" in found.message
        assert normalize_phone("+49 170 1234567", c) == "+491701234567"
    de = Conventions(today=TODAY, phone_region="DE")
    assert normalize_phone("0170 1234567", de) == "+491701234567"  # the trunk prefix
    assert normalize_phone("0049 170 1234567", de) == "+491701234567"  # 00
    international = Conventions(today=TODAY, phone_region="DE",
                                bare_phone_numbers="international")
    assert normalize_phone("491701234567", international) == "+491701234567"
    assert normalize_phone("030 1234567", international) == "+49301234567"
    national = Conventions(today=TODAY, phone_region="DE", bare_phone_numbers="national")
    assert normalize_phone("491701234567", national) == "+49491701234567"


def test_a_number_with_a_country_code_is_not_told_to_add_one() -> None:
    conv = Conventions(today=TODAY, phone_region="DE")
    for text in ("+44 7700 900456", "+447700900456"):  # a range reserved for drama
        found = normalize_phone(text, conv)
        assert isinstance(found, Issue)
        assert found.code == "invalid_phone"
        assert "has a country code" in found.message
        assert "with the country code" not in found.message
    plain = normalize_phone("12", conv)
    assert isinstance(plain, Issue)
    assert "with the country code" in plain.message
