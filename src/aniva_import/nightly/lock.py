"""One nightly run per inbox at a time: an exclusive ``flock`` on ``.aniva-import/nightly.lock``.

``flock`` rather than a lock file whose existence means "locked" (or a library that
falls back to such soft locks): the kernel drops the lock when its holder dies,
however it dies, so a run killed with SIGKILL, an out-of-memory kill or a power cut
never blocks the next night.  The lock is taken without waiting: an overlapping run
learns at once that the inbox is busy (:class:`InboxBusy`) and leaves it alone.

The file also says who holds it (process id, host, start time) for the busy message.
A holder that finishes empties it; a lock taken over a file that still names a
holder was left by a run that did not finish (killed): :attr:`InboxLock.previous`
tells who, so the recovery is reported.  The file is never removed (removing it
would race with a run that just opened it).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from aniva_import.errors import AnivaImportError
from aniva_import.files import try_lock


class InboxBusy(AnivaImportError):
    """Another run holds the inbox's lock (this run leaves the inbox alone; exit 2)."""

    exit_code = 2

    def __init__(self, message: str, holder: Holder | None) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds (or held) a lock, as written in the lock file."""

    pid: int
    host: str
    started_at: str

    def to_json(self) -> str:
        return json.dumps({"pid": self.pid, "host": self.host, "started_at": self.started_at})

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["host"]), str(data["started_at"]))
        except (ValueError, TypeError, KeyError):
            return None


class InboxLock:
    """The inbox's lock, held from construction until :meth:`release`."""

    def __init__(self, path: Path, *, started_at: str) -> None:
        self.path = path
        try:
            fd = try_lock(path)
        except OSError as error:
            raise AnivaImportError(
                f"Cannot open the inbox lock {path}: {error.strerror}."
            ) from None
        if fd is None:
            holder = _holder_of(path)
            who = (f" (process {holder.pid} on {holder.host}, started {holder.started_at})"
                   if holder else "")
            raise InboxBusy(
                f"Another aniva-import nightly run is processing this inbox{who}; left alone.",
                holder,
            )
        self._fd: int | None = fd
        #: the holder a run that did not finish left in the file (None: released cleanly)
        self.previous = _read_holder(fd)
        self.holder = Holder(os.getpid(), socket.gethostname(), started_at)
        _write(fd, self.holder.to_json())

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Say the run finished (empty the file), then drop the lock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _write(fd, "")
        finally:
            os.close(fd)

    def __enter__(self) -> InboxLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _holder_of(path: Path) -> Holder | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return _read_holder(fd)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> Holder | None:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    except OSError:
        return None
    return Holder.parse(text) if text else None


def _write(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    if text:
        os.pwrite(fd, text.encode("utf-8"), 0)
    os.fsync(fd)
