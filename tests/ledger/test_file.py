"""The ledger file: permissions, durability settings, foreign files, no patient data in clear."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from aniva_import.ledger import (
    Created,
    Ledger,
    LedgerError,
    Reservation,
    Unknown,
    default_ledger_path,
)
from tests.ledger.conftest import API, GROUP, OpenLedger, body


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """A umask that would leave files world-readable: the ledger must not depend on it."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("loose_umask")
def test_folders_are_created_0700_and_every_file_0600(tmp_path: Path) -> None:
    path = tmp_path / "home" / "state" / "aniva-import" / "ledger.sqlite3"
    with Ledger(path) as ledger:
        key = ledger.key(API, GROUP, "id")
        ledger.reserve([Reservation(key, body())])
        files = [path, path.with_name("ledger.sqlite3-wal"), path.with_name("ledger.sqlite3-shm")]
        files.append(path.with_name("ledger.sqlite3.lock"))
        assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    for folder in (tmp_path / "home", tmp_path / "home" / "state", path.parent):
        assert _mode(folder) == 0o700
    assert _mode(path) == 0o600


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    with Ledger(tmp_path / "ledger.sqlite3"):
        pass
    assert _mode(tmp_path) == 0o755


def test_creation_leaves_no_temporary_file(ledger_path: Path) -> None:
    with Ledger(ledger_path):
        pass
    names = sorted(p.name for p in ledger_path.parent.iterdir())
    assert names == ["ledger.sqlite3", "ledger.sqlite3.lock"]


def test_wal_and_synchronous_full_are_in_force(ledger: Ledger) -> None:
    summary = ledger.summary()
    assert (summary.journal_mode, summary.synchronous) == ("wal", "full")
    # WAL is a property of the file: another connection sees it too.
    other = sqlite3.connect(ledger.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("PRAGMA user_version").fetchone()[0] == 1
        assert other.execute("PRAGMA application_id").fetchone()[0] == 0x414E5649
        meta = dict(other.execute("SELECT name, value FROM meta").fetchall())
    finally:
        other.close()
    assert meta["format"] == "aniva-import ledger"
    assert len(bytes.fromhex(meta["secret"])) == 32


def test_entries_survive_closing_and_reopening(open_ledger: OpenLedger) -> None:
    with open_ledger() as ledger:
        key = ledger.key(API, GROUP, "id")
        ledger.reserve([Reservation(key, body())])
        ledger.record([Created(key, "p-1")])
    with open_ledger() as ledger:
        assert ledger.lookup([key])[key].profile_id == "p-1"


def _to_the_first_layout(path: Path) -> None:
    """Rebuild ``entries`` as files made before 2026-12-03 have it: keyed by the key
    itself (``WITHOUT ROWID``), everything else the same."""
    connection = sqlite3.connect(path, isolation_level=None)
    (create,) = connection.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'entries'"
    ).fetchone()
    assert "WITHOUT ROWID" not in create
    connection.executescript(
        "BEGIN; ALTER TABLE entries RENAME TO entries_before;"
        f"{create} WITHOUT ROWID;"
        "INSERT INTO entries SELECT * FROM entries_before; DROP TABLE entries_before;"
        "CREATE INDEX entries_by_state ON entries (state); COMMIT;"
    )
    connection.close()


def test_a_ledger_of_the_first_layout_keeps_working(open_ledger: OpenLedger) -> None:
    with open_ledger() as ledger:
        kept, path = ledger.key(API, GROUP, "kept"), ledger.path
        ledger.reserve([Reservation(kept, body())])
        ledger.record([Created(kept, "p-1")])
    _to_the_first_layout(path)
    with open_ledger() as ledger:
        new, unsure = ledger.key(API, GROUP, "new"), ledger.key(API, GROUP, "unsure")
        reserved = ledger.reserve([Reservation(k, body()) for k in (kept, new, unsure)])
        assert set(reserved.reserved) == {new, unsure}
        assert reserved.existing[kept].profile_id == "p-1"
        ledger.record([Created(new, "p-2"), Unknown(unsure)])
    with open_ledger() as ledger:
        found = ledger.lookup([kept, new, unsure])
        assert {k: (e.state.value, e.profile_id) for k, e in found.items()} == {
            kept: ("created", "p-1"), new: ("created", "p-2"), unsure: ("unknown", None),
        }
    connection = sqlite3.connect(path)
    (create,) = connection.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'entries'"
    ).fetchone()
    connection.close()
    assert create.rstrip().endswith("WITHOUT ROWID")  # left as it was


