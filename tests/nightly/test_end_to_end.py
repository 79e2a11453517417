"""The nightly job end to end: the real command against the real sandbox over loopback.

Every test asserts the sandbox's own record (``server.profiles()``, ``stats()``) —
what the API really received — beside what the job reports.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aniva_import.testing import SandboxServer
from tests.conftest import read_results_csv
from tests.nightly._support import (
    Cli,
    key_file,
    listing,
    names_in,
    nightly,
    patient,
    patients,
    start_child,
    statuses,
    wait_for,
    write_config,
    write_csv,
)

pytestmark = pytest.mark.integration


def _setup(tmp_path: Path, sandbox: SandboxServer, **api: Any) -> tuple[Path, Path, Path]:
    berlin, helsinki = tmp_path / "berlin", tmp_path / "helsinki"
    berlin.mkdir()
    helsinki.mkdir()
    key = key_file(tmp_path, api.pop("key", sandbox.full_key))
    config = write_config(
        tmp_path / "nightly.toml",
        [
            {"name": "berlin", "folder": "berlin", "group": "acme-clinic-berlin",
             "phone_region": "DE"},
            {"name": "helsinki", "folder": "helsinki", "phone_region": "FI",
             "patterns": ["*.csv"]},
        ],
        api={"url": sandbox.base_url, "key_file": str(key), **api},
    )
    return config, berlin, helsinki


def _writer_holding_a_lock(path: Path) -> subprocess.Popen[str]:
    """A real second process writing ``path`` and holding a flock on it."""
    code = (
        "import fcntl, sys, time\n"
        f"f = open({str(path)!r}, 'a')\n"
        "fcntl.flock(f, fcntl.LOCK_EX)\n"
        "f.write('Vorname;Nachname\\nHalf;Written\\n'); f.flush()\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    return child


def test_two_inboxes_every_kind_of_file_then_a_second_run_sends_nothing(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, helsinki = _setup(tmp_path, sandbox)
    patients(berlin / "good.csv", [1, 2, 3])
    bad_row = ("Quirina", "", "10.10.1970", "030 5550000")  # no last name: invalid
    write_csv(berlin / "partly-bad.csv", [patient(4), bad_row, patient(5)])
    (berlin / "unreadable.xlsx").write_bytes(b"this is not a workbook at all")
    (berlin / "export.csv.part").write_text("Vorname;Nachname\n", encoding="utf-8")
    (berlin / "~$sheet.xlsx").write_bytes(b"owner")
    (berlin / "sheet.xlsx").write_bytes(b"being saved by Excel")
    write_csv(helsinki / "refused.csv", [("Zebulon", "Outside", "other-org-clinic")],
              header=("Etunimi", "Sukunimi", "Ryhmä"))
    write_csv(helsinki / "fine.csv", [("Aino", "Virtanen", "helsinki-health")],
              header=("Etunimi", "Sukunimi", "Ryhmä"))
    writer = _writer_holding_a_lock(helsinki / "writing.csv")
    try:
        first = nightly(cli, config)
        requests = sandbox.stats()["requests"]
        second = nightly(cli, config)  # the writer still at work
    finally:
        writer.communicate("")

    # what the API received: every valid row once, nothing for the refused group
    profiles = sandbox.profiles()
    assert names_in(profiles) == ["Aino", "Pat1", "Pat2", "Pat3", "Pat4", "Pat5"]
    assert {p["profile_group_slug"] for p in profiles if p["first_name"].startswith("Pat")} \
        == {"acme-clinic-berlin"}
    assert first.code == 2  # the worst: the unreadable file could not be imported at all
    files = first.files("berlin")
    assert files["good.csv"]["action"] == "imported"
    assert files["good.csv"]["exit_code"] == 0
    assert files["partly-bad.csv"]["action"] == "imported"
    assert files["partly-bad.csv"]["exit_code"] == 1
    assert files["partly-bad.csv"]["rows"]["invalid"] == 1
    assert files["unreadable.xlsx"]["action"] == "failed"
    assert files["unreadable.xlsx"]["exit_code"] == 2
    assert files["export.csv.part"]["reason"] == "temporary_name"
    assert files["~$sheet.xlsx"]["reason"] == "temporary_name"
    assert files["sheet.xlsx"]["reason"] == "open_in_writer"
    hel = first.files("helsinki")
    assert hel["refused.csv"]["action"] == "imported"  # finished: its row failed
    assert hel["refused.csv"]["rows"]["failed"] == 1
    assert hel["fine.csv"]["rows"]["created"] == 1
    assert hel["writing.csv"]["reason"] == "locked_by_writer"
    assert first.summary is not None
    assert first.summary["files"]["seen"] == 9
    assert first.summary["files"]["imported"] == 4
    assert first.summary["files"]["failed"] == 1
    assert first.summary["files"]["left_for_later"] == 4

    # where everything went: done/ and failed/ with results and summary beside
    done = sorted(p.name for p in (berlin / "done").iterdir())
    assert len(done) == 6  # two files, each with its results file and summary
    good = Path(files["good.csv"]["moved_to"])
    assert good.parent == berlin / "done"
    assert good.read_text("utf-8").startswith("Vorname;Nachname")
    results = Path(files["partly-bad.csv"]["results_file"])
    assert statuses(results) == {"Pat4": "created", "Quirina": "invalid", "Pat5": "created"}
    assert results.stat().st_mode & 0o777 == 0o600
    failed = Path(files["unreadable.xlsx"]["moved_to"])
    assert failed.parent == berlin / "failed"
    assert Path(files["unreadable.xlsx"]["summary_file"]).parent == berlin / "failed"
    assert sorted(p.name for p in berlin.iterdir()) == [
        ".aniva-import", "done", "export.csv.part", "failed", "sheet.xlsx", "working",
        "~$sheet.xlsx",
    ]
    assert list((berlin / "working").iterdir()) == []
    assert (helsinki / "writing.csv").exists()

    # monitoring: metrics and structured logs
    assert first.metric("aniva_import_nightly_last_run_exit_code") == 2
    assert first.metric("aniva_import_nightly_files", inbox="berlin", action="imported") == 2
    assert first.metric("aniva_import_nightly_rows", inbox="berlin", status="created") == 5
    assert first.metric("aniva_import_nightly_rows", inbox="helsinki", status="failed") == 1
    assert (tmp_path / "nightly.prom").stat().st_mode & 0o777 == 0o644
    assert {e["event"] for e in first.events} >= {"run_started", "file_taken",
                                                 "file_imported", "file_failed", "run_finished"}
    # no patient data anywhere the job reports (names, dates, phones), nor the key
    reported = first.out + first.err + json.dumps(first.summary) + (
        tmp_path / "nightly.prom").read_text("utf-8") + (
        berlin / ".aniva-import" / "state.json").read_text("utf-8")
    for secret in ("Quirina", "Zebulon", "Pat4", "10.10.1970", "5550000", sandbox.full_key):
        assert secret not in reported

    # the second run: nothing new, nothing sent
    assert sandbox.stats()["requests"] == requests
    assert len(sandbox.profiles()) == 6
    assert second.code == 0
    assert second.summary is not None
    assert second.summary["files"]["imported"] == 0
    assert second.summary["rows"]["total"] == 0
    assert second.files("helsinki")["writing.csv"]["reason"] == "locked_by_writer"

    # the writer finished: the next run takes its file
    third = nightly(cli, config)
    assert third.files("helsinki")["writing.csv"]["action"] == "failed"  # no group column
    assert len(sandbox.profiles()) == 6


def test_the_same_bytes_again_are_skipped_and_a_re_export_sends_only_new_patients(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, _ = _setup(tmp_path, sandbox)
    export = patients(berlin / "export.csv", [1, 2, 3])
    original = export.read_bytes()
    first = nightly(cli, config)
    assert first.code == 0
    assert len(sandbox.profiles()) == 3

    # the clinic system drops exactly the same export again
    (berlin / "export.csv").write_bytes(original)
    requests = sandbox.stats()["requests"]
    again = nightly(cli, config)
    entry = again.files("berlin")["export.csv"]
    assert entry["action"] == "duplicate_content"
    assert entry["duplicate_of"] == first.files("berlin")["export.csv"]["taken_as"]
    assert Path(entry["moved_to"]).parent == berlin / "done"
    assert sandbox.stats()["requests"] == requests
    assert again.code == 0

    # a re-export: the same three patients, one new, the phone column renamed
    header = ("Vorname", "Nachname", "Geburtsdatum", "Handy")
    patients(berlin / "export.csv", [1, 2, 3, 4], header=header)
    reexport = nightly(cli, config)
    assert sandbox.stats()["requests"] == requests + 1
    assert names_in(sandbox.profiles()) == ["Pat1", "Pat2", "Pat3", "Pat4"]
    entry = reexport.files("berlin")["export.csv"]
    assert entry["rows"]["already_imported"] == 3
    assert entry["rows"]["created"] == 1
    drift = entry["header_drift"]
    assert drift["renamed"] == [{"field": "phone", "from": "Telefon", "to": "Handy"}]
    assert drift["added"] == drift["removed"] == []
    assert reexport.summary is not None
    assert reexport.summary["header_drift"][0]["file"] == "export.csv"
    assert reexport.summary["files"]["header_drift"] == 1
    logged = reexport.named("header_drift")
    assert logged[0]["renamed"] == drift["renamed"]
    assert logged[0]["level"] == "warning"
    assert reexport.metric("aniva_import_nightly_header_drift_files", inbox="berlin") == 1
    assert "renamed 'Telefon' → 'Handy' (phone)" in reexport.out


def test_a_file_without_a_required_column_fails_alone(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, helsinki = _setup(tmp_path, sandbox)
    patients(berlin / "a-baseline.csv", [1])
    first = nightly(cli, config)
    assert first.code == 0
    write_csv(berlin / "b-no-last-name.csv", [("Ohne", "01.01.1980", "030 1")],
              header=("Vorname", "Geburtsdatum", "Telefon"))
    patients(berlin / "c-good.csv", [2])
    write_csv(helsinki / "d.csv", [("Aino", "Virtanen", "helsinki-health")],
              header=("Etunimi", "Sukunimi", "Ryhmä"))
    run = nightly(cli, config)
    assert run.code == 2
    files = run.files("berlin")
    failed = files["b-no-last-name.csv"]
    assert failed["action"] == "failed"
    assert "has no column for: last name" in failed["error"]
    assert failed["header_drift"]["required_missing"] == ["last_name"]
    assert failed["header_drift"]["removed"] == ["Nachname"]
    assert Path(failed["moved_to"]).parent == berlin / "failed"
    run_summary = json.loads(Path(failed["summary_file"]).read_text("utf-8"))
    assert run_summary["outcome"] == "not_started"
    assert run_summary["exit_code"] == 2
    assert files["c-good.csv"]["action"] == "imported"
    assert run.files("helsinki")["d.csv"]["action"] == "imported"
    assert names_in(sandbox.profiles()) == ["Aino", "Pat1", "Pat2"]
    assert run.named("file_failed")[0]["level"] == "error"

    # the operator fixes the file and drops it back: it is imported
    patients(berlin / "b-no-last-name.csv", [3])
    again = nightly(cli, config)
    assert again.files("berlin")["b-no-last-name.csv"]["action"] == "imported"
    assert names_in(sandbox.profiles()) == ["Aino", "Pat1", "Pat2", "Pat3"]


def test_a_refused_key_cuts_the_import_short_and_the_file_resumes_next_run(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, helsinki = _setup(tmp_path, sandbox, key="not-a-key-the-sandbox-knows")
    patients(berlin / "a.csv", [1, 2])
    patients(berlin / "b.csv", [3])
    write_csv(helsinki / "c.csv", [("Aino", "Virtanen", "helsinki-health")],
              header=("Etunimi", "Sukunimi", "Ryhmä"))
    refused = nightly(cli, config)
    assert refused.code == 3
    assert sandbox.profiles() == []
    assert sandbox.stats()["requests"] == 1  # one request proves the key refused
    a = refused.files("berlin")["a.csv"]
    assert a["action"] == "cut_short"
    assert a["stop"]["code"] == "key_refused"
    assert (berlin / "working" / a["taken_as"]).exists()
    assert refused.files("berlin")["b.csv"]["reason"] == "api_stopped"
    assert (berlin / "b.csv").exists()  # not taken
    assert refused.files("helsinki")["c.csv"]["reason"] == "api_stopped"
    assert refused.summary is not None
    assert refused.summary["api_stop"]["code"] == "key_refused"
    assert list((berlin / "failed").iterdir()) == []

    dry = nightly(cli, config, "--dry-run")  # what the next run would do
    assert dry.files("berlin")["a.csv"]["resumed"] is True
    assert dry.files("berlin")["a.csv"]["rows"]["valid"] == 2
    assert sandbox.stats()["requests"] == 1

    key_file(tmp_path, sandbox.full_key)  # the operator fixes the key
    fixed = nightly(cli, config)
    assert fixed.code == 0
    assert names_in(sandbox.profiles()) == ["Aino", "Pat1", "Pat2", "Pat3"]
    resumed = fixed.files("berlin")["a.csv"]
    assert resumed["resumed"] is True
    assert resumed["taken_as"] == a["taken_as"]
    assert fixed.summary is not None
    assert fixed.summary["files"]["resumed"] == 1
    assert list((berlin / "working").iterdir()) == []


@pytest.mark.slow
def test_the_api_down_for_one_run_then_back(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, _helsinki = _setup(tmp_path, sandbox)
    patients(berlin / "a.csv", [1, 2, 3])
    patients(berlin / "b.csv", [4])
    sandbox.set_faults(error_rate=1.0, error_statuses=(503,))
    down = nightly(cli, config)
    assert down.code == 3
    assert sandbox.profiles() == []
    a = down.files("berlin")["a.csv"]
    assert a["action"] == "cut_short"
    assert a["stop"]["code"] == "api_unavailable"
    assert statuses(Path(a["results_file"])) == dict.fromkeys(("Pat1", "Pat2", "Pat3"),
                                                              "not_sent")
    assert down.files("berlin")["b.csv"]["reason"] == "api_stopped"
    assert down.metric("aniva_import_nightly_api_stopped", code="api_unavailable") == 1
    assert down.named("api_stopped")[0]["code"] == "api_unavailable"

    sandbox.set_faults()  # back
    back = nightly(cli, config)
    assert back.code == 0
    assert names_in(sandbox.profiles()) == ["Pat1", "Pat2", "Pat3", "Pat4"]
    resumed = back.files("berlin")["a.csv"]
    assert resumed["resumed"] is True
    assert resumed["rows"]["created"] == 3
    assert statuses(Path(resumed["results_file"])) == dict.fromkeys(
        ("Pat1", "Pat2", "Pat3"), "created")


def test_a_workbook_goes_to_done_with_its_excel_results(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    import openpyxl

    config, berlin, _ = _setup(tmp_path, sandbox)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vorname", "Nachname", "Geburtsdatum"])
    sheet.append(["Wilma", "Werk", "01.02.1970"])
    book.save(berlin / "Export.XLSX")
    run = nightly(cli, config)
    entry = run.files("berlin")["Export.XLSX"]
    assert entry["action"] == "imported"
    results = Path(entry["results_file"])
    assert results.parent == berlin / "done"
    assert results.name == entry["taken_as"].rsplit(".", 1)[0] + ".results.xlsx"
    loaded = openpyxl.load_workbook(results, read_only=True)
    first_row = next(loaded.active.iter_rows(min_row=2))  # type: ignore[union-attr]
    assert [c.value for c in first_row][:2] == [2, "created"]
    assert names_in(sandbox.profiles()) == ["Wilma"]


def test_a_bad_configuration_touches_nothing(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, _ = _setup(tmp_path, sandbox)
    patients(berlin / "a.csv", [1])
    good = config.read_text("utf-8")
    config.write_text(good.replace('phone_region = "DE"', 'phone_region = "DE"\ncolour = 1'),
                      "utf-8")
    before = listing(tmp_path)
    unknown = nightly(cli, config, summary=False, metrics=False)
    assert unknown.code == 2
    (event,) = unknown.events
    assert event["event"] == "config_error"
    assert "[[inbox]] 1 ('berlin'): colour is not a known setting" in event["message"]
    config.write_text(good + '[[inbox]]\nname = "gone"\nfolder = "nowhere"\n', "utf-8")
    missing = nightly(cli, config, summary=False, metrics=False)
    assert missing.code == 2
    assert f"[[inbox]] 3 ('gone') folder {tmp_path / 'nowhere'} does not exist" in missing.err
    assert listing(tmp_path) == {**before, "nightly.toml": listing(tmp_path)["nightly.toml"]}
    assert sandbox.stats()["requests"] == 0


def test_a_key_file_others_can_read_is_refused_before_anything_is_touched(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, _ = _setup(tmp_path, sandbox)
    patients(berlin / "a.csv", [1])
    key = key_file(tmp_path, sandbox.full_key, mode=0o644)
    before = listing(tmp_path)
    run = nightly(cli, config, summary=False, metrics=False)
    assert run.code == 2
    assert f"[api] key_file {key}" in run.err
    assert "chmod 600" in run.err
    assert sandbox.full_key not in run.err
    assert listing(tmp_path) == before
    assert sandbox.stats()["requests"] == 0


def test_the_key_can_come_from_the_environment(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    berlin = tmp_path / "berlin"
    berlin.mkdir()
    config = write_config(tmp_path / "n.toml", [{"name": "berlin", "folder": "berlin",
                                                 "group": "demo-clinic"}],
                          api={"url": sandbox.base_url})
    patients(berlin / "a.csv", [1], header=("Vorname", "Nachname"))
    missing = nightly(cli, config)
    assert missing.code == 2
    assert "No API key" in missing.err
    assert (berlin / "a.csv").exists()
    run = nightly(cli, config, env={"ANIVA_API_KEY": sandbox.full_key})
    assert run.code == 0
    assert names_in(sandbox.profiles()) == ["Pat1"]


def test_a_proxy_it_cannot_use_is_refused_before_anything_is_touched(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, _ = _setup(tmp_path, sandbox, url="https://anivahealth.com/api/v1")
    patients(berlin / "a.csv", [1])
    before = listing(tmp_path)
    run = nightly(cli, config, summary=False, metrics=False,
                  env={"HTTPS_PROXY": "ftp://clinic:proxy-secret@proxy.clinic"})
    assert run.code == 2
    assert "proxy" in run.err
    assert "proxy-secret" not in run.err
    assert listing(tmp_path) == before


def test_a_dry_run_moves_nothing_and_sends_nothing(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, _helsinki = _setup(tmp_path, sandbox)
    patients(berlin / "a.csv", [1, 2])
    first = nightly(cli, config)
    assert first.code == 0
    patients(berlin / "a-again.csv", [1, 2])  # the same bytes as a.csv
    write_csv(berlin / "b.csv", [patient(3), ("Quirina", "", "10.10.1970", "030 5550000")])
    write_csv(berlin / "c.csv", [("Ohne",)], header=("Vorname",))
    requests = sandbox.stats()["requests"]
    before = listing(tmp_path)
    dry = nightly(cli, config, "--dry-run")
    assert sandbox.stats()["requests"] == requests
    after = listing(tmp_path)

    def inboxes(files: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        return {k: v for k, v in files.items() if k.startswith(("berlin", "helsinki"))}

    assert inboxes(after) == inboxes(before)  # nothing moved, nothing written there
    assert dry.code == 2  # c.csv would fail
    assert dry.summary is not None
    assert dry.summary["mode"] == "dry_run"
    files = dry.files("berlin")
    assert files["a-again.csv"]["action"] == "duplicate_content"
    assert files["b.csv"]["action"] == "checked"
    assert files["b.csv"]["rows"]["valid"] == 1
    assert files["b.csv"]["rows"]["invalid"] == 1
    assert files["c.csv"]["action"] == "failed"
    results = Path(files["b.csv"]["results_file"])
    assert results.parent == tmp_path / "nightly-summary.dry-run" / "berlin"
    assert statuses(results) == {"Pat3": "valid", "Quirina": "invalid"}
    assert dry.summary["dry_run_results"] == str(tmp_path / "nightly-summary.dry-run")
    assert dry.metric("aniva_import_nightly_last_run_dry_run") == 1


def test_a_dry_run_without_a_summary_keeps_no_results(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin, _ = _setup(tmp_path, sandbox)
    patients(berlin / "a.csv", [1])
    before = listing(tmp_path)
    dry = nightly(cli, config, "--dry-run", summary=False, metrics=False)
    assert dry.code == 0
    assert listing(tmp_path) == before
    assert not (berlin / ".aniva-import").exists()
    assert "a.csv: would be imported (1 valid)" in dry.out
    assert "Results files were not kept" in dry.out


# -- real second processes: the lock, kill -9, SIGTERM ------------------------------------


def _slow_setup(tmp_path: Path, sandbox: SandboxServer, rows: int) -> tuple[Path, Path]:
    berlin = tmp_path / "berlin"
    berlin.mkdir()
    key = key_file(tmp_path, sandbox.full_key)
    config = write_config(
        tmp_path / "nightly.toml",
        [{"name": "berlin", "folder": "berlin", "group": "acme-clinic-berlin",
          "phone_region": "DE"}],
        api={"url": sandbox.base_url, "key_file": str(key), "concurrency": 2},
    )
    patients(berlin / "big.csv", range(1, rows + 1))
    sandbox.set_faults(latency_ms=150)
    return config, berlin


def _holder_pid(berlin: Path) -> int | None:
    lock = berlin / ".aniva-import" / "nightly.lock"
    try:
        text = lock.read_text("utf-8")
    except FileNotFoundError:
        return None
    return json.loads(text)["pid"] if text.strip() else None


@pytest.mark.slow
def test_an_overlapping_run_is_kept_out_by_the_lock(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin = _slow_setup(tmp_path, sandbox, rows=16)
    first = start_child(config)
    try:
        wait_for(lambda: sandbox.stats()["created"] >= 2, child=first)
        assert _holder_pid(berlin) == first.pid
        patients(berlin / "later.csv", [100])
        second = nightly(cli, config)
        assert second.code == 2
        assert second.inbox("berlin")["state"] == "busy"
        assert str(first.pid) in second.inbox("berlin")["error"]
        assert second.metric("aniva_import_nightly_inbox_busy", inbox="berlin") == 1
        assert (berlin / "later.csv").exists()  # left alone
        _out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err[-2000:]
    assert names_in(sandbox.profiles()) == sorted(f"Pat{i}" for i in range(1, 17))
    assert _holder_pid(berlin) is None  # released: the file says no one holds it
    sandbox.set_faults()
    third = nightly(cli, config)
    assert third.files("berlin")["later.csv"]["action"] == "imported"
    assert len(sandbox.profiles()) == 17


@pytest.mark.slow
def test_kill_9_mid_import_then_a_rerun_creates_no_patient_twice(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin = _slow_setup(tmp_path, sandbox, rows=20)
    child = start_child(config)
    try:
        wait_for(lambda: sandbox.stats()["created"] >= 5, child=child)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert _holder_pid(berlin) == child.pid  # a stale lock: its holder is gone
    taken = [p.name for p in (berlin / "working").iterdir() if p.name.endswith("-big.csv")]
    assert len(taken) == 1
    sandbox.set_faults()
    requests = sandbox.stats()["requests"]

    rerun = nightly(cli, config)
    entry = rerun.files("berlin")["big.csv"]
    assert entry["resumed"] is True
    assert entry["action"] == "imported"
    assert rerun.inbox("berlin")["recovered"]["stale_lock"]["pid"] == child.pid
    assert rerun.named("stale_lock_recovered")[0]["previous_pid"] == child.pid
    # no patient twice: every name once in the API, whatever the kill interrupted
    stored = names_in(sandbox.profiles())
    assert len(stored) == len(set(stored))
    rows = statuses(Path(entry["results_file"]))
    assert len(rows) == 20  # no row lost
    assert set(rows.values()) <= {"created", "already_imported", "unknown"}
    for name, status in rows.items():
        if status in ("created", "already_imported"):
            assert name in stored
    # the rows of the batch in flight at the kill are unknown (the ledger had reserved
    # them; some were created): reported, never resent; only rows never sent are sent
    unknown = [name for name, status in rows.items() if status == "unknown"]
    created_now = sum(1 for status in rows.values() if status == "created")
    assert sandbox.stats()["requests"] == requests + created_now
    assert rerun.summary is not None
    assert rerun.summary["unknown_rows"] == len(unknown)
    assert rerun.code == (1 if unknown else 0)
    # a third run: nothing new, nothing sent
    requests = sandbox.stats()["requests"]
    assert nightly(cli, config).code == 0
    assert sandbox.stats()["requests"] == requests


@pytest.mark.slow
def test_sigterm_stops_like_ctrl_c_and_the_file_resumes(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    config, berlin = _slow_setup(tmp_path, sandbox, rows=20)
    summary = tmp_path / "child-summary.json"
    child = start_child(config, "--summary-json", str(summary))
    try:
        wait_for(lambda: sandbox.stats()["created"] >= 3, child=child)
        child.send_signal(signal.SIGTERM)
        _out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, err[-2000:]
    document = json.loads(summary.read_text("utf-8"))
    assert document["outcome"] == "interrupted"
    entry = document["inboxes"][0]["file_list"][0]
    assert entry["action"] == "cut_short"
    assert entry["reason"] == "interrupted"
    rows = read_results_csv(Path(entry["results_file"]))
    assert len(rows) == 20
    assert {r["status"] for r in rows} <= {"created", "not_sent", "unknown"}
    assert _holder_pid(berlin) is None  # released on the way out
    created_first = names_in(sandbox.profiles())
    sandbox.set_faults()
    rerun = nightly(cli, config)
    assert rerun.files("berlin")["big.csv"]["action"] == "imported"
    stored = names_in(sandbox.profiles())
    # what each run said of each row, for a failure that is rare (seen twice under a
    # loaded machine, never when run alone): which rows were sent twice, and why
    again = statuses(Path(rerun.files("berlin")["big.csv"]["results_file"]))
    said = {r["Vorname"]: (r["status"], r["errors"][:80]) for r in rows}
    twice = sorted(n for n in set(stored) if stored.count(n) > 1)
    assert len(stored) == len(set(stored)), (
        f"created twice: {twice}; first run {[(n, said.get(n)) for n in twice]}, "
        f"rerun {[(n, again.get(n)) for n in twice]}; created before the rerun: "
        f"{len(created_first)}; first run's stderr: {err[-1500:]}"
    )
    assert len(stored) >= 20 - sum(1 for r in rows if r["status"] == "unknown")


def test_a_flock_on_the_lock_file_by_another_process_is_respected(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    """The lock is a plain flock: any process holding it keeps the job out."""
    config, berlin, _ = _setup(tmp_path, sandbox)
    (berlin / ".aniva-import").mkdir(mode=0o700)
    patients(berlin / "a.csv", [1])
    code = (
        "import fcntl, sys\n"
        f"f = open({str(berlin / '.aniva-import' / 'nightly.lock')!r}, 'a')\n"
        "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        busy = nightly(cli, config)
    finally:
        holder.communicate("")
    assert busy.code == 2
    assert busy.inbox("berlin")["state"] == "busy"
    assert (berlin / "a.csv").exists()
    assert sandbox.stats()["requests"] == 0
    assert nightly(cli, config).code == 0


def test_a_shared_ledger_covers_an_onboarding_run_and_two_inboxes_of_one_group(
    tmp_path: Path, sandbox: SandboxServer, cli: Cli
) -> None:
    """Without it each inbox has its own ledger: an onboarding ``run`` followed by the
    nightly job, or two inboxes feeding one group, would create patients again."""
    ledger = tmp_path / "shared" / "ledger.sqlite3"
    ledger.parent.mkdir()
    key = key_file(tmp_path, sandbox.full_key)
    onboarding = patients(tmp_path / "onboarding.csv", [1, 2])
    first = cli("run", str(onboarding), "--group", "acme-clinic-berlin", "--phone-region",
                "DE", "--state", str(ledger), "--api-url", sandbox.base_url, "--no-progress",
                env={"ANIVA_API_KEY": sandbox.full_key})
    assert first.code == 0
    assert names_in(sandbox.profiles()) == ["Pat1", "Pat2"]

    front, back = tmp_path / "front-desk", tmp_path / "back-office"
    front.mkdir()
    back.mkdir()
    config = write_config(
        tmp_path / "nightly.toml",
        [{"name": folder.name, "folder": folder.name, "group": "acme-clinic-berlin",
          "phone_region": "DE"} for folder in (front, back)],
        api={"url": sandbox.base_url, "key_file": str(key)},
        job={"ledger": "shared/ledger.sqlite3"},
    )
    patients(front / "export.csv", [1, 2, 3])
    patients(back / "export.csv", [2, 3, 4])
    night = nightly(cli, config)
    assert night.code == 0
    assert names_in(sandbox.profiles()) == ["Pat1", "Pat2", "Pat3", "Pat4"]  # each once
    rows = night.files("front-desk")["export.csv"]["rows"]
    assert (rows["already_imported"], rows["created"], rows["total"]) == (2, 1, 3)
    rows = night.files("back-office")["export.csv"]["rows"]
    assert (rows["already_imported"], rows["created"], rows["total"]) == (2, 1, 3)
    assert not (front / ".aniva-import" / "ledger.sqlite3").exists()


def test_a_ledger_in_a_missing_folder_is_a_configuration_problem(
    tmp_path: Path, cli: Cli
) -> None:
    (tmp_path / "berlin").mkdir()
    config = write_config(tmp_path / "nightly.toml", [
        {"name": "berlin", "folder": "berlin", "ledger": "nowhere/ledger.sqlite3"},
    ])
    result = nightly(cli, config)
    assert result.code == 2
    assert "ledger: the folder" in result.err
    assert "does not exist" in result.err
