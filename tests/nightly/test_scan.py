"""Which files are ready: patterns, writers' temporary names and locks, two looks."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aniva_import.nightly import Scan, scan_inbox
from aniva_import.nightly.config import DEFAULT_PATTERNS
from aniva_import.nightly.scan import matches, temporary_base


def touch(folder: Path, name: str, text: str = "Vorname;Nachname\n", mtime: int = 0) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    if mtime:
        os.utime(path, ns=(mtime, mtime))
    return path


def no_sleep(seconds: float) -> None:
    raise AssertionError("no file to wait for")


def scan(folder: Path, patterns: tuple[str, ...] = DEFAULT_PATTERNS,
         sleep: Callable[[float], None] | None = None) -> Scan:
    return scan_inbox(folder, patterns, settle_seconds=1.0, sleep=sleep or (lambda s: None))


def test_ready_files_oldest_first_and_only_matching_ones(tmp_path: Path) -> None:
    touch(tmp_path, "b.csv", mtime=2_000_000_000)
    touch(tmp_path, "a.csv", mtime=3_000_000_000)
    touch(tmp_path, "c.CSV", mtime=1_000_000_000)  # case does not matter
    touch(tmp_path, "notes.pdf")
    touch(tmp_path, ".DS_Store")
    for folder in ("done", "failed", "working", ".aniva-import", "other"):
        (tmp_path / folder).mkdir()
    found = scan(tmp_path)
    assert [p.name for p in found.ready] == ["c.CSV", "b.csv", "a.csv"]
    assert found.left == ()
    only_csv = scan(tmp_path, ("*.csv",))
    assert len(only_csv.ready) == 3


def test_temporary_names_and_owner_files_are_left(tmp_path: Path) -> None:
    for name in ("x.csv.part", "x.csv.tmp", "x.csv~", ".x.csv", "~$book.xlsx", "y.csv.crdownload",
                 ".~lock.sheet.ods#", "z.CSV.PART"):
        touch(tmp_path, name)
    touch(tmp_path, "book.xlsx")  # Excel holds ~$book.xlsx while it has it open
    touch(tmp_path, "Patientenliste.xlsx")  # a long name: ~$ replaces its first two letters
    touch(tmp_path, "~$tientenliste.xlsx")
    touch(tmp_path, "sheet.ods")  # LibreOffice holds .~lock.sheet.ods#
    found = scan(tmp_path)
    assert found.ready == ()
    reasons = {left.name: left.reason for left in found.left}
    assert reasons.pop("book.xlsx") == "open_in_writer"
    assert reasons.pop("Patientenliste.xlsx") == "open_in_writer"
    assert reasons.pop("sheet.ods") == "open_in_writer"
    assert set(reasons.values()) == {"temporary_name"}
    assert len(reasons) == 9


def test_a_file_still_growing_between_the_two_looks_is_left(tmp_path: Path) -> None:
    growing = touch(tmp_path, "growing.csv")
    touch(tmp_path, "still.csv")
    waits: list[float] = []

    def writer_at_work(seconds: float) -> None:
        waits.append(seconds)
        with growing.open("a", encoding="utf-8") as handle:
            handle.write("Anna;B\n")

    found = scan(tmp_path, sleep=writer_at_work)
    assert waits == [1.0]  # one wait for the whole inbox
    assert [p.name for p in found.ready] == ["still.csv"]
    assert [(left.name, left.reason) for left in found.left] == [("growing.csv",
                                                                  "still_changing")]


def test_a_file_replaced_between_the_looks_is_left(tmp_path: Path) -> None:
    path = touch(tmp_path, "x.csv", mtime=1_000_000_000)

    def replaced(seconds: float) -> None:
        other = touch(tmp_path, "x.new", mtime=1_000_000_000)
        other.replace(path)  # same size and mtime, another inode

    assert [left.reason for left in scan(tmp_path, sleep=replaced).left] == ["still_changing"]


def test_no_wait_without_a_candidate(tmp_path: Path) -> None:
    touch(tmp_path, "x.csv.part")
    assert scan(tmp_path, sleep=no_sleep).ready == ()


@pytest.mark.parametrize("kind", ["flock", "lockf"])
def test_a_file_a_writer_holds_a_lock_on_is_left(tmp_path: Path, kind: str) -> None:
    path = touch(tmp_path, "export.csv")
    call = "fcntl.flock(f, fcntl.LOCK_EX)" if kind == "flock" else \
        "fcntl.lockf(f, fcntl.LOCK_EX)"
    code = (f"import fcntl, sys\nf = open({str(path)!r}, 'a')\n{call}\n"
            "print('locked', flush=True)\nsys.stdin.read()\n")
    writer = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "locked"
        found = scan(tmp_path)
    finally:
        writer.communicate("")
    assert [(left.name, left.reason) for left in found.left] == [("export.csv",
                                                                  "locked_by_writer")]
    assert [p.name for p in scan(tmp_path).ready] == ["export.csv"]  # released
    # our probe leaves no lock behind
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_links_folders_and_fifos_are_never_taken(tmp_path: Path) -> None:
    target = touch(tmp_path, "real.dat")
    (tmp_path / "link.csv").symlink_to(target)
    (tmp_path / "folder.csv").mkdir()
    os.mkfifo(tmp_path / "pipe.csv")
    found = scan(tmp_path)
    assert found.ready == ()
    assert {(left.name, left.reason) for left in found.left} == {
        ("link.csv", "not_a_regular_file"), ("folder.csv", "not_a_regular_file"),
        ("pipe.csv", "not_a_regular_file"),
    }


@given(st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and "\x00" not in s))
def test_a_temporary_name_never_stands_for_itself(name: str) -> None:
    base = temporary_base(name)
    assert base is None or base != name


@given(st.sampled_from(DEFAULT_PATTERNS), st.text(min_size=1, max_size=12).filter(
    lambda s: "/" not in s and not any(c in s for c in "*?[]")))
def test_patterns_ignore_case(pattern: str, stem: str) -> None:
    name = stem + pattern[1:]
    assert matches(name.upper(), (pattern,)) == matches(name.lower(), (pattern,))
