"""Files the tool writes: created owner-only (0600), complete or not at all.

A file is written to a uniquely named temporary file beside its target and renamed
onto it when complete, so a reader never sees half a file and a failure leaves
nothing behind.
"""

from __future__ import annotations

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
