"""Real processes: one run at a time, a killed holder never blocks, a SIGKILL leaves `unknown`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aniva_import.ledger import EntryState, Ledger, LedgerBusy
from tests.ledger.conftest import API, GROUP

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")

#: Opens the ledger, reports how long that took (or that it is busy), and exits.
TRY_OPEN = """
import sys, time
from aniva_import.ledger import Ledger, LedgerBusy
start = time.monotonic()
try:
    with Ledger(sys.argv[1]):
        print("opened", flush=True)
except LedgerBusy as exc:
    print(f"busy {time.monotonic() - start:.3f} {exc}", flush=True)
"""

#: Opens the ledger, creates one patient, reserves another, says so, then waits to be killed.
HOLD = """
import sys, time
from aniva_import.ledger import Created, Ledger, Reservation
api, group = sys.argv[2], sys.argv[3]
ledger = Ledger(sys.argv[1])
done, pending = ledger.key(api, group, "done"), ledger.key(api, group, "pending")
ledger.reserve([Reservation(done, {"first_name": "A"}, source="list.csv", row=2)])
ledger.record([Created(done, "profile-1")])
ledger.reserve([Reservation(pending, {"first_name": "B"}, source="list.csv", row=3)])
print("ready", flush=True)
time.sleep(120)
"""


def _try_open(path: Path) -> str:
    finished = subprocess.run(
        [sys.executable, "-c", TRY_OPEN, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return finished.stdout.strip()


@contextmanager
def _holder(path: Path) -> Iterator[subprocess.Popen[str]]:
    """A child process that holds the ledger with one entry left in flight."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), API, GROUP],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line == "ready", child.stderr.read() if child.stderr else line
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def test_a_second_run_is_refused_at_once_while_the_first_holds_the_ledger(
    ledger_path: Path,
) -> None:
    with Ledger(ledger_path):
        answer = _try_open(ledger_path)
    assert answer.startswith("busy ")
    _, seconds, message = answer.split(" ", 2)
    assert float(seconds) < 1.0
    assert str(ledger_path) in message
    assert "--state" in message
    assert "another aniva-import run" in message


def test_the_lock_is_released_when_the_ledger_is_closed(ledger_path: Path) -> None:
    with Ledger(ledger_path):
        pass
    assert _try_open(ledger_path) == "opened"


def test_a_second_ledger_in_the_same_process_is_refused_too(ledger_path: Path) -> None:
    with Ledger(ledger_path), pytest.raises(LedgerBusy):
        Ledger(ledger_path)


def test_another_spelling_of_the_path_takes_the_same_lock(ledger_path: Path) -> None:
    with Ledger(ledger_path):
        pass  # the file exists: a symlink to it, and a path through "..", name it too
    alias = ledger_path.with_name("alias.sqlite3")
    alias.symlink_to(ledger_path.name)
    (ledger_path.parent / "sub").mkdir()
    dotted = ledger_path.parent / "sub" / ".." / ledger_path.name
    with Ledger(ledger_path):
        for other in (alias, dotted):
            with pytest.raises(LedgerBusy):
                Ledger(other)
    with Ledger(alias), pytest.raises(LedgerBusy):
        Ledger(ledger_path)


def test_a_run_killed_with_sigkill_leaves_no_lock_and_its_in_flight_entry_unknown(
    ledger_path: Path,
) -> None:
    with _holder(ledger_path) as child:
        with pytest.raises(LedgerBusy):
            Ledger(ledger_path)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    with Ledger(ledger_path) as ledger:
        assert ledger.recovered == 1
        done, pending = (ledger.key(API, GROUP, name) for name in ("done", "pending"))
        entries = ledger.lookup([done, pending])
        assert entries[done].state is EntryState.CREATED
        assert entries[done].profile_id == "profile-1"
        assert entries[pending].state is EntryState.UNKNOWN
        assert (entries[pending].source, entries[pending].row) == ("list.csv", 3)
        summary = ledger.summary()
        assert [entry.key for entry in summary.unknown] == [pending]
