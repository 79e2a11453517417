"""The :class:`Ledger`: what aniva-import sent and created, kept durably, one run at a time."""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Self

from aniva_import.errors import LedgerError
from aniva_import.ledger import _storage
from aniva_import.ledger._entries import (
    Created,
    Entry,
    EntryState,
    LedgerKey,
    LedgerSummary,
    Outcome,
    Released,
    Reservation,
    ReserveResult,
    Unknown,
)
from aniva_import.ledger._fingerprints import Fingerprints
from aniva_import.ledger._lock import ExclusiveLock, lock_path

Clock = Callable[[], datetime]
TokenBytes = Callable[[int], bytes]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _short(key: str) -> str:
    return key[:12]


class Ledger:
    """An open import ledger, held exclusively until :meth:`close`.

    Opening creates the file when it does not exist (folders 0700, file 0600),
    refuses a file that is not an aniva-import ledger (:class:`LedgerError`,
    the file untouched) or one another run holds (:class:`LedgerBusy`, at once),
    and turns every entry a crashed run left ``in_flight`` into ``unknown``
    (:attr:`recovered` says how many).

    ``clock`` gives the time stamps (aware datetimes), ``token_bytes`` the
    randomness of the secret and the idempotency keys; both are injectable.
    Every method that writes is one transaction, committed (synced to disk)
    before it returns; if it raises, nothing of it was written.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Clock = _utc_now,
        token_bytes: TokenBytes = secrets.token_bytes,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._token_bytes = token_bytes
        self._mutex = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._lock: ExclusiveLock | None = None
        #: Entries a crashed run had left ``in_flight``, turned ``unknown`` at open.
        self.recovered = 0
        exists = self.path.exists() or self.path.is_symlink()
        if exists:
            _storage.refuse_foreign(self.path)  # before any file is created beside it
        else:
            _storage.make_parents(self.path)
        # beside the file itself: every spelling of its path (a symlink, ..) takes one lock
        self._lock = ExclusiveLock(lock_path(self.path.resolve()), self.path)
        try:
            if not exists and not self.path.exists():
                _storage.create(self.path, token_bytes(_storage.SECRET_BYTES), self._stamp())
            elif not exists:
                _storage.refuse_foreign(self.path)  # appeared while we took the lock
            self._connection, secret = _storage.connect(self.path)
            self._fingerprints = Fingerprints(secret)
            self.recovered = self.recover()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        state = "open" if self._connection is not None else "closed"
        return f"Ledger({str(self.path)!r}, {state})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file and release the lock.  Entries stay as they are (``in_flight`` too)."""
        with self._mutex:
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.close()
            lock, self._lock = self._lock, None
            if lock is not None:
                lock.release()

    # -- keys and digests ---------------------------------------------------------

    def key(self, api_url: str, group: str, identity: str) -> LedgerKey:
        """The key of one patient: keyed hash of API URL, group and identity.

        ``identity`` is the caller's canonical text of the patient's identity
        (normalised names and date of birth; e-mail and phone when the date is
        empty).  It is hashed, never stored.
        """
        return self._fingerprints.key(api_url, group, identity)

    def changed_fields(self, entry: Entry, body: Mapping[str, object]) -> tuple[str, ...]:
        """Names of the fields of ``body`` that differ from what was sent for ``entry``.

        Fields sent then but missing from ``body`` come last.  Empty when the same
        body would be sent again.
        """
        return self._fingerprints.changed_fields(entry.key, entry.field_digests, body)

    # -- reading ------------------------------------------------------------------

    def lookup(self, keys: Iterable[LedgerKey]) -> dict[LedgerKey, Entry]:
        """The entries of those ``keys`` that the ledger holds (absent keys are left out)."""
        with self._reading() as connection:
            return self._entries(connection, keys)

    def summary(self) -> LedgerSummary:
        """Counts by state, the unknown entries (by source and row), the durability settings."""
        with self._reading() as connection:
            counts = dict.fromkeys(EntryState, 0)
            for state, count in connection.execute(
                "SELECT state, count(*) FROM entries GROUP BY state"
            ):
                counts[EntryState(state)] = count
            unknown = tuple(
                map(
                    _entry,
                    connection.execute(
                        "SELECT * FROM entries WHERE state = 'unknown' "
                        "ORDER BY source IS NULL, source, row IS NULL, row, key"
                    ),
                )
            )
            journal_mode = str(connection.execute("PRAGMA journal_mode").fetchone()[0])
            synchronous = connection.execute("PRAGMA synchronous").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        return LedgerSummary(
            path=self.path,
            schema_version=version,
            journal_mode=journal_mode.lower(),
            synchronous=_storage.SYNCHRONOUS_NAMES.get(synchronous, str(synchronous)),
            counts=MappingProxyType(counts),
            unknown=unknown,
        )

    # -- writing ------------------------------------------------------------------

    def reserve(
        self, reservations: Sequence[Reservation], *, resend_unknown: bool = False
    ) -> ReserveResult:
        """Mark rows ``in_flight`` before they are sent; one transaction, committed on return.

        Insert if absent: a key the ledger already holds is not overwritten and is
        reported in ``existing`` with its entry.  With ``resend_unknown`` (the
        user asked for it) an ``unknown`` entry among them is turned back to
        ``in_flight`` instead, keeping its idempotency key and recording the body
        now sent.  A key given twice is reserved once (the repeat is ``existing``).
        Only the rows in ``reserved`` may be sent.
        """
        now = self._stamp()
        stamp = _time(now)
        assert stamp is not None
        reservations = list(reservations)
        reserved: dict[LedgerKey, Entry] = {}
        existing: dict[LedgerKey, Entry] = {}
        inserts: list[tuple[object, ...]] = []
        with self._writing() as connection:
            present = self._entries(connection, (r.key for r in reservations))
            for reservation in reservations:
                key = reservation.key
                if key in reserved:  # given twice: reserved once, the repeat is existing
                    existing[key] = reserved[key]
                    continue
                held = present.get(key)
                if held is None:  # a new entry: exactly what is written (not read back)
                    body_digest, idempotency_key, digests = self._fingerprints.sent(
                        key, reservation.body
                    )
                    inserts.append((key, idempotency_key, body_digest,
                                    json.dumps(digests, sort_keys=True), reservation.source,
                                    reservation.row, now, now))
                    reserved[key] = Entry(
                        key=key, state=EntryState.IN_FLIGHT, profile_id=None,
                        idempotency_key=idempotency_key, body_digest=body_digest,
                        field_digests=MappingProxyType(dict(sorted(digests.items()))),
                        source=reservation.source, row=reservation.row, attempts=1,
                        uncertain=False, reserved_at=stamp, updated_at=stamp, created_at=None,
                    )
                elif resend_unknown and held.state is EntryState.UNKNOWN:
                    body_digest, _, digests = self._fingerprints.sent(key, reservation.body)
                    connection.execute(
                        "UPDATE entries SET state = 'in_flight', body_digest = ?,"
                        " field_digests = ?, source = ?, row = ?, attempts = attempts + 1,"
                        " updated_at = ? WHERE key = ? AND state = 'unknown'",
                        (body_digest, json.dumps(digests, sort_keys=True), reservation.source,
                         reservation.row, now, key),
                    )
                    entry = self._get(connection, key)
                    assert entry is not None
                    reserved[key] = entry
                else:
                    existing[key] = held
            connection.executemany(
                "INSERT INTO entries (key, state, profile_id, idempotency_key, body_digest,"
                " field_digests, source, row, attempts, uncertain, reserved_at, updated_at,"
                " created_at) VALUES (?, 'in_flight', NULL, ?, ?, ?, ?, ?, 1, 0, ?, ?, NULL)",
                inserts,
            )
        return ReserveResult(MappingProxyType(reserved), MappingProxyType(existing))

    def record(self, outcomes: Iterable[Outcome], *, synced: bool = True) -> None:
        """Record the outcomes of sent (or never sent) rows; one transaction.

        ``Created``: the entry becomes ``created`` with the profile id (from
        ``in_flight``, or from ``unknown`` when a late answer settles it).
        ``Unknown``: ``in_flight`` becomes ``unknown``.  ``Released``: certainly
        nothing was created, so the ``in_flight`` entry is removed and a later
        run may send the row again, unless the entry had been unknown before (a
        resend): then it returns to ``unknown``, because the first request may
        have created the profile.

        An outcome that does not fit the entry's state (no entry, not in flight,
        a second profile id) is a caller's error: :class:`ValueError`, and
        nothing of the batch is written.

        ``synced=False`` commits without waiting for the disk (``synchronous =
        NORMAL``): the outcome survives a killed process, and only a power cut can
        lose it — which leaves the entry ``in_flight``, so ``unknown``: never sent
        twice.  (Reservations are always synced: they are what prevents a second
        create.)  The next synced write syncs these too.
        """
        now = self._stamp()
        outcomes = list(outcomes)
        with self._writing(synced=synced) as connection:
            states = {
                row[0]: (EntryState(row[1]), row[2], bool(row[3]))
                for row in connection.execute(
                    "SELECT key, state, profile_id, uncertain FROM entries"
                    " WHERE key IN (SELECT value FROM json_each(?))",
                    (json.dumps([outcome.key for outcome in outcomes]),),
                )
            }
            created: dict[LedgerKey, str] = {}
            unknown: set[LedgerKey] = set()
            deleted: set[LedgerKey] = set()
            for outcome in outcomes:  # each in turn, on the states the earlier ones left
                key = outcome.key
                state = states.get(key)
                if state is None:
                    raise ValueError(f"no ledger entry {_short(key)} to record into")
                current, held_id, uncertain = state
                match outcome:
                    case Created(profile_id=profile_id):
                        if not profile_id:
                            raise ValueError("a created profile has an id")
                        if current is EntryState.CREATED:
                            if held_id != profile_id:
                                raise ValueError(
                                    f"ledger entry {_short(key)} already holds another "
                                    "profile id"
                                )
                            continue
                        created[key] = profile_id
                        states[key] = (EntryState.CREATED, profile_id, False)
                    case Unknown() | Released():
                        if current is not EntryState.IN_FLIGHT:
                            raise ValueError(
                                f"ledger entry {_short(key)} is {current}, not in flight"
                            )
                        if isinstance(outcome, Released) and not uncertain:
                            deleted.add(key)
                            del states[key]
                        else:
                            unknown.add(key)
                            states[key] = (EntryState.UNKNOWN, held_id, True)
            # an entry goes in_flight → unknown → created at most: unknown first
            connection.executemany(
                "UPDATE entries SET state = 'unknown', uncertain = 1, updated_at = ?"
                " WHERE key = ?",
                [(now, key) for key in unknown],
            )
            connection.executemany(
                "UPDATE entries SET state = 'created', profile_id = ?, uncertain = 0,"
                " created_at = ?, updated_at = ? WHERE key = ?",
                [(profile_id, now, now, key) for key, profile_id in created.items()],
            )
            connection.executemany(
                "DELETE FROM entries WHERE key = ?", [(key,) for key in deleted]
            )

    def recover(self) -> int:
        """Turn every ``in_flight`` entry into ``unknown``; return how many.

        Done at open, where an entry still in flight was left by a run that died.
        Call it later only when no request of this ledger is outstanding.
        """
        with self._writing() as connection:
            return connection.execute(
                "UPDATE entries SET state = 'unknown', uncertain = 1, updated_at = ?"
                " WHERE state = 'in_flight'",
                (self._stamp(),),
            ).rowcount

    def resolve(
        self, key: LedgerKey, *, profile_id: str | None = None, created: bool | None = None
    ) -> Entry | None:
        """Record what the user found out about an ``unknown`` entry.

        ``resolve(key, profile_id="…")``: it was created, with that id; the entry
        becomes ``created`` and the row is ``already_imported`` from now on.
        ``resolve(key, created=False)``: nothing was created; the entry is removed
        and the next run sends the row again.  Returns the new entry, or ``None``
        when it was removed.  :class:`LedgerError` when the ledger has no unknown
        entry with that key.
        """
        if profile_id is not None:
            if created is False:
                raise ValueError("give either profile_id (it was created) or created=False")
            if not profile_id.strip():
                raise ValueError("a profile id is not empty")
        elif created is not False:
            raise ValueError("give profile_id=... (it was created) or created=False")
        now = self._stamp()
        with self._writing() as connection:
            entry = self._get(connection, key)
            if entry is None:
                raise LedgerError(f"The ledger {self.path} has no entry {key}.")
            if entry.state is not EntryState.UNKNOWN:
                raise LedgerError(
                    f"The entry {key} of the ledger {self.path} is {entry.state}, "
                    "not unknown: there is nothing to resolve."
                )
            if profile_id is None:
                connection.execute("DELETE FROM entries WHERE key = ?", (key,))
                return None
            connection.execute(
                "UPDATE entries SET state = 'created', profile_id = ?, uncertain = 0,"
                " created_at = ?, updated_at = ? WHERE key = ?",
                (profile_id.strip(), now, now, key),
            )
            return self._get(connection, key)

    # -- helpers --------------------------------------------------------------------

    def _stamp(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="microseconds")

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise LedgerError(f"The ledger {self.path} is closed.")
        return self._connection

    @staticmethod
    def _entries(connection: sqlite3.Connection, keys: Iterable[LedgerKey]) -> dict[
        LedgerKey, Entry
    ]:
        rows = connection.execute(
            "SELECT * FROM entries WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(list(keys)),),
        ).fetchall()
        return {entry.key: entry for entry in map(_entry, rows)}

    @staticmethod
    def _get(connection: sqlite3.Connection, key: LedgerKey) -> Entry | None:
        row = connection.execute("SELECT * FROM entries WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry(row)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            connection = self._open()
            try:
                yield connection
            except sqlite3.Error as exc:
                raise LedgerError(f"Cannot read the ledger {self.path}: {exc}.") from exc

    @contextlib.contextmanager
    def _writing(self, *, synced: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error;
        ``synced``: the commit waits until the disk has it."""
        with self._mutex:
            connection = self._open()
            if not synced:
                connection.execute("PRAGMA synchronous = NORMAL")
            try:
                connection.execute("BEGIN IMMEDIATE")
                yield connection
                connection.execute("COMMIT")
            except BaseException as exc:
                if connection.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise LedgerError(
                        f"Cannot write the ledger {self.path}: {exc}. Nothing of this step "
                        "was recorded."
                    ) from exc
                raise
            finally:
                if not synced:
                    connection.execute("PRAGMA synchronous = FULL")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _entry(row: sqlite3.Row) -> Entry:
    reserved_at = _time(row["reserved_at"])
    updated_at = _time(row["updated_at"])
    assert reserved_at is not None
    assert updated_at is not None
    return Entry(
        key=LedgerKey(row["key"]),
        state=EntryState(row["state"]),
        profile_id=row["profile_id"],
        idempotency_key=row["idempotency_key"],
        body_digest=row["body_digest"],
        field_digests=MappingProxyType(json.loads(row["field_digests"])),
        source=row["source"],
        row=row["row"],
        attempts=row["attempts"],
        uncertain=bool(row["uncertain"]),
        reserved_at=reserved_at,
        updated_at=updated_at,
        created_at=_time(row["created_at"]),
    )

