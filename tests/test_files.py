"""The files the tool writes, and the one exclusive lock."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aniva_import.files import create_private_beside, try_lock, write_private_text


def test_a_private_file_is_owner_only_and_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_private_text(target, "hello")
    assert target.read_text(encoding="utf-8") == "hello"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary left


def test_the_temporary_file_sits_beside_its_target(tmp_path: Path) -> None:
    fd, temp = create_private_beside(tmp_path / "results.csv")
    os.close(fd)
    assert temp.parent == tmp_path
    assert temp.name.startswith(".results.csv.")
    assert stat.S_IMODE(temp.stat().st_mode) == 0o600


def test_a_lock_is_taken_once_and_released_by_closing(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    first = try_lock(path)
    assert first is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert try_lock(path) is None  # per open file: refused in this process too
    os.close(first)
    again = try_lock(path)
    assert again is not None
    os.close(again)


def test_a_lock_held_by_a_killed_process_is_free(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from aniva_import.files import try_lock;"
         f"fd = try_lock(Path({str(path)!r})); print(fd is not None, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        assert try_lock(path) is None
    finally:
        holder.kill()
        holder.wait()
    fd = try_lock(path)
    assert fd is not None
    os.close(fd)


def test_a_lock_that_cannot_be_opened_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        try_lock(tmp_path / "missing-folder" / "x.lock")
