"""Tests for aniva_import.results: formula escaping, private atomic CSV/XLSX results files."""

from __future__ import annotations

import csv
import datetime as dt
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aniva_import.problems import Problem, ProblemCode
from aniva_import.results import FinishedRow, escape_formula, unescape_formula
from aniva_import.results.csv import CsvResultsWriter
from aniva_import.results.escape import LEADING_SPACES
from aniva_import.types import Status

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("cell", "escaped"),
    [
        ("=SUM(A1:A3)", "'=SUM(A1:A3)"),
        ("@cmd", "'@cmd"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+49 30 1234567", "+49 30 1234567"),
        ("-5", "-5"),
        ("Maria", "Maria"),
        ("", ""),
        (' =HYPERLINK("http://evil","x")', '\' =HYPERLINK("http://evil","x")'),
        ('  @SUM(1+1)*cmd|" /C calc"!A0', '\'  @SUM(1+1)*cmd|" /C calc"!A0'),
        ("\u00a0=1+1", "'\u00a0=1+1"),
        ("\u3000-cmd", "'\u3000-cmd"),
        (" +49 30 1234567", " +49 30 1234567"),
        ("  Maria", "  Maria"),
    ],
)
def test_escape_formula(cell: str, escaped: str) -> None:
    assert escape_formula(cell) == escaped


@given(st.text(max_size=30))
def test_escaped_cells_never_start_a_formula_and_round_trip(text: str) -> None:
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text  # exactly undone, whatever the text
    if escaped and escaped[0] in "=+-@\t\r":  # only plain numbers may start so
        assert re.fullmatch(r"[+-][0-9][0-9 ()./-]*", escaped)
    trimmed = escaped.lstrip(LEADING_SPACES)  # as a program that trims spaces reads it
    if trimmed and trimmed[0] in "=+-@\t\r":
        assert re.fullmatch(r"[+-][0-9][0-9 ()./-]*", trimmed)


@given(st.text(alphabet=st.sampled_from(" \u00a0\u3000=+-@'\t\rab1"), max_size=12))
def test_leading_spaces_never_hide_a_formula(text: str) -> None:
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    trimmed = escaped.lstrip(LEADING_SPACES)
    if trimmed and trimmed[0] in "=+-@\t\r":
        assert re.fullmatch(r"[+-][0-9][0-9 ()./-]*", trimmed)


@pytest.mark.parametrize("text", ["'=Bob", "'-Lee", "''", "'" * 3 + "x", "'+49 30 1", "'a", "'"])
def test_apostrophes_the_user_typed_survive_a_round_trip(text: str) -> None:
    assert unescape_formula(escape_formula(text)) == text


def _rows() -> list[FinishedRow]:
    bad = Problem(3, "Telefon", ProblemCode.INVALID_PHONE, "Not a phone number.", "phone")
    return [
        FinishedRow(2, Status.VALID, None, (), ["Maria", "=HYPERLINK(1)", "+49 30 1234567"]),
        FinishedRow(3, Status.INVALID, None, (bad,), ["Jürgen", "x", dt.date(1960, 12, 1)]),
    ]


def test_csv_results_are_private_atomic_and_excel_friendly(tmp_path: Path) -> None:
    target = tmp_path / "out.results.csv"
    writer = CsvResultsWriter(target, ["Vorname", "Notiz", "Telefon"], delimiter=";")
    writer.write(_rows())
    assert not target.exists()  # nothing visible until complete
    writer.commit()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == ["row", "status", "profile_id", "errors", "Vorname", "Notiz", "Telefon"]
    assert rows[1] == ["2", "valid", "", "", "Maria", "'=HYPERLINK(1)", "+49 30 1234567"]
    assert rows[2] == ["3", "invalid", "", "Telefon: Not a phone number. [invalid_phone]",
                       "Jürgen", "x", "1960-12-01"]
    assert list(tmp_path.iterdir()) == [target]


def test_the_profile_id_cell_is_formula_safe_too(tmp_path: Path) -> None:
    """Defence in depth: ids are UUIDs when they come from the API, but a ledger
    written before that was checked may hold anything."""
    target = tmp_path / "out.results.csv"
    writer = CsvResultsWriter(target, ["Vorname"], delimiter=";")
    writer.write([FinishedRow(2, Status.ALREADY_IMPORTED, '=HYPERLINK("http://evil")', (),
                              ["Maria"])])
    writer.commit()
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[1] == ["2", "already_imported", '\'=HYPERLINK("http://evil")', "", "Maria"]


def test_discarded_results_leave_nothing_behind(tmp_path: Path) -> None:
    writer = CsvResultsWriter(tmp_path / "r.csv", ["a"])
    writer.write(_rows()[:1])
    writer.discard()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("cell", ["x,=1+1", "x;=1+1", "x\t=1+1", "181,5"])
def test_a_cell_holding_any_separator_is_quoted_whatever_the_delimiter(
    tmp_path: Path, delimiter: str, cell: str
) -> None:
    target = tmp_path / "r.csv"
    writer = CsvResultsWriter(target, ["Notiz", "Vorname"], delimiter=delimiter)
    writer.write([FinishedRow(2, Status.VALID, None, (), [cell, "Maria"]),
                  FinishedRow(3, Status.VALID, None, (), ["plain", "Jürgen"])])
    writer.commit()
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    # the way LibreOffice reads it by default: split on , ; and tab, honouring quotes
    for line in lines:
        unquoted = re.sub(r'"(?:[^"]|"")*"', "", line)
        assert not set(unquoted) & ({",", ";", "\t"} - {delimiter})
    assert f'"{cell}"' in lines[1]
    assert lines[2] == delimiter.join(["3", "valid", "", "", "plain", "Jürgen"])
    rows = list(csv.reader(lines, delimiter=delimiter))
    assert rows[1][4:] == [cell, "Maria"]


@pytest.mark.parametrize(
    ("source", "delimiter", "results"),
    [
        ("praxis.csv", ";", "praxis.results.csv"),
        ("praxis.results.csv", ";", "praxis.results.csv"),
        ("praxis.RESULTS.csv", ";", "praxis.results.csv"),
        ("export.txt", "\t", "export.results.txt"),
        ("export.tsv", "\t", "export.results.tsv"),
        ("export.csv", "\t", "export.results.tsv"),
        ("export.txt", ";", "export.results.csv"),
        ("book.xlsx", None, "book.results.xlsx"),
        ("book.results.xlsx", None, "book.results.xlsx"),
    ],
)
def test_default_results_names(source: str, delimiter: str | None, results: str) -> None:
    from aniva_import.results import default_results_path

    kind = "xlsx" if source.endswith("xlsx") else "csv"
    assert default_results_path(Path("/d") / source, kind, delimiter) == Path("/d") / results
