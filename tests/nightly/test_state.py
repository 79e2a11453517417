"""The inbox's state file and the folders: round trips, damage refused, unique names, moves."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from aniva_import.nightly import InboxFolders, StateError, StateStore, content_hash
from aniva_import.nightly.state import AcceptedHeaders, ImportedFile, InboxState, WorkingEntry

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


def test_the_state_round_trips_and_is_the_owners_alone(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    assert store.load() == InboxState()  # no file yet: empty
    state = InboxState(
        imported={"ab" * 32: ImportedFile("ab" * 32, "20261125T020000Z-a.csv", "a.csv",
                                          "2026-11-25T02:00:05Z", 1)},
        headers=AcceptedHeaders("20261125T020000Z-a.csv", "a.csv", "2026-11-25T02:00:05Z",
                                ("Vorname", "Nachname")),
        working={"20261125T020001Z-b.csv": WorkingEntry("20261125T020001Z-b.csv", "b.csv",
                                                       "2026-11-25T02:00:01Z", "cd" * 32, 2)},
    )
    store.save(state)
    assert store.load() == state
    assert (tmp_path / "state.json").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left


@pytest.mark.parametrize("text", ["{", "[]", '{"kind": "something else"}',
                                  '{"kind": "aniva-import nightly inbox state", '
                                  '"schema_version": 99}',
                                  '{"kind": "aniva-import nightly inbox state", '
                                  '"schema_version": 1, "imported": [{"x": 1}]}'])
def test_a_damaged_state_is_refused_and_left_as_it_is(tmp_path: Path, text: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StateError) as caught:
        StateStore(path).load()
    assert str(path) in str(caught.value)
    assert caught.value.exit_code == 2
    assert path.read_text("utf-8") == text


def test_content_hash_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    data = bytes(range(256)) * 5000
    path.write_bytes(data)
    assert content_hash(path) == hashlib.sha256(data).hexdigest()


def test_names_of_taken_files_never_meet(tmp_path: Path) -> None:
    folders = InboxFolders(tmp_path)
    folders.ensure()
    for folder in (folders.state_dir, folders.working, folders.done, folders.failed):
        assert folder.stat().st_mode & 0o777 == 0o700
    first = folders.new_name("export.csv", NOW)
    assert first == "20261125T020000Z-export.csv"
    (folders.done / first).write_text("x", encoding="utf-8")
    second = folders.new_name("export.csv", NOW)  # the same name in the same second
    assert second == "20261125T020000Z-2-export.csv"
    (folders.working / "20261125T020000Z-2-export.results.csv").write_text("x", "utf-8")
    # export.txt would write the same results file name as export.csv
    assert folders.new_name("export.txt", NOW) == "20261125T020000Z-3-export.txt"
    assert folders.companions("20261125T020000Z-a.xlsx") == (
        "20261125T020000Z-a.results.xlsx", "20261125T020000Z-a.summary.json")
    assert folders.results_name("x.ods") == "x.results.xlsx"
    assert folders.results_name("x.tsv") == "x.results.csv"


def test_moves_are_atomic_renames_and_safe_to_repeat(tmp_path: Path) -> None:
    folders = InboxFolders(tmp_path)
    folders.ensure()
    source = tmp_path / "a.csv"
    source.write_text("data", encoding="utf-8")
    taken = folders.take(source, "T-a.csv")
    assert taken == folders.working / "T-a.csv"
    assert not source.exists()
    (folders.working / "T-a.summary.json").write_text("{}", encoding="utf-8")
    (folders.working / "T-a.results.csv").write_text("r", encoding="utf-8")
    # a crash after the results file moved: repeating the move finishes it
    (folders.working / "T-a.results.csv").rename(folders.done / "T-a.results.csv")
    moved = folders.move("T-a.csv", "done")
    assert moved == folders.done / "T-a.csv"
    assert sorted(p.name for p in folders.done.iterdir()) == [
        "T-a.csv", "T-a.results.csv", "T-a.summary.json"]
    assert folders.move("T-a.csv", "done") == moved  # nothing left to move: fine
    other = tmp_path / "b.csv"
    other.write_text("b", encoding="utf-8")
    (folders.working / "T-b.csv").write_text("in the way", encoding="utf-8")
    with pytest.raises(Exception, match="exists already"):
        folders.take(other, "T-b.csv")
    assert other.exists()


def test_half_written_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    folders = InboxFolders(tmp_path)
    folders.ensure()
    (folders.working / ".T-a.results.csv.x1y2.partial").write_text("half", "utf-8")
    (folders.state_dir / ".state.json.abc.partial").write_text("{", "utf-8")
    (folders.working / "T-a.csv").write_text("keep", "utf-8")
    (tmp_path / ".inbox.partial").write_text("not ours", "utf-8")
    assert sorted(folders.remove_partials()) == [".T-a.results.csv.x1y2.partial",
                                                 ".state.json.abc.partial"]
    assert [p.name for p in folders.working.iterdir()] == ["T-a.csv"]
    assert (tmp_path / ".inbox.partial").exists()


def test_a_file_in_the_way_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "done").write_text("x", encoding="utf-8")
    with pytest.raises(Exception, match="is in the way"):
        InboxFolders(tmp_path).ensure()

