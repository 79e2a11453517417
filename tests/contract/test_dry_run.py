"""The real CLI, dry run, on the sample files and on hostile input (exit codes, results)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from aniva_import.cli import main
from tests.conftest import ROOT, SAMPLES, CliResult, read_results_csv

Cli = Callable[..., CliResult]

# every patient-identifying value of the Berlin sample: none may reach the terminal
BERLIN_SECRETS = ["Maria", "Schmidt", "Müller", "mueller", "1234567", "22.03.1985",
                  "A123456789", "vormittags", "Yilmaz", "Fischer"]


@pytest.fixture
def berlin(tmp_path: Path) -> Path:
    target = tmp_path / "praxis-berlin.csv"
    shutil.copy(SAMPLES / "praxis-berlin.csv", target)
    return target


def test_berlin_sample_dry_run(cli: Cli, berlin: Path) -> None:
    summary = berlin.with_name("summary.json")
    result = cli("run", str(berlin), "--dry-run", "--group", "acme-clinic-berlin",
                 "--phone-region", "DE", "--summary-json", str(summary))
    assert result.code == 1, result.err
    results = berlin.with_name("praxis-berlin.results.csv")
    assert stat.S_IMODE(results.stat().st_mode) == 0o600
    rows = read_results_csv(results)
    assert list(rows[0])[:4] == ["row", "status", "profile_id", "errors"]
    assert list(rows[0])[4:] == ["Vorname", "Nachname", "Geburtsdatum", "Geschlecht", "E-Mail",
                                 "Telefon", "Größe (cm)", "Gewicht", "Sprache",
                                 "Versichertennr.", "Bemerkung"]
    status = {int(r["row"]): r["status"] for r in rows}
    assert status == {2: "valid", 3: "valid", 4: "valid", 5: "invalid", 6: "invalid",
                      7: "duplicate", 8: "invalid", 9: "invalid", 10: "invalid",
                      11: "valid", 12: "valid", 13: "valid"}
    errors = {int(r["row"]): r["errors"] for r in rows}
    assert "Geburtsdatum:" in errors[5]
    assert "[height_in_metres]" in errors[5]
    assert "E-Mail:" in errors[5]
    assert "[unsupported_language]" in errors[6]
    assert "Repeats row 2" in errors[7]
    assert "Vorname: This is required but empty. [required]" in errors[8]
    assert "[unsupported_sex]" in errors[8]
    assert "[date_in_future]" in errors[9]
    assert "[implausible_weight]" in errors[10]
    # original cells unchanged, the quoted line break kept inside its cell
    assert rows[10]["Bemerkung"] == "Termin:\nnur vormittags"
    assert rows[0]["Telefon"] == "030 1234567"
    assert rows[1]["Größe (cm)"] == "181,5"
    # terminal: counts and problems, never patient data
    assert "12 rows: 6 valid, 5 invalid, 1 duplicate" in result.out
    assert "Columns not imported (kept in the results file): Versichertennr., Bemerkung" in (
        result.out
    )
    for secret in BERLIN_SECRETS:
        assert secret not in result.out + result.err
    document = json.loads(summary.read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "summary.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["rows"]["valid"] == 6
    assert document["input"]["delimiter"] == ";"
    assert document["exit_code"] == 1
    assert "Maria" not in summary.read_text(encoding="utf-8")


def test_national_numbers_without_a_region_are_invalid_with_a_hint(
    cli: Cli, berlin: Path
) -> None:
    result = cli("run", str(berlin), "--dry-run", "--group", "acme-clinic-berlin")
    assert result.code == 1
    rows = read_results_csv(berlin.with_name("praxis-berlin.results.csv"))
    by_row = {int(r["row"]): r for r in rows}
    assert by_row[2]["status"] == "invalid"
    assert "[phone_needs_region]" in by_row[2]["errors"]
    assert by_row[4]["status"] == "valid"  # +49 … needs no region
    assert "Telefon: phone_needs_region" in result.out


def test_mapping_file_sets_group_and_region(cli: Cli, berlin: Path, tmp_path: Path) -> None:
    result = cli("run", str(berlin), "--dry-run", "--mapping",
                 str(SAMPLES / "praxis-berlin.mapping.toml"), "--results",
                 str(tmp_path / "out.csv"))
    assert result.code == 1, result.err
    rows = read_results_csv(tmp_path / "out.csv")
    assert [r["status"] for r in rows].count("valid") == 6


def test_helsinki_workbook_dry_run(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "helsinki-health.xlsx"
    shutil.copy(SAMPLES / "helsinki-health.xlsx", source)
    result = cli("run", str(source), "--dry-run", "--phone-region", "FI")
    assert result.code == 1, result.err
    target = tmp_path / "helsinki-health.results.xlsx"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["row", "status", "profile_id", "errors", "Etunimi"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    status = {row: values[1] for row, values in rows.items()}
    assert status == {2: "valid", 3: "valid", 4: "valid", 5: "invalid", 6: "invalid",
                      7: "invalid", 8: "duplicate", 9: "valid"}
    assert "[ambiguous_date]" in str(rows[5][3])
    assert "[required]" in str(rows[5][3])  # no group in its row, none given
    # a phone stored as a number keeps its digits; a date cell stays a date cell
    assert rows[2][9] == "358401234567"
    born = rows[2][6]
    assert isinstance(born, dt.datetime)
    assert born.date() == dt.date(1990, 4, 12)
    # the bad cells carry the message
    height_cell = sheet.cell(row=6, column=11)  # Laura: 1.68 m
    assert height_cell.comment is not None
    assert "height_in_metres" in height_cell.comment.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.csv", "--dry-run", "--group", "g"], "missing.csv"),
        (["run", "{berlin}", "--dry-run"], "--group"),
        (["run", "{berlin}", "--dry-run", "--group", "Not A Slug"], "not a valid group name"),
        (["run", "{berlin}", "--dry-run", "--group", "g", "--phone-region", "Germany"],
         "two-letter country code"),
        (["run", "{berlin}", "--dry-run", "--group", "g", "--mapping", "nope.toml"],
         "does not exist"),
        (["run", "{berlin}", "--dry-run", "--group", "g", "--results", "{berlin}"],
         "cannot be the input file"),
    ],
)
def test_nothing_done_exits_2_with_one_clear_sentence(
    cli: Cli, berlin: Path, args: list[str], message: str
) -> None:
    argv = [a.replace("{berlin}", str(berlin)) for a in args]
    result = cli(*argv)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert not berlin.with_name("praxis-berlin.results.csv").exists()


def test_missing_required_columns_exit_2_and_still_write_the_summary(
    cli: Cli, tmp_path: Path
) -> None:
    source = tmp_path / "list.csv"
    source.write_text("Vorname,Telefon\nMaria,030 1234567\n", encoding="utf-8")
    summary = tmp_path / "s.json"
    result = cli("run", str(source), "--dry-run", "--group", "g", "--summary-json", str(summary))
    assert result.code == 2
    assert "no column for: last name" in result.err
    assert "'Vorname', 'Telefon'" in result.err
    document = json.loads(summary.read_text(encoding="utf-8"))
    assert document["outcome"] == "not_started"
    assert document["exit_code"] == 2


def test_all_rows_fine_exits_0(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "ok.csv"
    source.write_text("First name,Last name,DOB,Group\nAna,Lee,1990-01-02,demo-clinic\n",
                      encoding="utf-8")
    result = cli("run", str(source), "--dry-run")
    assert result.code == 0, result.err
    rows = read_results_csv(tmp_path / "ok.results.csv", delimiter=",")
    assert [(r["row"], r["status"]) for r in rows] == [("2", "valid")]


def _edit_weight(results: Path, row: str, weight: str) -> None:
    """What a clinic does in its spreadsheet program: change one cell, save as CSV."""
    text = results.read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    for record in records:
        if record[0] == row:
            record[records[0].index("Gewicht")] = weight
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(records)
    results.write_text(out.getvalue(), encoding="utf-8-sig")


def test_fix_and_rerun_from_the_results_file(cli: Cli, berlin: Path) -> None:
    options = ("--dry-run", "--group", "acme-clinic-berlin", "--phone-region", "DE")
    assert cli("run", str(berlin), *options).code == 1
    results = berlin.with_name("praxis-berlin.results.csv")
    # an unchanged results file is ours to replace
    assert cli("run", str(berlin), *options).code == 1
    _edit_weight(results, "10", "61")  # the clinic fixes row 10 in the results file
    edited = results.read_bytes()
    # running the original again would lose the edit: refused, with what to run instead
    again = cli("run", str(berlin), *options)
    assert again.code == 2
    assert "was changed after aniva-import wrote it" in again.err
    assert f"aniva-import run {results}" in again.err
    assert results.read_bytes() == edited
    # the edited results file goes in; its results replace it under the same name
    result = cli("run", str(results), *options)
    assert sorted(p.name for p in berlin.parent.iterdir() if "results" in p.name) == [
        "praxis-berlin.results.csv"
    ]
    rows = read_results_csv(results)
    assert list(rows[0])[:5] == ["row", "status", "profile_id", "errors", "Vorname"]
    assert "row" not in list(rows[0])[4:]  # the old result columns are not repeated
    assert {int(r["row"]): r["status"] for r in rows}[10] == "valid"
    assert {int(r["row"]): r["Gewicht"] for r in rows}[10] == "61"  # the edit is kept
    assert "12 rows: 7 valid" in result.out
    # and --overwrite replaces even an edited file
    _edit_weight(results, "10", "62")
    assert cli("run", str(berlin), *options, "--overwrite").code == 1
    assert {int(r["row"]): r["Gewicht"] for r in read_results_csv(results)}[10] == "0"


def test_a_file_that_is_not_ours_is_never_overwritten(cli: Cli, berlin: Path) -> None:
    important = berlin.with_name("important.xlsx")
    important.write_bytes(b"PK\x03\x04 two sheets of someone's work")
    options = ("--dry-run", "--group", "acme-clinic-berlin", "--phone-region", "DE")
    refused = cli("run", str(berlin), *options, "--results", str(important))
    assert refused.code == 2
    assert "is not a results file of aniva-import" in refused.err
    assert "--overwrite" in refused.err
    assert important.read_bytes().startswith(b"PK\x03\x04 two sheets")
    assert cli("run", str(berlin), *options, "--results", str(important),
               "--overwrite").code == 1
    assert important.read_bytes() != b"PK\x03\x04 two sheets of someone's work"


def test_formula_cells_are_neutralised_in_csv_results(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "evil.csv"
    source.write_text('Vorname,Nachname,Notiz\n=HYPERLINK("http://x"),Lee,@SUM(1)\n',
                      encoding="utf-8")
    cli("run", str(source), "--dry-run", "--group", "demo-clinic")
    rows = read_results_csv(tmp_path / "evil.results.csv", delimiter=",")
    assert rows[0]["Vorname"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["Notiz"] == "'@SUM(1)"


def test_an_import_without_a_key_is_refused_before_anything_is_done(
    cli: Cli, berlin: Path
) -> None:
    result = cli("run", str(berlin), "--group", "demo-clinic")
    assert result.code == 2
    assert "No API key" in result.err
    assert "--dry-run" in result.err
    assert not (berlin.parent / "praxis-berlin.results.csv").exists()


def test_a_plain_http_api_is_refused_before_anything_is_sent(cli: Cli, berlin: Path) -> None:
    result = cli("run", str(berlin), "--group", "demo-clinic",
                 "--api-url", "http://anivahealth.example/api/v1",
                 env={"ANIVA_API_KEY": "sk-secret-value"})
    assert result.code == 2
    assert "https" in result.err
    assert "sk-secret-value" not in result.out + result.err
    assert not (berlin.parent / "praxis-berlin.results.csv").exists()


def test_help_does_not_import_pandas() -> None:
    code = (
        "import sys\n"
        "from aniva_import.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('pandas' in sys.modules, 'pandera' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "False False"
    assert "--phone-region" in done.stdout
    assert "--summary-json" in done.stdout


def test_python_dash_m_runs_the_cli(berlin: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aniva_import", "run", str(berlin), "--dry-run",
         "--group", "acme-clinic-berlin", "--phone-region", "DE"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "12 rows" in done.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "photo.csv"),
        ("broken.xlsx", b"PK\x03\x04 this is not really a workbook", "broken.xlsx"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
         + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 600, "password"),
    ],
)
def test_hostile_files_exit_2_with_one_sentence(
    cli: Cli, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    result = cli("run", str(source), "--dry-run", "--group", "demo-clinic")
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert result.err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no results file, no leftovers


def test_sheet_option_picks_the_worksheet(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["nothing", "here"])
    second = book.create_sheet("Patienten")
    second.append(["Vorname", "Nachname", "Geburtsdatum"])
    second.append(["Maria", "Schmidt", dt.date(1985, 3, 22)])
    book.save(source)
    assert cli("run", str(source), "--dry-run", "--group", "g").code == 2  # first sheet
    result = cli("run", str(source), "--dry-run", "--group", "g", "--sheet", "Patienten")
    assert result.code == 0, result.err
    assert "(xlsx, sheet 2)" in result.out  # by position: sheet names can be patients'
    assert "Patienten" not in result.out
    missing = cli("run", str(source), "--dry-run", "--group", "g", "--sheet", "Daten")
    assert missing.code == 2
    assert "Patienten" not in missing.err
    assert "Daten" not in missing.err
    assert "1 to 2" in missing.err  # counts them: --sheet takes a position too


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("First name,Last name\n" + "A,B\n" * 50, encoding="utf-8")
    out, err = _Tty(), _Tty()
    code = main(["run", str(source), "--dry-run", "--group", "g"], stdout=out, stderr=err,
                environ={})
    assert code == 1  # the 49 repeated rows are duplicates
    assert "rows" in err.getvalue()  # tqdm drew on the terminal
    # ... without its monitor thread (worker processes fork best from a lone thread)
    assert not [t for t in threading.enumerate() if type(t).__name__ == "TMonitor"]
    quiet_err = io.StringIO()
    main(["run", str(source), "--dry-run", "--group", "g"], stdout=io.StringIO(),
         stderr=quiet_err, environ={})
    assert quiet_err.getvalue() == ""


def test_a_file_without_a_header_row_never_echoes_its_first_row(
    cli: Cli, tmp_path: Path
) -> None:
    source = tmp_path / "nohdr.csv"
    source.write_text("Anna,Schmidt,1985-01-02,anna@example.com\nBo,Lee,1990-02-03,b@x.de\n",
                      encoding="utf-8")
    summary = tmp_path / "s.json"
    result = cli("run", str(source), "--dry-run", "--group", "demo-clinic",
                 "--summary-json", str(summary))
    assert result.code == 2
    assert "add a header row" in result.err
    for secret in ("Anna", "Schmidt", "1985", "anna@"):
        assert secret not in result.err
        assert secret not in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--summary-json", "{input}"], "cannot be the input file"),
        (["--results", "{tmp}/missing/out.csv"], "does not exist"),
        (["--results", "{tmp}"], "is a folder"),
        (["--summary-json", "{tmp}/missing/s.json"], "does not exist"),
        (["--results", "{tmp}/same.json", "--summary-json", "{tmp}/same.json"], "same file"),
        (["--results", "{tmp}/out.ods"], "as .csv or .xlsx"),
    ],
)
def test_bad_outputs_are_refused_before_anything_is_written(
    cli: Cli, berlin: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    before = berlin.read_bytes()
    argv = [a.replace("{input}", str(berlin)).replace("{tmp}", str(tmp_path)) for a in extra]
    result = cli("run", str(berlin), "--dry-run", "--group", "acme-clinic-berlin", *argv)
    assert result.code == 2
    assert message in result.err
    assert "internal error" not in result.err
    assert berlin.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["praxis-berlin.csv"]


class _ClosedPipe(io.StringIO):
    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise BrokenPipeError


def test_a_closed_pipe_keeps_the_exit_code(berlin: Path) -> None:
    code = main(["run", str(berlin), "--dry-run", "--group", "acme-clinic-berlin"],
                stdout=_ClosedPipe(), stderr=io.StringIO(), environ={})
    assert code == 1  # rows need attention, whether or not anyone read the summary


def test_summary_cannot_take_the_default_results_path(cli: Cli, berlin: Path) -> None:
    target = berlin.with_name("praxis-berlin.results.csv")
    result = cli("run", str(berlin), "--dry-run", "--group", "acme-clinic-berlin",
                 "--summary-json", str(target))
    assert result.code == 2
    assert "same file" in result.err
    assert not target.exists()


def test_a_summary_replaces_only_an_earlier_summary(cli: Cli, berlin: Path) -> None:
    summary = berlin.with_name("run.json")
    args = ("run", str(berlin), "--dry-run", "--group", "acme-clinic-berlin",
            "--summary-json", str(summary), "--no-progress")
    assert cli(*args).code == 1
    first = json.loads(summary.read_text(encoding="utf-8"))
    assert first["tool"] == "aniva-import"
    assert cli(*args).code == 1  # our own summary of the last run: replaced
    assert json.loads(summary.read_text(encoding="utf-8"))["started_at"] != first["started_at"]

    precious = berlin.with_name("precious.json")
    precious.write_text('{"mine": true}\n', encoding="utf-8")
    refused = cli("run", str(berlin), "--dry-run", "--group", "acme-clinic-berlin",
                  "--summary-json", str(precious), "--no-progress")
    assert refused.code == 2
    assert "not a summary written by aniva-import" in refused.err
    assert precious.read_text(encoding="utf-8") == '{"mine": true}\n'
    forced = cli("run", str(berlin), "--dry-run", "--group", "acme-clinic-berlin",
                 "--summary-json", str(precious), "--no-progress", "--overwrite")
    assert forced.code == 1
    assert json.loads(precious.read_text(encoding="utf-8"))["tool"] == "aniva-import"


def test_a_mappings_sheet_is_ignored_for_csv_but_sheet_option_is_not(
    cli: Cli, tmp_path: Path
) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[conventions]\nsheet = "Patienten"\ngroup = "demo-clinic"\n',
                       encoding="utf-8")
    source = tmp_path / "s.csv"
    source.write_text("Vorname,Nachname\nAna,Lee\n", encoding="utf-8")
    assert cli("run", str(source), "--dry-run", "--mapping", str(mapping)).code == 0
    explicit = cli("run", str(source), "--dry-run", "--mapping", str(mapping),
                   "--sheet", "Patienten")
    assert explicit.code == 2
    assert "no sheets" in explicit.err


def test_an_unknown_phone_region_is_refused_up_front(cli: Cli, berlin: Path) -> None:
    result = cli("run", str(berlin), "--dry-run", "--group", "g", "--phone-region", "XX")
    assert result.code == 2
    assert "'XX'" in result.err


def test_a_cell_too_long_for_excel_names_its_row_and_suggests_csv(
    cli: Cli, tmp_path: Path
) -> None:
    source = tmp_path / "list.csv"
    lines = ["First name,Last name,DOB,Note"] + [
        f"A{i},B{i},1980-01-0{1 + i % 9},{'x' * 40_000 if i == 3 else 'ok'}" for i in range(6)
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("run", str(source), "--dry-run", "--group", "g",
                 "--results", str(tmp_path / "out.xlsx"))
    assert result.code == 2
    assert "Row 5 has a cell longer than Excel's 32,767 characters" in result.err
    assert "--results FILE.csv" in result.err
    assert not (tmp_path / "out.xlsx").exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left behind


def test_a_failed_formula_in_a_workbook_is_reported_not_left_out(cli: Cli, tmp_path: Path) -> None:
    """calamine reads an error cell (#N/A) as empty: the phone would silently go
    missing.  It is reported instead, and the results file shows the #N/A."""
    source = tmp_path / "list.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["First name", "Last name", "DOB", "Phone"])
    sheet.append(["Ana", "Lee", dt.date(1990, 1, 2), "030 1234567"])
    sheet.append(["Bo", "Kim", dt.date(1990, 1, 3), None])
    sheet["D3"].value, sheet["D3"].data_type = "#N/A", "e"
    book.save(source)
    result = cli("run", str(source), "--dry-run", "--group", "g", "--phone-region", "DE")
    assert result.code == 1, result.err
    assert "1 × Phone: spreadsheet_error" in result.out
    results = openpyxl.load_workbook(tmp_path / "list.results.xlsx").active
    assert results is not None
    row = [c.value for c in results[3]]
    assert row[:2] == [3, "invalid"]
    assert "spreadsheet error #N/A" in str(row[3])
    assert row[7] == "#N/A"
    assert results["H3"].comment is not None


def test_failed_formulas_in_a_libreoffice_workbook_are_reported(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "patienten.xlsx"
    shutil.copy(Path(__file__).parents[1] / "data" / "libreoffice-formula-errors.xlsx", source)
    result = cli("run", str(source), "--dry-run", "--group", "g", "--phone-region", "DE",
                 "--results", str(tmp_path / "out.csv"))
    assert result.code == 1, result.err
    rows = read_results_csv(tmp_path / "out.csv", delimiter=",")
    errors = {int(r["row"]): r["errors"] for r in rows}
    assert "Vorname: This cell shows the spreadsheet error #N/A" in errors[3]
    assert "[required]" not in errors[3]  # not mistaken for an empty first name
    assert "Telefon: This cell shows the spreadsheet error #VALUE!" in errors[4]
    assert "Gewicht: This cell shows the spreadsheet error #DIV/0!" in errors[5]
    assert [r["status"] for r in rows] == ["valid", "invalid", "invalid", "invalid"]
    assert rows[1]["Vorname"] == "#N/A"  # the results show what the spreadsheet shows
