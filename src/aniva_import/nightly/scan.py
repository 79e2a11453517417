"""Which files in an inbox are new and finished, and which are still being written.

A file matching the inbox's patterns (case does not matter: ``EXPORT.CSV`` matches
``*.csv``) is *ready* when nothing suggests its writer is still at work:

- ``temporary_name``: a name writers use while writing — ``~$x.xlsx`` (Excel's owner
  file), ``.~lock.x.xlsx#`` (LibreOffice's), a hidden ``.x.csv``, or a pattern match
  with ``.part``, ``.partial``, ``.tmp``, ``.crdownload``, ``.filepart``,
  ``.download`` or ``~`` added;
- ``open_in_writer``: Excel's or LibreOffice's owner file for it sits beside it;
- ``locked_by_writer``: a process holds a ``flock`` or POSIX (``fcntl``) lock on it;
- ``still_changing``: its size, modification time or inode changed between two looks
  ``settle_seconds`` apart (one wait per inbox, not per file);
- ``not_a_regular_file``: a symbolic link, folder, FIFO … matching a pattern is never
  taken (a link could point at a file the clinic system may not read).

Ready files come oldest first (by modification time, then name).  Nothing here
opens a file for more than a lock probe, and nothing is moved.
"""

from __future__ import annotations

import errno
import fcntl
import fnmatch
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from aniva_import.nightly.folders import RESERVED

LeftReason = Literal[
    "temporary_name", "open_in_writer", "locked_by_writer", "still_changing",
    "not_a_regular_file",
]
Sleep = Callable[[float], None]

#: what writers add to a name while they write
TEMPORARY_SUFFIXES: Final = (".part", ".partial", ".tmp", ".crdownload", ".filepart",
                             ".download", "~")


@dataclass(frozen=True, slots=True)
class Left:
    """A file left in the inbox for a later run, and why."""

    name: str
    reason: LeftReason


@dataclass(frozen=True, slots=True)
class Scan:
    """What a look at an inbox found: the ready files (oldest first) and those left."""

    ready: tuple[Path, ...]
    left: tuple[Left, ...]

    @property
    def seen(self) -> int:
        return len(self.ready) + len(self.left)


@dataclass(frozen=True, slots=True)
class _Look:
    size: int
    mtime_ns: int
    inode: int


def matches(name: str, patterns: Sequence[str]) -> bool:
    """Whether a file name matches one of the patterns, ignoring case."""
    folded = name.casefold()
    return any(fnmatch.fnmatchcase(folded, p.casefold()) for p in patterns)


def temporary_base(name: str) -> str | None:
    """The name a writer's temporary file stands for (``~$x.xlsx`` → ``x.xlsx``,
    ``x.csv.part`` → ``x.csv``), or None for an ordinary name."""
    if name.startswith(".~lock.") and name.endswith("#"):
        return name[len(".~lock."):-1]
    if name.startswith("~$"):
        return name[2:]
    if name.startswith(".") and len(name) > 1:
        return name[1:]
    lowered = name.lower()
    for suffix in TEMPORARY_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def scan_inbox(
    folder: Path, patterns: Sequence[str], *, settle_seconds: float, sleep: Sleep
) -> Scan:
    """Look at ``folder`` twice, ``settle_seconds`` apart; see the module's docstring."""
    names = sorted(p.name for p in folder.iterdir())
    present = set(names)
    left: list[Left] = []
    candidates: list[str] = []
    for name in names:
        if name in RESERVED:
            continue
        base = temporary_base(name)
        if base is not None:
            if matches(name, patterns) or matches(base, patterns):
                left.append(Left(name, "temporary_name"))
            continue
        if not matches(name, patterns):
            continue
        try:
            info = (folder / name).lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(info.st_mode):
            left.append(Left(name, "not_a_regular_file"))
        elif _owner_file_beside(name, present):
            left.append(Left(name, "open_in_writer"))
        elif _locked(folder / name):
            left.append(Left(name, "locked_by_writer"))
        else:
            candidates.append(name)
    first = {name: look for name in candidates if (look := _look(folder / name)) is not None}
    if first and settle_seconds > 0:
        sleep(settle_seconds)
    ready: list[tuple[int, str]] = []
    for name, before in first.items():
        after = _look(folder / name)
        if after is None:
            continue  # gone meanwhile: not ours to report
        if after != before:
            left.append(Left(name, "still_changing"))
        else:
            ready.append((after.mtime_ns, name))
    ready.sort()
    return Scan(
        ready=tuple(folder / name for _, name in ready),
        left=tuple(sorted(left, key=lambda each: each.name)),
    )


def _owner_file_beside(name: str, present: set[str]) -> bool:
    """Excel writes ``~$`` + the name (for longer names, ``~$`` over its first two
    characters); LibreOffice ``.~lock.<name>#``."""
    return bool({f"~${name}", f"~${name[2:]}", f".~lock.{name}#"} & present)


def _locked(path: Path) -> bool:
    """Whether another process holds a lock on the file (flock or POSIX)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False  # unreadable: the import says so
    try:
        for lock, unlock in ((fcntl.flock, fcntl.flock), (fcntl.lockf, fcntl.lockf)):
            try:
                lock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    return True
                continue
            unlock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _look(path: Path) -> _Look | None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return _Look(info.st_size, info.st_mtime_ns, info.st_ino)
