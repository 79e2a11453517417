"""Tests for aniva_import.report: the run report, summary JSON and terminal summary."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import jsonschema

from aniva_import.problems import Problem, ProblemCode
from aniva_import.report import RunReport, render_summary, write_summary_json
from aniva_import.results import FinishedRow
from aniva_import.types import Status

ROOT = Path(__file__).resolve().parents[2]


def add(report: RunReport, status: Status, problems: tuple[Problem, ...]) -> None:
    """One finished row of ``status`` counted in the report."""
    row = problems[0].row if problems else report.last_row + 1
    report.add_rows([FinishedRow(row, status, None, problems, [])])


def test_summary_json_matches_its_schema_and_holds_no_cell_values(tmp_path: Path) -> None:
    report = RunReport(input=Path("in.csv"), mode="dry_run", results=Path("in.results.csv"),
                       input_format="csv", encoding="utf-8", delimiter=";",
                       started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                       finished_at=dt.datetime(2026, 1, 1, 0, 0, 2, tzinfo=dt.UTC))
    add(report, Status.VALID, ())
    add(report, Status.INVALID, (Problem(3, "Telefon", ProblemCode.INVALID_PHONE, "m", "phone"),))
    add(report, Status.DUPLICATE, (Problem(4, "", ProblemCode.DUPLICATE_ROW, "m"),))
    assert report.finish_exit_code() == 1
    path = tmp_path / "summary.json"
    write_summary_json(report, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "summary.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["rows"]["total"] == 3
    assert document["duration_seconds"] == 2.0
    assert document["problems"][0] == {"field": "phone", "column": "Telefon",
                                       "code": "invalid_phone", "count": 1}


def test_exit_code_zero_only_when_every_row_is_fine() -> None:
    report = RunReport(input=Path("x"), mode="dry_run")
    add(report, Status.VALID, ())
    assert report.finish_exit_code() == 0
    add(report, Status.UNKNOWN, ())
    assert report.finish_exit_code() == 1


def test_terminal_summary_counts_and_top_problems() -> None:
    report = RunReport(input=Path("p.csv"), mode="dry_run", results=Path("p.results.csv"),
                       input_format="csv", encoding="cp1252", delimiter=";",
                       unknown_columns=("Notiz",))
    for _ in range(3):
        problem = Problem(2, "Telefon", ProblemCode.PHONE_NEEDS_REGION, "m", "phone")
        add(report, Status.INVALID, (problem,))
    add(report, Status.VALID, ())
    text = render_summary(report)
    assert "Dry run of p.csv (csv, cp1252, semicolon-separated)" in text
    assert "4 rows: 1 valid, 3 invalid" in text
    assert "3 × Telefon: phone_needs_region" in text
    assert "Columns not imported (kept in the results file): Notiz" in text
    assert "Results: p.results.csv" in text


def test_problem_kinds_rank_by_count_then_field_order() -> None:
    report = RunReport(input=Path("p.csv"), mode="dry_run")
    add(report, Status.DUPLICATE, (Problem(9, "", ProblemCode.DUPLICATE_ROW, "m"),))
    add(report, Status.INVALID, (Problem(3, "Sprache", ProblemCode.UNSUPPORTED_LANGUAGE, "m",
                                        "language"),))
    add(report, Status.INVALID, (Problem(4, "Vorname", ProblemCode.REQUIRED, "m", "first_name"),))
    for row in (5, 6):
        problem = Problem(row, "Telefon", ProblemCode.INVALID_PHONE, "m", "phone")
        add(report, Status.INVALID, (problem,))
    codes = [code for (_f, _c, code), _n in report.ranked_problems()]
    assert codes == ["invalid_phone", "required", "unsupported_language", "duplicate_row"]
