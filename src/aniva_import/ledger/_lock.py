"""One run at a time: an exclusive ``flock`` on ``<ledger>.lock``, held while the ledger is open.

``flock`` (not a lock file whose existence means "locked") because the kernel
drops it when the holder dies, however it dies: a run killed with SIGKILL never
blocks the next one.  The lock is taken on a file of its own, never on the
SQLite file: SQLite's own POSIX locks on the database would be dropped if this
process closed any other descriptor of that file.  The ``.lock`` file is left in
place (removing it would race with a process that just opened it); it is empty.

The lock is taken without waiting: a second run learns at once that the ledger
is busy.  Locks are per open file, so a second :class:`Ledger` on the same file in
the same process is refused too.
"""

from __future__ import annotations

import os
from pathlib import Path

from aniva_import.errors import LedgerBusy, LedgerError
from aniva_import.files import try_lock


def lock_path(ledger_path: Path) -> Path:
    """The lock file that guards a ledger file."""
    return ledger_path.with_name(ledger_path.name + ".lock")


class ExclusiveLock:
    """An exclusive, non-blocking ``flock`` on a lock file (created 0600)."""

    __slots__ = ("_fd", "path")

    def __init__(self, path: Path, guarded: Path) -> None:
        self.path = path
        try:
            fd = try_lock(path)
        except OSError as exc:
            raise LedgerError(
                f"Cannot open the ledger's lock file {path}: {exc.strerror}."
            ) from exc
        if fd is None:
            raise LedgerBusy(
                f"The ledger {guarded} is in use by another aniva-import run. "
                "Wait for that import to finish, or choose another ledger with --state."
            )
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Release the lock (closing the descriptor releases the ``flock``)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
