"""Files the tool writes: created owner-only (0600), complete or not at all.

A file is written to a uniquely named temporary file beside its target and renamed
onto it when complete, so a reader never sees half a file and a failure leaves
nothing behind.  :func:`try_lock` is the one exclusive lock the ledger and the
nightly inbox both take.
"""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
from pathlib import Path


def create_private_beside(target: Path) -> tuple[int, Path]:
    """A new, uniquely named, owner-only (0600) temporary file in ``target``'s folder,
    to be renamed onto ``target`` when complete; returns its fd and path."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.fchmod(fd, 0o600)
    return fd, Path(name)


def write_private_text(path: Path, text: str) -> None:
    """Write a small text file atomically and owner-only."""
    fd, temp = create_private_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def try_lock(path: Path) -> int | None:
    """An exclusive, non-blocking ``flock`` on ``path`` (created 0600 if missing): the
    descriptor that holds it (closing it releases the lock), or None when another open
    file holds it.  Raises :class:`OSError` when the file cannot be opened or locked.

    ``flock`` rather than a lock file whose existence means "locked": the kernel drops
    the lock when its holder dies, however it dies (SIGKILL, an out-of-memory kill).
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(fd)
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd
