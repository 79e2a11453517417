"""The ledger file on disk: folders, creation, recognition, the SQLite connection.

- Folders the ledger needs are created 0700; the file is created 0600 (SQLite
  gives its ``-wal`` and ``-shm`` files the database file's mode; they are
  tightened to 0600 after opening in case they were made by something else).
- A new ledger is built complete in a temporary file beside its final path
  (schema, secret, ``application_id``, WAL mode) and then linked into place, so a
  crash while creating leaves either no ledger or a whole one, never a half-made
  file that the next run would have to guess about.
- An existing file is recognised from its first 100 bytes before SQLite opens it
  (``SQLite format 3`` and our ``application_id``): a file of any other program,
  SQLite or not, is refused untouched.  Then ``user_version`` and the ``meta``
  table are checked.
- Every connection runs in WAL mode with ``synchronous = FULL``: a committed
  transaction is on disk (the WAL is synced at every commit) before ``COMMIT``
  returns.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

from aniva_import.errors import LedgerError
from aniva_import.ledger import _schema

#: What ``PRAGMA synchronous`` answers, by name.
SYNCHRONOUS_NAMES = {0: "off", 1: "normal", 2: "full", 3: "extra"}
#: The secret's size in bytes (HMAC-SHA256 key).
SECRET_BYTES = 32
_PRIVATE_FILE = 0o600
_PRIVATE_FOLDER = 0o700


def make_parents(path: Path) -> None:
    """Create the folders above ``path`` that do not exist yet, each 0700."""
    missing: list[Path] = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        if parent.parent == parent:
            break
        parent = parent.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=_PRIVATE_FOLDER)
        except FileExistsError:
            continue
        except OSError as exc:
            raise LedgerError(
                f"Cannot create the folder {folder} for the ledger: {exc.strerror}."
            ) from exc
        folder.chmod(_PRIVATE_FOLDER)
    if not path.parent.is_dir():
        raise LedgerError(f"Cannot put the ledger at {path}: {path.parent} is not a folder.")


def refuse_foreign(path: Path) -> None:
    """Raise :class:`LedgerError` unless ``path`` starts like an aniva-import ledger.

    Reads the first 100 bytes only; the file is not changed.
    """
    untouched = "It was left untouched; choose another path for the ledger (--state)."
    try:
        with path.open("rb") as file:
            header = file.read(_schema.HEADER_SIZE)
    except IsADirectoryError:
        raise LedgerError(
            f"The ledger path {path} is a folder, not a file. Name a file (--state)."
        ) from None
    except OSError as exc:
        raise LedgerError(f"Cannot read the ledger {path}: {exc.strerror}.") from exc
    if not header:
        raise LedgerError(f"{path} is an empty file, not an aniva-import ledger. {untouched}")
    if len(header) < _schema.HEADER_SIZE or not header.startswith(_schema.SQLITE_MAGIC):
        raise LedgerError(f"{path} is not an aniva-import ledger (not a SQLite file). {untouched}")
    offset = _schema.APPLICATION_ID_OFFSET
    if int.from_bytes(header[offset : offset + 4], "big") != _schema.APPLICATION_ID:
        raise LedgerError(
            f"{path} is a SQLite database of another program, not an aniva-import ledger. "
            f"{untouched}"
        )


def _fsync_folder(folder: Path) -> None:
    # A new directory entry survives a power loss only once its folder is synced.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create(path: Path, secret: bytes, created_at: str) -> None:
    """Create a complete, empty ledger at ``path`` (which must not exist yet)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)  # mkstemp made it 0600; SQLite's journal files inherit that mode
    temporary = Path(name)
    try:
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            for statement in _schema.SCHEMA:
                connection.execute(statement)
            connection.executemany(
                "INSERT INTO meta (name, value) VALUES (?, ?)",
                [
                    ("format", _schema.FORMAT_NAME),
                    ("schema_version", str(_schema.SCHEMA_VERSION)),
                    ("secret", secret.hex()),
                    ("created_at", created_at),
                ],
            )
            connection.execute(_schema.SET_APPLICATION_ID)
            connection.execute(_schema.SET_USER_VERSION)
            connection.execute("COMMIT")
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise LedgerError(
                    f"Cannot create the ledger {path}: its file system does not support "
                    "SQLite's WAL mode. Choose a local folder (--state)."
                )
        finally:
            connection.close()  # checkpoints and removes the temporary -wal and -shm
        with temporary.open("rb+") as file:
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # never replaces a file that appeared meanwhile
        except OSError:
            if path.exists():
                raise
            temporary.replace(path)  # a file system without hard links
    except sqlite3.Error as exc:
        raise LedgerError(f"Cannot create the ledger {path}: {exc}.") from exc
    except OSError as exc:
        raise LedgerError(f"Cannot create the ledger {path}: {exc.strerror}.") from exc
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def _tighten_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            if sidecar.stat().st_mode & 0o077:
                sidecar.chmod(_PRIVATE_FILE)


def _prepare(connection: sqlite3.Connection, path: Path) -> bytes:
    """Check that the open file is a ledger of our schema; set the pragmas; return the secret."""
    connection.row_factory = sqlite3.Row
    connection.execute(f"PRAGMA busy_timeout = {_schema.BUSY_TIMEOUT_MS}")
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > _schema.SCHEMA_VERSION:
        raise LedgerError(
            f"The ledger {path} was written by a newer aniva-import (schema "
            f"{version}; this one knows {_schema.SCHEMA_VERSION}). Upgrade aniva-import."
        )
    foreign = LedgerError(
        f"{path} is not an aniva-import ledger, or a damaged one. It was left "
        "untouched; choose another path for the ledger (--state)."
    )
    if version != _schema.SCHEMA_VERSION:
        raise foreign
    try:
        meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
    except sqlite3.OperationalError:
        raise foreign from None
    if meta.get("format") != _schema.FORMAT_NAME:
        raise foreign
    secret = bytes.fromhex(meta["secret"])
    if len(secret) != SECRET_BYTES:
        raise LedgerError(f"The ledger {path} is damaged (its secret is not intact).")
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise LedgerError(
            f"Cannot use the ledger {path} in SQLite's WAL mode (its file system "
            "may not support it). Choose a local folder (--state)."
        )
    connection.execute("PRAGMA synchronous = FULL")
    _tighten_sidecars(path)
    return secret


def connect(path: Path) -> tuple[sqlite3.Connection, bytes]:
    """Open an existing ledger (recognised by :func:`refuse_foreign`); return it and its secret.

    Checks the schema version and the ``meta`` table, then sets WAL,
    ``synchronous = FULL`` and ``busy_timeout``.  Never creates the file.
    """
    uri = path.resolve().as_uri() + "?mode=rw"
    try:
        connection = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise LedgerError(f"Cannot open the ledger {path}: {exc}.") from exc
    try:
        secret = _prepare(connection, path)
    except LedgerError:
        connection.close()
        raise
    except (sqlite3.Error, KeyError, ValueError) as exc:
        connection.close()
        raise LedgerError(f"The ledger {path} is damaged or unreadable: {exc}.") from exc
    return connection, secret
