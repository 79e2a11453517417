"""The ledger file's format: how it says what it is, its version, its tables.

A ledger says it is one three times: SQLite's ``application_id`` in the file
header (readable without SQLite, so a foreign file is refused before SQLite ever
opens it), ``PRAGMA user_version`` (the schema version) and the ``meta`` table's
``format`` row.
"""

from __future__ import annotations

from typing import Final

#: ``PRAGMA application_id``: "ANVI" as a big-endian 32-bit number.
APPLICATION_ID: Final = 0x414E5649
#: ``PRAGMA user_version`` of the schema below.
SCHEMA_VERSION: Final = 1
#: The ``meta`` table's ``format`` value.
FORMAT_NAME: Final = "aniva-import ledger"

#: The first bytes of every SQLite 3 database file; the application id is at offset 68.
SQLITE_MAGIC: Final = b"SQLite format 3\x00"
APPLICATION_ID_OFFSET: Final = 68
HEADER_SIZE: Final = 100

#: The schema, created in one transaction when the file is made.  ``entries`` holds
#: fingerprints, digests, ids and operator labels only (see ``_entries.Entry``).  It is
#: a rowid table, so its rows lie in the order they were reserved: recording a batch's
#: outcomes writes a few pages (only reserving still writes about a page a row, into the
#: index of the random-looking keys).  Keyed by the key itself (``WITHOUT ROWID``, as
#: files made before 2026-12-03 are), every row of a batch lands on a page of its own,
#: for both.  The SQL that reads and writes the two layouts is the same.
SCHEMA: Final = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    """CREATE TABLE entries (
        key TEXT NOT NULL PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('in_flight', 'unknown', 'created')),
        profile_id TEXT,
        idempotency_key TEXT NOT NULL,
        body_digest TEXT NOT NULL,
        field_digests TEXT NOT NULL,
        source TEXT,
        row INTEGER,
        attempts INTEGER NOT NULL CHECK (attempts >= 1),
        uncertain INTEGER NOT NULL CHECK (uncertain IN (0, 1)),
        reserved_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        created_at TEXT,
        CHECK ((state = 'created') = (profile_id IS NOT NULL))
    )""",
    "CREATE INDEX entries_by_state ON entries (state)",
)

#: The pragmas that make the file say what it is; constants, so no SQL is built from data.
SET_APPLICATION_ID: Final = f"PRAGMA application_id = {APPLICATION_ID}"
SET_USER_VERSION: Final = f"PRAGMA user_version = {SCHEMA_VERSION}"

#: Milliseconds SQLite waits for another connection (an operator's ``sqlite3`` shell);
#: runs never wait for each other, the lock refuses a second run at once.
BUSY_TIMEOUT_MS: Final = 5000
