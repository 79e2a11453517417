"""The values the ledger takes and gives back: entries, reservations, outcomes.

None of them holds patient data: an entry is a fingerprint (``key``), digests of
what was sent, the profile id the API gave, and operator labels (``source``,
``row``).  A :class:`Reservation` carries the request body only so the ledger can
digest it; the body never appears in its ``repr`` and is never stored.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final, NewType

#: A patient's fingerprint in one ledger: hex HMAC-SHA256 of API URL, group and identity.
LedgerKey = NewType("LedgerKey", str)

#: The profile id recorded for a profile the API created without saying its id.
NO_ID: Final = "-"


class EntryState(enum.StrEnum):
    """The state of one ledger entry (a patient the tool has sent, or is sending)."""

    #: Reserved and committed before the request went out; the outcome is not recorded yet.
    IN_FLIGHT = "in_flight"
    #: The request may have created a profile (no answer, 5xx, a crash while in flight).
    UNKNOWN = "unknown"
    #: The API created the profile; ``profile_id`` holds its id.
    CREATED = "created"


@dataclass(frozen=True, slots=True)
class Entry:
    """What the ledger knows about one patient (no patient data)."""

    key: LedgerKey
    state: EntryState
    #: The id the API gave (state ``created`` only).
    profile_id: str | None
    #: Sent as ``Idempotency-Key``; a resend of an unknown entry reuses it.
    idempotency_key: str
    #: Keyed digest of the whole body last sent.
    body_digest: str
    #: Keyed short digest of each field last sent, by field name.
    field_digests: Mapping[str, str]
    #: The caller's label of where the row came from (e.g. the input file's name).
    source: str | None
    #: The row number in ``source`` (as a spreadsheet program shows it).
    row: int | None
    #: How many times the row was reserved for sending (a resend counts again).
    attempts: int
    #: Once unknown, always uncertain until resolved: a resend that certainly created
    #: nothing (``Released``) returns the entry to ``unknown``, it is not removed.
    uncertain: bool
    #: When the entry was first reserved, last changed, and (when known) created.
    reserved_at: datetime
    updated_at: datetime
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class Reservation:
    """A row about to be sent: its key, the body that will go out, operator labels.

    ``body`` (the JSON object sent) is digested, never stored; it is left out of
    the ``repr`` because it is patient data.  ``source`` and ``row`` are stored in
    clear for the operator: give a label that is not patient data (the input
    file's name, an inbox name), never a value from the row.
    """

    key: LedgerKey
    body: Mapping[str, object] = field(repr=False)
    source: str | None = None
    row: int | None = None


@dataclass(frozen=True, slots=True)
class ReserveResult:
    """What :meth:`Ledger.reserve` did.

    ``reserved``: the entries now ``in_flight`` for this run, committed: send
    exactly these, each with its ``idempotency_key``.  ``existing``: keys that
    were already present and were left untouched (created, unknown or in flight):
    do not send them.
    """

    reserved: Mapping[LedgerKey, Entry]
    existing: Mapping[LedgerKey, Entry]


@dataclass(frozen=True, slots=True)
class Created:
    """Outcome: the API answered 201 with this profile id."""

    key: LedgerKey
    profile_id: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """Outcome: the request may have created a profile (5xx, timeout, broken connection)."""

    key: LedgerKey


@dataclass(frozen=True, slots=True)
class Released:
    """Outcome: certainly nothing was created (a 4xx refusal, or the request never went out)."""

    key: LedgerKey


#: One request's outcome, as :meth:`Ledger.record` takes it.
Outcome = Created | Unknown | Released


@dataclass(frozen=True, slots=True)
class LedgerSummary:
    """The operator's view of a ledger: counts by state and the unknown entries.

    ``unknown`` lists the entries that need the user's decision, ordered by
    ``source`` and ``row``; each shows its key, source, row and times, never
    patient data.  ``journal_mode`` and ``synchronous`` are the durability
    settings in force (``wal`` and ``full``).
    """

    path: Path
    schema_version: int
    journal_mode: str
    synchronous: str
    counts: Mapping[EntryState, int]
    unknown: tuple[Entry, ...]
