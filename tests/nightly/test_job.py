"""The job as a library: crashes between its steps, errors of the job itself, interrupts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aniva_import.nightly import (
    InboxFolders,
    JobOptions,
    NightlyReport,
    Recorder,
    StateStore,
    load_config,
    run_nightly,
)
from aniva_import.nightly.folders import Destination
from aniva_import.nightly.importing import Attempt
from aniva_import.settings import ApiKey
from aniva_import.testing import SandboxServer
from tests.nightly._support import Clock, names_in, patients, write_config

pytestmark = pytest.mark.integration


class PowerCut(BaseException):
    """The process stops dead (nothing catches it, like SIGKILL)."""


def _job(tmp_path: Path, sandbox: SandboxServer, inboxes: int = 1) -> tuple[Path, list[Path]]:
    folders = [tmp_path / f"in{i}" for i in range(inboxes)]
    for folder in folders:
        folder.mkdir()
    config = write_config(tmp_path / "nightly.toml", [
        {"name": folder.name, "folder": folder.name, "group": "acme-clinic-berlin",
         "phone_region": "DE"} for folder in folders
    ])
    return config, folders


def _run(config: Path, sandbox: SandboxServer, log: Recorder | None = None,
         **kw: object) -> NightlyReport:
    options = JobOptions(dry_run=False, api_url=sandbox.base_url,
                         api_key=ApiKey(sandbox.full_key))
    return run_nightly(load_config(config), options, log=log or Recorder(), clock=Clock(),
                       sleep=lambda s: None, **kw)  # type: ignore[arg-type]


def test_a_crash_between_deciding_and_moving_is_finished_by_the_next_run(
    tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, (inbox,) = _job(tmp_path, sandbox)
    patients(inbox / "a.csv", [1, 2])
    real_move = InboxFolders.move

    def cut_after_the_results(self: InboxFolders, name: str, destination: Destination,
                              **kw: object) -> Path:
        results, _summary = self.companions(name)
        (self.working / results).rename(self.folder(destination) / results)
        raise PowerCut

    monkeypatch.setattr(InboxFolders, "move", cut_after_the_results)
    with pytest.raises(PowerCut):
        _run(config, sandbox)
    monkeypatch.setattr(InboxFolders, "move", real_move)
    assert len(sandbox.profiles()) == 2
    state = StateStore(inbox / ".aniva-import" / "state.json").load()
    (entry,) = state.working.values()
    assert entry.destination == "done"  # decided before the move
    assert len(state.imported) == 1

    requests = sandbox.stats()["requests"]
    log = Recorder()
    report = _run(config, sandbox, log)
    assert sandbox.stats()["requests"] == requests
    assert report.inboxes[0].recovered["moves_completed"] == 1
    assert log.named("unfinished_run_recovered")
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        f"{entry.name}", entry.name.replace(".csv", ".results.csv"),
        entry.name.replace(".csv", ".summary.json")]
    assert StateStore(inbox / ".aniva-import" / "state.json").load().working == {}


def test_a_crash_after_the_journal_before_the_take_leaves_the_file_in_the_inbox(
    tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, (inbox,) = _job(tmp_path, sandbox)
    patients(inbox / "a.csv", [1])

    def cut(self: InboxFolders, source: Path, name: str) -> Path:
        raise PowerCut

    real_take = InboxFolders.take
    monkeypatch.setattr(InboxFolders, "take", cut)
    with pytest.raises(PowerCut):
        _run(config, sandbox)
    monkeypatch.setattr(InboxFolders, "take", real_take)
    assert (inbox / "a.csv").exists()
    report = _run(config, sandbox)
    assert report.inboxes[0].recovered["entries_dropped"] == 1
    assert [f.action for f in report.files] == ["imported"]
    assert names_in(sandbox.profiles()) == ["Pat1"]


def test_a_damaged_ledger_stops_the_inbox_and_leaves_its_files(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, (first, second) = _job(tmp_path, sandbox, inboxes=2)
    patients(first / "a.csv", [1], prefix="A")
    patients(first / "b.csv", [2], prefix="A")
    patients(second / "c.csv", [3], prefix="C")
    (first / ".aniva-import").mkdir(mode=0o700)
    (first / ".aniva-import" / "ledger.sqlite3").write_bytes(b"not a ledger" * 100)
    log = Recorder()
    report = _run(config, sandbox, log)
    assert report.exit_code == 2
    damaged = report.inboxes[0]
    assert damaged.state == "error"
    assert damaged.error is not None
    assert "ledger" in damaged.error
    a, b = damaged.files
    assert (a.action, a.exit_code) == ("error", 2)
    assert (inbox_file := first / "working" / str(a.taken_as)).exists()
    assert (b.action, b.reason) == ("left_for_later", "inbox_stopped")
    assert (first / "b.csv").exists()
    assert report.inboxes[1].files[0].action == "imported"  # the other inbox ran
    assert names_in(sandbox.profiles()) == ["C3"]
    assert log.named("file_error")[0].level == "error"

    (first / ".aniva-import" / "ledger.sqlite3").unlink()  # the operator moves it aside
    fixed = _run(config, sandbox)
    assert [(f.name, f.action, f.resumed) for f in fixed.files] == [
        ("a.csv", "imported", True), ("b.csv", "imported", False)]
    assert not inbox_file.exists()
    assert names_in(sandbox.profiles()) == ["A1", "A2", "C3"]


def test_a_damaged_state_file_leaves_the_inbox_alone(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, (inbox,) = _job(tmp_path, sandbox)
    patients(inbox / "a.csv", [1])
    (inbox / ".aniva-import").mkdir(mode=0o700)
    (inbox / ".aniva-import" / "state.json").write_text("{broken", encoding="utf-8")
    report = _run(config, sandbox)
    assert report.exit_code == 2
    assert report.inboxes[0].state == "error"
    assert (inbox / "a.csv").exists()
    assert (inbox / ".aniva-import" / "state.json").read_text("utf-8") == "{broken"
    assert sandbox.stats()["requests"] == 0


def test_an_interrupt_stops_the_run_the_file_stays_and_the_summary_is_written(
    tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, (first, second) = _job(tmp_path, sandbox, inboxes=2)
    patients(first / "a.csv", [1])
    patients(second / "b.csv", [2])
    monkeypatch.setattr("aniva_import.nightly.inbox.attempt_import",
                        lambda settings, clock: Attempt("interrupted", error="Interrupted."))
    summary = tmp_path / "s.json"
    report = _run(config, sandbox, summary_json=summary, metrics=tmp_path / "m.prom")
    assert report.outcome == "interrupted"
    assert report.exit_code == 130
    (a,) = report.inboxes[0].files
    assert (a.action, a.reason, a.exit_code) == ("cut_short", "interrupted", 130)
    assert (first / "working" / str(a.taken_as)).exists()
    assert len(report.inboxes) == 1  # the next inbox was not started
    assert (second / "b.csv").exists()
    assert json.loads(summary.read_text("utf-8"))["exit_code"] == 130
    assert (first / ".aniva-import" / "nightly.lock").read_text("utf-8") == ""  # released


def test_a_summary_that_cannot_be_written_makes_the_run_exit_2(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, (inbox,) = _job(tmp_path, sandbox)
    patients(inbox / "a.csv", [1])
    log = Recorder()
    report = _run(config, sandbox, log, summary_json=tmp_path / "gone" / "s.json")
    assert report.files[0].action == "imported"
    assert report.output_error is not None
    assert report.exit_code == 2
    assert log.named("output_failed")


def test_files_of_one_run_with_the_same_bytes(tmp_path: Path, sandbox: SandboxServer) -> None:
    config, (inbox,) = _job(tmp_path, sandbox)
    patients(inbox / "a.csv", [1, 2])
    patients(inbox / "copy-of-a.csv", [1, 2])
    report = _run(config, sandbox)
    actions = {f.name: f.action for f in report.files}
    assert sorted(actions.values()) == ["duplicate_content", "imported"]
    assert sandbox.stats()["requests"] == 2


def test_a_mapping_file_gone_since_the_check_stops_its_inbox_only(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, (first, second) = _job(tmp_path, sandbox, inboxes=2)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\nfirst_name = "Vorname"\n', encoding="utf-8")
    text = config.read_text("utf-8").replace('name = "in0"',
                                             'name = "in0"\nmapping = "mapping.toml"')
    config.write_text(text, encoding="utf-8")
    loaded = load_config(config)
    mapping.unlink()
    patients(first / "a.csv", [1])
    patients(second / "b.csv", [2])
    options = JobOptions(dry_run=False, api_url=sandbox.base_url,
                         api_key=ApiKey(sandbox.full_key))
    report = run_nightly(loaded, options, log=Recorder(), clock=Clock(), sleep=lambda s: None)
    assert [i.state for i in report.inboxes] == ["error", "processed"]
    assert "mapping" in str(report.inboxes[0].error)
    assert (first / "a.csv").exists()
    assert names_in(sandbox.profiles()) == ["Pat2"]
