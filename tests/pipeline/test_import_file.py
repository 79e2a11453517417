"""The pipeline as a library: settings in, report out; chunks, workers, interrupts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from aniva_import import ApiKey
from aniva_import.errors import Interrupted
from aniva_import.pipeline import ProcessExecutor, Progressed, import_file
from aniva_import.pipeline.executor import EARLY_START_BYTES
from aniva_import.settings import Settings
from aniva_import.testing import SandboxServer
from tests.conftest import read_results_csv

FIXED_NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return FIXED_NOW


def write_list(path: Path, rows: int, *, bad_every: int = 0) -> None:
    lines = ["Vorname;Nachname;Geburtsdatum;Telefon;Gewicht"]
    for i in range(rows):
        weight = "0" if bad_every and i % bad_every == 0 else "70,5"
        lines.append(f"Vor{i};Nach{i};{1 + i % 28:02d}.03.1980;030 {1000000 + i};{weight}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("workers", [1, 2])
def test_chunks_and_workers_give_the_same_results(tmp_path: Path, workers: int) -> None:
    source = tmp_path / "list.csv"
    write_list(source, 230, bad_every=7)
    seen: list[int] = []
    report = import_file(
        Settings(input=source, dry_run=True, group="demo-clinic", phone_region="DE",
                 chunk_rows=50, workers=workers, results=tmp_path / "out.csv"),
        clock=clock, progress=lambda step: seen.append(step.rows) if step.rows else None,
    )
    assert sum(seen) == 230
    assert len(seen) == 5  # one call per chunk
    rows = read_results_csv(tmp_path / "out.csv")
    assert [int(r["row"]) for r in rows] == list(range(2, 232))
    invalid = {int(r["row"]) for r in rows if r["status"] == "invalid"}
    assert invalid == {i + 2 for i in range(0, 230, 7)}
    assert report.counts["valid"] == 230 - len(invalid)
    assert report.exit_code == 1


def test_duplicates_are_found_across_chunks(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    lines = ["First name,Last name,DOB"] + [f"A{i},B{i},1980-01-0{1 + i % 9}" for i in range(40)]
    lines.append("a0 , B0,1980-01-01")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(Settings(input=source, dry_run=True, group="g", chunk_rows=8),
                         clock=clock)
    rows = read_results_csv(tmp_path / "list.results.csv", delimiter=",")
    assert rows[-1]["status"] == "duplicate"
    assert "Repeats row 2 " in rows[-1]["errors"]
    assert report.counts["duplicate"] == 1


def test_date_order_is_inferred_from_the_whole_column(tmp_path: Path) -> None:
    source = tmp_path / "us.csv"
    # the only decisive value (day 25 in second place) comes last, in another chunk
    lines = ["First name,Last name,DOB"] + [f"A{i},B{i},03/04/19{50 + i}" for i in range(30)]
    lines.append("Z,Y,12/25/1990")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(Settings(input=source, dry_run=True, group="g", chunk_rows=10),
                         clock=clock)
    assert report.counts["valid"] == 31
    assert report.exit_code == 0


def test_today_comes_from_the_injected_clock(tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("First name,Last name,DOB\nA,B,2026-11-24\nC,D,2026-11-25\n",
                      encoding="utf-8")
    import_file(Settings(input=source, dry_run=True, group="g"), clock=clock)
    rows = read_results_csv(tmp_path / "x.results.csv", delimiter=",")
    assert [r["status"] for r in rows] == ["valid", "invalid"]
    assert "[date_in_future]" in rows[1]["errors"]


def test_interrupt_lists_every_remaining_row_as_not_sent(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    write_list(source, 120)
    calls = 0

    def interrupt_after_first_chunk(step: Progressed) -> None:
        nonlocal calls
        calls += step.rows > 0
        if calls == 2 and step.stage == "checking":
            raise KeyboardInterrupt

    summary = tmp_path / "s.json"
    with pytest.raises(Interrupted):
        import_file(
            Settings(input=source, dry_run=True, group="demo-clinic", phone_region="DE",
                     chunk_rows=50, summary_json=summary),
            clock=clock, progress=interrupt_after_first_chunk,
        )
    rows = read_results_csv(tmp_path / "list.results.csv")
    assert [int(r["row"]) for r in rows] == list(range(2, 122))  # no row lost
    statuses = [r["status"] for r in rows]
    assert statuses[:100] == ["valid"] * 100  # two chunks were written
    assert statuses[100:] == ["not_sent"] * 20
    assert "[interrupted]" in rows[-1]["errors"]
    assert '"outcome": "interrupted"' in summary.read_text(encoding="utf-8")


def test_a_header_only_file_gives_an_empty_results_file(tmp_path: Path) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("Vorname;Nachname\n", encoding="utf-8")
    report = import_file(Settings(input=source, dry_run=True, group="g"), clock=clock)
    assert report.total == 0
    assert report.exit_code == 0
    assert read_results_csv(tmp_path / "empty.results.csv") == []


def test_conflicting_slash_dates_leave_only_unambiguous_ones_valid(tmp_path: Path) -> None:
    source = tmp_path / "mixed.csv"
    lines = ["First name,Last name,DOB", "A,B,25/12/1990", "C,D,03/04/1985"]
    lines += [f"E{i},F{i},01/01/1970" for i in range(25)]  # same day and month: fine
    lines.append("G,H,12/25/1990")  # the other order, in a later chunk
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[int] = []
    report = import_file(Settings(input=source, dry_run=True, group="g", chunk_rows=10),
                         clock=clock,
                         progress=lambda step: seen.append(step.rows) if step.rows else None)
    # the order is settled over the whole column before any row is checked: each row is
    # checked once, and the progress only ever goes forward
    assert all(rows > 0 for rows in seen)
    assert sum(seen) == 28
    rows = read_results_csv(tmp_path / "mixed.results.csv", delimiter=",")
    by_row = {int(r["row"]): r for r in rows}
    assert len(rows) == 28
    assert "[ambiguous_date]" in by_row[3]["errors"]  # 03/04/1985 cannot be read safely
    # a value that can only be read one way is still read, whatever the column says
    assert by_row[2]["status"] == by_row[28]["status"] == "valid"
    assert report.counts["invalid"] == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_xlsx_results_rendered_in_workers_keep_rows_notes_and_duplicates(
    tmp_path: Path, workers: int
) -> None:
    import openpyxl

    source = tmp_path / "list.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vorname", "Nachname", "Geburtsdatum", "Gewicht"])
    for i in range(60):
        weight = "0" if i % 9 == 0 else "70,5"
        sheet.append([f"Vor{i}", f"Nach{i}", dt.date(1980, 1, 1 + i % 28), weight])
        if i == 30:
            sheet.append([None, None, None, None])  # a blank row: skipped, numbering kept
    sheet.append(["Vor1", "Nach1", dt.date(1980, 1, 2), "70,5"])  # repeats spreadsheet row 3
    book.save(source)
    report = import_file(
        Settings(input=source, dry_run=True, group="g", chunk_rows=16, workers=workers),
        clock=clock,
    )
    results = openpyxl.load_workbook(tmp_path / "list.results.xlsx").active
    assert results is not None
    values = list(results.iter_rows(min_row=2, values_only=True))
    assert [v[0] for v in values] == [*range(2, 33), *range(34, 64)]
    by_row = {v[0]: v for v in values}
    assert by_row[63][1] == "duplicate"
    assert "Repeats row 3 " in str(by_row[63][3])
    invalid = {v[0] for v in values if v[1] == "invalid"}
    assert invalid == {i + 2 + (i > 30) for i in range(0, 60, 9)}
    assert report.counts["duplicate"] == 1
    # every invalid weight cell, and only those, carries its note, on its own sheet row
    noted = {cell.row for row in results.iter_rows(min_row=2) for cell in row if cell.comment}
    sheet_rows = {i + 2 for i, v in enumerate(values) if v[1] == "invalid"}
    assert noted == sheet_rows
    for sheet_row in sheet_rows:
        note = results.cell(sheet_row, 8).comment
        assert note is not None
        assert "implausible_weight" in note.text


def test_large_files_start_their_workers_early_with_the_same_results(tmp_path: Path) -> None:
    from aniva_import.pipeline.executor import EARLY_START_BYTES

    source = tmp_path / "big.csv"
    write_list(source, 30_000, bad_every=11)
    assert source.stat().st_size >= EARLY_START_BYTES
    outputs = []
    for workers in (1, 2):
        results = tmp_path / f"out{workers}.csv"
        report = import_file(
            Settings(input=source, dry_run=True, group="demo-clinic", phone_region="DE",
                     workers=workers, results=results),
            clock=clock,
        )
        outputs.append((results.read_bytes(), dict(report.counts)))
    assert outputs[0] == outputs[1]
    assert outputs[0][1]["invalid"] == len(range(0, 30_000, 11))


def _write_book(path: Path, rows: int) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vorname", "Nachname", "Geburtsdatum", "Gewicht"])
    for i in range(rows):
        sheet.append([f"Vor{i}", f"Nach{i}", dt.date(1980, 1, 1 + i % 28),
                      "0" if i % 13 == 0 else 70.5])
    book.save(path)


def _sheet_values(path: Path) -> list[tuple[object, ...]]:
    import openpyxl

    sheet = openpyxl.load_workbook(path, read_only=True).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


class _EarlyStart(ProcessExecutor):
    """Workers started before the file is opened, however small it is."""

    def prepare(self, warm_up: Callable[[], object], size: int) -> None:
        super().prepare(warm_up, EARLY_START_BYTES)


def test_workbooks_give_the_same_results_with_workers_started_early(tmp_path: Path) -> None:
    """Workers started before a workbook is opened (a large one) give exactly the
    results of one process, and the collector is not left frozen after the fork."""
    import gc

    source = tmp_path / "list.xlsx"
    _write_book(source, 200)
    values = []
    for workers in (1, 2):
        results = tmp_path / f"out{workers}.xlsx"
        executor = _EarlyStart(workers)
        report = import_file(
            Settings(input=source, dry_run=True, group="g", chunk_rows=40, workers=workers,
                     results=results),
            clock=clock, executor=executor,
        )
        assert report.counts["invalid"] == len(range(0, 200, 13))
        values.append(_sheet_values(results))
    assert values[0] == values[1]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_damaged_workbook_is_refused_with_its_sentence_when_workers_started_early(
    tmp_path: Path,
) -> None:
    from aniva_import.errors import InputError
    from aniva_import.pipeline.executor import EARLY_START_BYTES

    source = tmp_path / "list.xlsx"
    source.write_bytes(b"PK\x03\x04 this is not really a zip" + b"\0" * EARLY_START_BYTES)
    with pytest.raises(InputError, match=r"list\.xlsx is not a valid Excel file"):
        import_file(Settings(input=source, dry_run=True, group="g", workers=2), clock=clock)
    assert not (tmp_path / "list.results.xlsx").exists()


@pytest.mark.parametrize(
    ("rows", "workers", "expected"),
    [
        (None, 2, 10_000),  # a text file: its length is not known in advance
        (50_000, 1, 10_000),
        (8_000, 2, 10_000),  # one chunk: nothing to balance
        (50_000, 2, 8_334),  # 6 chunks, 3 for each worker (10,000 would leave 5)
        (40_000, 2, 10_000),  # already even
        (10_001, 2, 5_001),
        (1_000_000, 2, 10_000),
    ],
)
def test_workbook_chunks_divide_evenly_between_the_workers(
    rows: int | None, workers: int, expected: int
) -> None:
    from aniva_import.pipeline import executor_for

    size = executor_for(workers).chunk_size(10_000, rows)
    assert size == expected
    if rows is not None and rows > 10_000 and workers == 2:
        assert size <= 10_000
        assert (-(-rows // size)) % workers == 0


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_ctrl_c_while_a_chunk_is_written_takes_effect_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """A real SIGINT arriving just after a chunk's rows reach the file, before they are
    counted: the chunk still counts, so no row is listed twice or lost."""
    import signal

    from aniva_import.results.csv import CsvResultsWriter
    from aniva_import.results.xlsx import XlsxResultsWriter

    writer_class = CsvResultsWriter if suffix == "csv" else XlsxResultsWriter
    write = writer_class.write
    calls = 0

    def interrupted_write(self: object, rows: object) -> None:
        nonlocal calls
        write(self, rows)  # type: ignore[arg-type]
        calls += 1
        if calls == 2:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(writer_class, "write", interrupted_write)
    source = tmp_path / "list.csv"
    write_list(source, 120)
    target = tmp_path / f"out.{suffix}"
    with pytest.raises(Interrupted):
        import_file(
            Settings(input=source, dry_run=True, group="demo-clinic", phone_region="DE",
                     chunk_rows=50, results=target),
            clock=clock,
        )
    if suffix == "csv":
        listed = [(int(r["row"]), r["status"]) for r in read_results_csv(target)]
    else:
        listed = [(int(str(v[0])), str(v[1])) for v in _sheet_values(target)[1:]]
    assert [row for row, _ in listed] == list(range(2, 122))  # each row once, none lost
    assert [status for _, status in listed] == ["valid"] * 100 + ["not_sent"] * 20
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_ctrl_c_while_the_results_file_is_committed_keeps_the_finished_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    from aniva_import.results.xlsx import XlsxResultsWriter

    commit = XlsxResultsWriter.commit

    def interrupted_commit(self: XlsxResultsWriter) -> None:
        signal.raise_signal(signal.SIGINT)
        commit(self)

    monkeypatch.setattr(XlsxResultsWriter, "commit", interrupted_commit)
    source = tmp_path / "list.csv"
    write_list(source, 30)
    target = tmp_path / "out.xlsx"
    with pytest.raises(Interrupted):
        import_file(Settings(input=source, dry_run=True, group="demo-clinic", phone_region="DE",
                             results=target), clock=clock)
    assert [v[1] for v in _sheet_values(target)[1:]] == ["valid"] * 30


def test_a_ctrl_c_before_the_file_is_read_says_there_is_no_results_file(tmp_path: Path) -> None:
    import json

    from aniva_import.pipeline import InProcessExecutor

    class InterruptedAtOnce(InProcessExecutor):
        def prepare(self, warm_up: object, size: int) -> None:
            raise KeyboardInterrupt  # the user presses Ctrl-C as the run starts

    source = tmp_path / "list.csv"
    write_list(source, 10)
    summary = tmp_path / "s.json"
    with pytest.raises(Interrupted, match="before the results file could be written"):
        import_file(Settings(input=source, dry_run=True, group="g", summary_json=summary),
                    clock=clock, executor=InterruptedAtOnce())
    assert not (tmp_path / "list.results.csv").exists()
    document = json.loads(summary.read_text(encoding="utf-8"))
    assert (document["outcome"], document["exit_code"]) == ("interrupted", 130)
    assert document["results_file"] is None


def test_a_ctrl_c_while_a_workbook_opens_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C while the workbook is parsed (in a process of its own, killed at once:
    tests/load/test_isolation.py) stops the run; the summary says no results file was
    written."""
    from aniva_import.pipeline import run

    def interrupted_open(path: Path, **_options: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "open_table", interrupted_open)
    with pytest.raises(Interrupted, match="before the results file"):
        import_file(Settings(input=tmp_path / "big.xlsx", dry_run=True, group="g"), clock=clock)


