"""SIGTERM and SIGHUP (cron, systemd, a closed terminal) stop the real CLI as Ctrl-C
does: the results file lists every row, the summary is written, the exit code is
143 / 129, no temporary file is left and no worker process outlives the run."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from aniva_import.pipeline.run import import_file
from aniva_import.settings import Settings
from tests.conftest import ROOT

ROWS = 300_000


def big_csv(path: Path) -> Path:
    line = "Anna{0};Lang{0};01.02.1980;anna{0}@example.de;030 1234{1:03d}\r\n"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("Vorname;Nachname;Geburtsdatum;E-Mail;Telefon\r\n")
        f.writelines(line.format(i, i % 1000) for i in range(ROWS))
    return path


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        listing = Path(f"/proc/{current}/task/{current}/children")
        try:
            children = [int(p) for p in listing.read_text().split()]
        except OSError:
            continue
        found.extend(children)
        todo.extend(children)
    return found


def alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_stops_the_run_like_ctrl_c(tmp_path: Path, signum: int, code: int) -> None:
    source = big_csv(tmp_path / "big.csv")
    summary = tmp_path / "summary.json"
    run = subprocess.Popen(
        [sys.executable, "-m", "aniva_import", "run", str(source), "--dry-run", "--group",
         "demo-clinic", "--phone-region", "DE", "--workers", "2", "--summary-json",
         str(summary), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 20
    while len(workers) < 2 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
        workers = descendants(run.pid)
    assert len(workers) >= 2, "the workers did not start"
    time.sleep(0.5)  # checking rows by now
    run.send_signal(signum)
    out, err = run.communicate(timeout=60)
    assert run.returncode == code, (out, err)
    assert "Interrupted" in err.decode()
    document = json.loads(summary.read_text(encoding="utf-8"))
    assert (document["outcome"], document["exit_code"]) == ("interrupted", code)
    schema = json.loads((ROOT / "schemas" / "summary.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    results = tmp_path / "big.results.csv"
    lines = results.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == ROWS + 1  # every row listed: those not reached are not_sent
    assert any(";not_sent;" in line for line in lines[-10:])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "big.results.csv",
                                                          "summary.json"]  # no .partial
    deadline = time.monotonic() + 5
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in workers)


def test_the_summary_is_written_after_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MemoryError, RecursionError, a bug: the summary says the run failed, and why."""
    from aniva_import.pipeline import run

    source = tmp_path / "list.csv"
    source.write_text("Vorname;Nachname\r\nAnna;Lang\r\n", encoding="utf-8")
    summary = tmp_path / "summary.json"

    def exhausted(*_args: object, **_kwargs: object) -> object:
        raise MemoryError

    monkeypatch.setattr(run, "plan_file", exhausted)
    with pytest.raises(MemoryError):
        import_file(Settings(input=source, dry_run=True, group="g", summary_json=summary))
    document = json.loads(summary.read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "summary.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["outcome"] == "failed"
    assert document["exit_code"] == 2
    assert document["error"] == "internal error (MemoryError)"


def test_an_internal_error_says_truly_what_was_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aniva_import.cli import main
    from aniva_import.pipeline import run

    source = tmp_path / "list.csv"
    source.write_text("Vorname;Nachname\r\nAnna;Lang\r\n", encoding="utf-8")

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(run, "plan_file", broken)
    said = {}
    for mode, extra in (("dry", ["--dry-run"]),
                        ("live", ["--api-url", "http://127.0.0.1:9/api/v1",
                                  "--state", str(tmp_path / "ledger.sqlite3")])):
        err = io.StringIO()
        code = main(["run", str(source), "--group", "g", "--no-progress", *extra],
                    stdout=io.StringIO(), stderr=err, environ={"ANIVA_API_KEY": "k" * 32})
        assert code == 2
        said[mode] = err.getvalue()
        assert "internal error (RuntimeError)" in said[mode]
        assert "a bug" not in said[mode]  # the exception's text could hold patient data
    assert "nothing was sent" in said["dry"]
    assert "nothing was sent" not in said["live"]
    assert "recorded in the import ledger" in said["live"]
