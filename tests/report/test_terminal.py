"""The terminal summary: first rows per problem kind, the option that fixes a kind, the
notes, and the next step — never a cell value."""

from __future__ import annotations

from pathlib import Path

from aniva_import.problems import Problem, ProblemCode
from aniva_import.report import RunReport, render_summary
from aniva_import.results import FinishedRow
from aniva_import.types import Status


def _report(mode: str = "dry_run") -> RunReport:
    return RunReport(input=Path("p.csv"), mode=mode, results=Path("p.results.csv"),
                     input_format="csv", encoding="utf-8", delimiter=";")


def _invalid(report: RunReport, row: int, code: ProblemCode, column: str, field: str) -> None:
    problem = Problem(row, column, code, "Secret-free message.", field)
    report.add_rows([FinishedRow(row, Status.INVALID, None, (problem,), ["Maria"])])


def test_each_problem_kind_names_its_first_rows_and_the_option_that_fixes_it() -> None:
    report = _report()
    for row in (4, 7, 9, 12, 15):
        _invalid(report, row, ProblemCode.PHONE_NEEDS_REGION, "Telefon", "phone")
    _invalid(report, 20, ProblemCode.AMBIGUOUS_DATE, "Geburtsdatum", "date_of_birth")
    _invalid(report, 21, ProblemCode.REQUIRED, "profile group", "profile_group_slug")
    _invalid(report, 22, ProblemCode.INVALID_EMAIL, "E-Mail", "email")
    text = render_summary(report)
    assert "5 × Telefon: phone_needs_region (rows 4, 7, 9, …) — run with --phone-region" in text
    assert "Geburtsdatum: ambiguous_date (row 20) — set date_order" in text
    assert "profile group: required (row 21) — run with --group SLUG" in text
    assert "E-Mail: invalid_email (row 22)\n" in text  # fixed cell by cell: no option
    assert "Maria" not in text


def test_the_summary_ends_with_the_next_step() -> None:
    report = _report()
    _invalid(report, 3, ProblemCode.INVALID_EMAIL, "E-Mail", "email")
    report.finish_exit_code()
    last = render_summary(report).splitlines()[-2:]
    assert last[0] == "  Next: open p.results.csv and fix the cells each row's errors column names;"
    assert "aniva-import run p.results.csv --dry-run" in last[1]
    clean = _report()
    clean.add_rows([FinishedRow(2, Status.VALID, None, (), ["x"])])
    clean.finish_exit_code()
    assert "same command without --dry-run" in render_summary(clean).splitlines()[-1]
    live = _report("import")
    live.add_rows([FinishedRow(2, Status.CREATED, "p1", (), ["x"])])
    live.finish_exit_code()
    assert render_summary(live).splitlines()[-1] == "  Done: every row is in Aniva."


def test_unknown_rows_are_told_how_to_settle_not_to_fix_cells() -> None:
    problem = Problem(4, "", ProblemCode.OUTCOME_UNKNOWN, "Secret-free message.", None)
    only_unknown = _report("import")
    only_unknown.add_rows([FinishedRow(2, Status.CREATED, "p1", (), ["x"]),
                           FinishedRow(4, Status.UNKNOWN, None, (problem,), ["x"])])
    only_unknown.finish_exit_code()
    text = render_summary(only_unknown)
    assert "Check: 1 row is unknown: the API may have created them." in text
    assert "aniva-import resolve p.csv --row N --created-as PROFILE_ID" in text
    assert "fix the cells" not in text  # nothing in the cells is wrong
    both = _report("import")
    both.add_rows([FinishedRow(4, Status.UNKNOWN, None, (problem,), ["x"]),
                   FinishedRow(5, Status.UNKNOWN, None, (problem,), ["x"])])
    _invalid(both, 6, ProblemCode.INVALID_EMAIL, "E-Mail", "email")
    both.finish_exit_code()
    text = render_summary(both)
    assert "Next: open p.results.csv and fix the cells" in text
    assert "Check: 2 rows are unknown" in text


def test_notes_are_said_in_the_summary() -> None:
    report = _report()
    report.notes.append("Phone numbers are taken from 'Mobil'; rows without one use 'Telefon'.")
    assert "  Note: Phone numbers are taken from 'Mobil'" in render_summary(report)