def test_an_entry_without_a_key_cannot_be_written(ledger: Ledger) -> None:
    connection = sqlite3.connect(ledger.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
            connection.execute(
                "INSERT INTO entries (key, state, idempotency_key, body_digest, field_digests,"
                " attempts, uncertain, reserved_at, updated_at)"
                " VALUES (NULL, 'in_flight', 'i', 'b', '{}', 1, 0, 't', 't')"
            )
    finally:
        connection.close()


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.name: (p.read_bytes() if p.is_file() else b"<dir>", p.stat().st_mtime_ns)
        for p in folder.iterdir()
    }


def _other_programs_database(path: Path, *, wal: bool) -> None:
    connection = sqlite3.connect(path)
    if wal:
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE entries (key TEXT, value TEXT)")
    connection.execute("INSERT INTO entries VALUES ('a', 'b')")
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("text", "not a SQLite file"),
        ("empty", "empty file"),
        ("short", "not a SQLite file"),
        ("sqlite", "another program"),
        ("sqlite-wal", "another program"),
        ("folder", "is a folder"),
    ],
)
def test_a_file_that_is_not_a_ledger_is_refused_and_left_untouched(
    tmp_path: Path, kind: str, expected: str
) -> None:
    path = tmp_path / "ledger.sqlite3"
    if kind == "text":
        path.write_text("Vorname;Nachname\nMaria;Schmidt\n", encoding="utf-8")
    elif kind == "empty":
        path.touch()
    elif kind == "short":
        path.write_bytes(b"SQLite format 3\x00")
    elif kind == "folder":
        path.mkdir()
    else:
        _other_programs_database(path, wal=kind == "sqlite-wal")
    before = _snapshot(tmp_path)
    with pytest.raises(LedgerError, match=expected) as raised:
        Ledger(path)
    assert str(path) in str(raised.value)
    assert _snapshot(tmp_path) == before  # not changed, and nothing created beside it


def test_a_sqlite_file_with_our_id_but_not_our_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA application_id = 1095652937")
    connection.execute("CREATE TABLE other (x)")
    connection.commit()
    connection.close()
    with pytest.raises(LedgerError, match="not an aniva-import ledger"):
        Ledger(path)


def test_a_ledger_of_a_newer_version_is_refused(ledger_path: Path) -> None:
    with Ledger(ledger_path):
        pass
    connection = sqlite3.connect(ledger_path)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    with pytest.raises(LedgerError, match="newer aniva-import"):
        Ledger(ledger_path)


def test_a_ledger_whose_folder_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("x")
    with pytest.raises(LedgerError, match="not a folder"):
        Ledger(tmp_path / "state" / "ledger.sqlite3")


PATIENTS = [
    ("Zacharias", "Überhuber", "1971-07-13", "zacharias.ueberhuber@example.de", "+4917612345678"),
    ("Aino", "Kärkkäinen", "1988-11-30", "aino.k@example.fi", "+358401234567"),
]


def test_the_file_holds_no_identity_and_no_field_value_in_clear(ledger_path: Path) -> None:
    secrets_in_clear: list[str] = []
    with Ledger(ledger_path) as ledger:
        keys = []
        for first, last, dob, email, phone in PATIENTS:
            identity = f"{first.lower()}|{last.lower()}|{dob}|{email}|{phone}"
            secrets_in_clear += [identity, first, last, dob, email, phone, first.lower()]
            key = ledger.key(API, GROUP, identity)
            keys.append(key)
            sent = body(first, phone, last_name=last, date_of_birth=dob, email=email, height=187)
            ledger.reserve([Reservation(key, sent, source="export.csv", row=2)])
        ledger.record([Created(keys[0], "prof-1"), Unknown(keys[1])])
        sidecars = [ledger_path.with_name(ledger_path.name + s) for s in ("-wal", "-shm")]
        raw = b"".join(p.read_bytes() for p in [ledger_path, *sidecars])
        assert sidecars[0].stat().st_size > 0  # the WAL holds the entries right now
    raw += ledger_path.read_bytes()  # after the checkpoint at close
    assert b"prof-1" in raw  # the file is read as it is stored (profile ids are in clear)
    for text in [*secrets_in_clear, "Schmidt", "Maria"]:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert text.encode(encoding) not in raw, text


def test_default_ledger_path_is_in_the_users_state_folder() -> None:
    path = default_ledger_path()
    assert path == platformdirs.user_state_path("aniva-import", appauthor=False) / "ledger.sqlite3"
    assert path.is_absolute()


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG convention is Linux's")
def test_default_ledger_path_follows_the_platforms_convention(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_ledger_path() == tmp_path / "aniva-import" / "ledger.sqlite3"
