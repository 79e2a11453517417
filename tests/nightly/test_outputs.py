"""What the job leaves for people and monitoring: log lines, metrics, summary, stdout."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from aniva_import.cli import main
from aniva_import.nightly import (
    Event,
    FileOutcome,
    InboxOutcome,
    JsonLines,
    NightlyReport,
    PlainLines,
    metrics_text,
    nightly_summary_document,
    write_metrics,
)
from aniva_import.nightly.drift import Drift, Renamed
from aniva_import.nightly.outcome import StopInfo
from aniva_import.nightly.terminal import render_nightly
from tests.nightly._support import SCHEMA, Cli, read_metrics, write_config

START = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return START


def report() -> NightlyReport:
    drift = Drift(previous="20261124T020000Z-export.csv",
                  renamed=(Renamed("phone", "Telefon", "Handy"),), added=("Station",))
    berlin = InboxOutcome("berlin", "/srv/exports/berlin", files=[
        FileOutcome("berlin", "export.csv", "imported", exit_code=1,
                    taken_as="20261125T020001Z-export.csv", sha256="a" * 64,
                    rows=Counter(created=5, invalid=1, unknown=1), drift=drift,
                    moved_to="/srv/exports/berlin/done/20261125T020001Z-export.csv"),
        FileOutcome("berlin", "broken.xlsx", "failed", exit_code=2,
                    taken_as="20261125T020002Z-broken.xlsx",
                    error="20261125T020002Z-broken.xlsx is not a valid Excel file"),
        FileOutcome("berlin", "next.csv.part", "left_for_later", reason="temporary_name"),
    ])
    helsinki = InboxOutcome("helsinki", "/srv/exports/helsinki", files=[
        FileOutcome("helsinki", "a.csv", "cut_short", exit_code=3, taken_as="T-a.csv",
                    rows=Counter(not_sent=4), reason="api_unavailable",
                    stop=StopInfo("api_unavailable", "The API kept answering 503.")),
    ])
    busy = InboxOutcome("tampere", "/srv/exports/tampere", state="busy",
                        error="Another aniva-import nightly run is processing this inbox.")
    return NightlyReport(mode="import", config="/etc/aniva-import/nightly.toml",
                         started_at=START, finished_at=START + dt.timedelta(seconds=42),
                         inboxes=[berlin, helsinki, busy],
                         api_stop=StopInfo("api_unavailable", "The API kept answering 503."))


def test_the_summary_holds_the_counts_and_is_valid() -> None:
    document = nightly_summary_document(report())
    jsonschema.validate(document, SCHEMA)
    assert document["exit_code"] == 3
    assert document["files"] == {
        "seen": 4, "imported": 1, "failed": 1, "cut_short": 1, "left_for_later": 2,
        "duplicate_content": 0, "error": 0, "checked": 0, "resumed": 0, "header_drift": 1,
    }
    assert document["rows"]["created"] == 5
    assert document["rows"]["total"] == 11
    assert document["unknown_rows"] == 1
    assert document["duration_seconds"] == 42
    assert document["header_drift"][0]["renamed"] == [
        {"field": "phone", "from": "Telefon", "to": "Handy"}]
    assert document["api_stop"]["code"] == "api_unavailable"
    assert [i["state"] for i in document["inboxes"]] == ["processed", "processed", "busy"]
    assert [i["exit_code"] for i in document["inboxes"]] == [2, 3, 2]


def test_the_exit_code_is_the_worst_and_130_when_interrupted() -> None:
    finished = report()
    assert finished.exit_code == 3
    finished.outcome = "interrupted"
    assert finished.exit_code == 130
    assert NightlyReport(mode="import", config="c", started_at=START).exit_code == 0


def test_metrics_in_the_prometheus_text_format() -> None:
    found = read_metrics_text(metrics_text(report()))
    assert found[("aniva_import_nightly_last_run_exit_code", ())] == 3
    assert found[("aniva_import_nightly_last_run_duration_seconds", ())] == 42
    assert found[("aniva_import_nightly_last_run_timestamp_seconds", ())] == (
        START.timestamp() + 42)
    assert found[("aniva_import_nightly_files", (("action", "imported"),
                                                 ("inbox", "berlin")))] == 1
    assert found[("aniva_import_nightly_files", (("action", "seen"), ("inbox", "berlin")))] == 3
    assert found[("aniva_import_nightly_rows", (("inbox", "berlin"), ("status", "unknown")))] == 1
    assert found[("aniva_import_nightly_header_drift_files", (("inbox", "berlin"),))] == 1
    assert found[("aniva_import_nightly_inbox_busy", (("inbox", "tampere"),))] == 1
    assert found[("aniva_import_nightly_api_stopped", (("code", "api_unavailable"),))] == 1
    text = metrics_text(report())
    assert "export.csv" not in text  # no file names: counts only


def read_metrics_text(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_the_metrics_file_is_replaced_atomically_and_readable_by_the_collector(
    tmp_path: Path,
) -> None:
    path = tmp_path / "aniva.prom"
    path.write_text("old", encoding="utf-8")
    old_umask = os.umask(0o077)
    try:
        write_metrics(report(), path)
    finally:
        os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o644
    assert read_metrics(path)[("aniva_import_nightly_last_run_exit_code", ())] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["aniva.prom"]


def test_json_log_lines() -> None:
    stream = io.StringIO()
    log = JsonLines(stream, clock)
    log.emit(Event("file_taken", "info", {"inbox": "berlin", "file": "a.csv", "n": 3}))
    log.emit(Event("header_drift", "warning", {"renamed": [{"from": "a", "to": "b"}]}))
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first == {"ts": "2026-11-25T02:00:00Z", "level": "info", "event": "file_taken",
                     "inbox": "berlin", "file": "a.csv", "n": 3}
    assert second["renamed"] == [{"from": "a", "to": "b"}]


def test_plain_log_lines_for_a_terminal() -> None:
    stream = io.StringIO()
    PlainLines(stream, clock).emit(Event("file_failed", "error", {
        "inbox": "berlin", "file": "a b.csv", "message": "x has no column", "gone": None}))
    line = stream.getvalue()
    assert line.endswith("error file_failed inbox=berlin file=\"a b.csv\" "
                         "message=\"x has no column\"\n")


def test_what_stdout_says() -> None:
    text = render_nightly(report())
    assert text.splitlines()[0] == (
        "Nightly import of 3 inbox(es): 4 file(s) seen, 1 imported, 1 failed, "
        "2 left for later")
    assert ("    export.csv: imported (5 created, 1 invalid, 1 unknown) → "
            "done/20261125T020001Z-export.csv") in text
    assert "header drift: renamed 'Telefon' → 'Handy' (phone); new: 'Station'" in text
    assert "    a.csv: cut short, resumes next run (4 not sent) [api_unavailable] → " \
           "working/T-a.csv" in text
    assert "  tampere: busy — Another aniva-import nightly run" in text
    assert "The API stopped the run (api_unavailable)" in text


def test_the_command_line_names_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nightly", "--help"]) == 0
    help_text = capsys.readouterr().out
    for option in ("CONFIG", "--dry-run", "--summary-json", "--metrics"):
        assert option in help_text


def test_the_summary_and_metrics_replace_only_an_earlier_nights(
    tmp_path: Path, cli: Cli
) -> None:
    (tmp_path / "berlin").mkdir()
    config = write_config(tmp_path / "nightly.toml", [
        {"name": "berlin", "folder": "berlin", "group": "acme-clinic-berlin"},
    ])
    summary, metrics = tmp_path / "nightly.json", tmp_path / "nightly.prom"
    args = ("nightly", str(config), "--dry-run", "--summary-json", str(summary),
            "--metrics", str(metrics))
    assert cli(*args).code == 0
    assert cli(*args).code == 0  # the night before's files are replaced
    assert json.loads(summary.read_text(encoding="utf-8"))["command"] == "nightly"

    for option, theirs in (("--summary-json", summary), ("--metrics", metrics)):
        theirs.write_text("someone else's file\n", encoding="utf-8")
        refused = cli(*args)
        assert refused.code == 2
        assert f"was not written by aniva-import's {option}" in refused.err
        assert theirs.read_text(encoding="utf-8") == "someone else's file\n"
        theirs.unlink()
        assert cli(*args).code == 0
