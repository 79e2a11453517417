"""One run per inbox: the lock, a second holder, a holder killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aniva_import.nightly import InboxBusy, InboxLock


def test_a_second_lock_is_refused_at_once_and_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "nightly.lock"
    with InboxLock(path, started_at="2026-11-25T02:00:00Z") as first:
        assert first.previous is None
        with pytest.raises(InboxBusy) as caught:
            InboxLock(path, started_at="2026-11-25T02:00:01Z")
        assert caught.value.holder is not None
        assert caught.value.holder.pid == os.getpid()
        assert f"process {os.getpid()}" in str(caught.value)
        assert caught.value.exit_code == 2
    assert path.read_text("utf-8") == ""  # released: nobody holds it
    assert path.stat().st_mode & 0o777 == 0o600
    with InboxLock(path, started_at="later") as again:
        assert again.previous is None  # the previous run finished cleanly


def _holder(path: Path) -> subprocess.Popen[str]:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from aniva_import.nightly import InboxLock\n"
        f"lock = InboxLock(Path({str(path)!r}), started_at='2026-11-25T02:00:00Z')\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_lock_held_by_another_process_keeps_this_one_out(tmp_path: Path) -> None:
    path = tmp_path / "nightly.lock"
    child = _holder(path)
    try:
        with pytest.raises(InboxBusy) as caught:
            InboxLock(path, started_at="now")
        assert caught.value.holder is not None
        assert caught.value.holder.pid == child.pid
    finally:
        child.communicate("")
    with InboxLock(path, started_at="now") as lock:
        assert lock.previous is not None  # the child exited without releasing


def test_a_holder_killed_with_sigkill_leaves_a_lock_that_is_recovered(tmp_path: Path) -> None:
    path = tmp_path / "nightly.lock"
    child = _holder(path)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert str(child.pid) in path.read_text("utf-8")  # the file still names it
    with InboxLock(path, started_at="2026-11-26T02:00:00Z") as lock:  # not blocked
        assert lock.previous is not None
        assert lock.previous.pid == child.pid
        assert lock.previous.started_at == "2026-11-25T02:00:00Z"
        assert lock.holder.pid == os.getpid()


def test_a_lock_file_that_cannot_be_opened(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="Cannot open the inbox lock"):
        InboxLock(tmp_path / "missing-folder" / "nightly.lock", started_at="now")