def test_progress_says_what_happens_with_a_total_and_stopping_at_once(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    write_list(source, 300)
    steps: list[Progressed] = []
    import_file(Settings(input=source, dry_run=True, group="demo-clinic", phone_region="DE",
                         chunk_rows=100), clock=clock, progress=steps.append)
    assert steps[0].stage == "opening"
    checking = [s for s in steps if s.stage == "checking" and s.rows]
    assert [s.rows for s in checking] == [100, 100, 100]
    totals = [s.total for s in checking]
    assert all(t is not None and 250 <= t <= 360 for t in totals), totals  # from the size
    stages: list[str] = []

    def interrupt(step: Progressed) -> None:
        stages.append(step.stage)
        if step.rows:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        import_file(Settings(input=source, dry_run=True, group="demo-clinic", phone_region="DE",
                             chunk_rows=100, overwrite=True), clock=clock, progress=interrupt)
    assert stages[-1] == "stopping"  # said before the results file is finished


def test_a_live_run_s_progress_moves_while_a_chunk_is_sent(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """One chunk of 120 rows, sent in batches of 40: the bar hears the rows as their
    outcomes reach the ledger, with the sender's figures, not only once the chunk is
    written; every row is counted once."""
    source = tmp_path / "list.csv"
    write_list(source, 120, bad_every=10)  # 12 invalid rows: never sent
    steps: list[Progressed] = []
    report = import_file(
        Settings(input=source, group="demo-clinic", phone_region="DE", chunk_rows=1000,
                 send_batch_rows=40, api_url=sandbox.base_url,
                 api_key=ApiKey(sandbox.full_key), state=tmp_path / "ledger.sqlite3"),
        clock=clock, progress=steps.append,
    )
    assert report.counts["created"] == 108
    sending = [s for s in steps if s.stage == "sending" and s.rows]
    assert len(sending) >= 108 // 25  # every few rows, not once per chunk
    assert sending[-1].pending == {"created": 108}
    assert [sum(s.pending.values()) for s in sending] == sorted(
        sum(s.pending.values()) for s in sending)  # growing within the chunk
    assert all(s.report.sending is not None and s.report.sending.requests > 0
               and s.report.sending.achieved_rate > 0 for s in sending)
    assert sum(s.rows for s in steps) == 120  # the rows sent, then the rest when written
    assert steps[-1].stage == "checking"
    assert steps[-1].rows == 12
    assert steps[-1].pending == {}


def test_a_formula_without_a_saved_value_makes_its_row_invalid_never_empty(
    tmp_path: Path,
) -> None:
    """A workbook written by openpyxl holds ``<f>`` without ``<v>``: the cells were read
    as empty and the rows were ``valid`` (the e-mail or the date of birth left out)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["First name", "Last name", "Date of birth", "Email", "Notes"])
    sheet.append(["Anna", "Form", "1980-01-01", '=LOWER("ANNA@EXAMPLE.COM")', None])
    sheet.append(['=PROPER("carl")', "Form3", "1982-01-01", "carl@example.com", None])
    sheet.append(["Dora", "Note", "1983-01-01", None, '="x"'])
    sheet.append(["Emil", "Plain", "1984-01-01", "emil@example.com", None])
    source = tmp_path / "noc.xlsx"
    book.save(source)
    report = import_file(
        Settings(input=source, dry_run=True, group="demo-clinic",
                 results=tmp_path / "noc.csv"),
        clock=clock,
    )
    rows = {int(r["row"]): r for r in read_results_csv(tmp_path / "noc.csv", delimiter=",")}
    assert [rows[n]["status"] for n in (2, 3, 4, 5)] == ["invalid"] * 3 + ["valid"]
    assert rows[2]["errors"].startswith("Email: This cell holds a formula that was never")
    assert rows[2]["errors"].endswith("[formula_without_value]")
    assert rows[3]["errors"].count("[") == 1  # First name: not "required" as well
    assert rows[3]["errors"].startswith("First name:")
    assert rows[4]["errors"].startswith("Notes:")  # kept in the results file: not lost
    assert rows[2]["Email"] == ""
    assert report.exit_code == 1
