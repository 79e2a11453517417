"""The import ledger: what aniva-import has sent and created, so no patient is created twice.

The profiles API (``POST /profiles``) is not idempotent and has no read
endpoint: only the tool itself can know that a patient was already created.  The
ledger is a SQLite file (one per user by default, :func:`default_ledger_path`;
``--state PATH`` names another) that remembers, per patient, what was sent and
what came of it.

Keys: an entry is keyed by :meth:`Ledger.key` ``(api_url, group, identity)``, a
keyed hash (HMAC-SHA256 under a random secret made with the file) of the API,
the profile group and the patient's identity (normalised names and date of
birth; e-mail and phone when the date is empty; the same identity the in-file
duplicate check uses).  So an edited row, or a later export of the same patient,
finds its entry.  The file holds fingerprints, digests and profile ids, never
names, dates, e-mails or phones in clear, and never the API key.

States of an entry (:class:`EntryState`); a key without an entry has never been
sent, or certainly created nothing:

==============  =================================================================
``in_flight``   reserved, committed to disk, the request is (about to be) out
``created``     the API answered 201; the entry holds the profile id
``unknown``     the request may have created a profile (no answer, 5xx, a crash
                while in flight); never resent unless the user asks
==============  =================================================================

The durability order, per batch of rows (this is what makes kill -9 at any
moment safe)::

    entries = ledger.lookup(keys)                 # created → already_imported, unknown → unknown
    result = ledger.reserve(reservations)         # in_flight, COMMITTED (fsync) before any request
    ... send exactly result.reserved, each with its entry's Idempotency-Key ...
    ledger.record([Created(k, id), Unknown(k), Released(k), ...])   # outcomes, one commit

- A crash before ``reserve`` commits: nothing was reserved, nothing was sent.
- A crash after it, before ``record`` commits: the entries stay ``in_flight``;
  the next :class:`Ledger` to open the file turns them ``unknown``
  (:attr:`Ledger.recovered` counts them) — never "absent", so never resent
  silently.
- ``Released`` (certainly nothing created: a 4xx, or never sent) removes the
  entry, so a later run sends the row again.

An ``unknown`` entry is settled by the user: :meth:`Ledger.resolve` with
``profile_id=`` (it was created) or ``created=False`` (it was not: the entry
is removed and the next run sends the row), or by resending it
(``--resend-unknown``: ``reserve(..., resend_unknown=True)`` turns it back to
``in_flight`` reusing its idempotency key; if that resend certainly creates
nothing, the entry returns to ``unknown``, since the first request still may
have).  Each entry also keeps digests of the body and of each field last sent,
so :meth:`Ledger.changed_fields` tells which fields of a rerun's row differ
from what was sent (the API has no update).

One run at a time: an open :class:`Ledger` holds an exclusive ``flock``; a
second opener gets :class:`LedgerBusy` at once; the kernel releases the lock of
a process that died.  A file that is not an aniva-import ledger is refused with
:class:`~aniva_import.errors.LedgerError` and left untouched.  Open the ledger
in the process that sends, after any worker processes were forked.
"""

from aniva_import.errors import LedgerBusy, LedgerError
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
from aniva_import.ledger._ledger import Ledger
from aniva_import.ledger._paths import default_ledger_path

__all__ = [
    "Created",
    "Entry",
    "EntryState",
    "Ledger",
    "LedgerBusy",
    "LedgerError",
    "LedgerKey",
    "LedgerSummary",
    "Outcome",
    "Released",
    "Reservation",
    "ReserveResult",
    "Unknown",
    "default_ledger_path",
]
