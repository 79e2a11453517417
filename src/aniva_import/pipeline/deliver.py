"""Deliver: the checked rows of a live run sent to the API, never twice, never lost.

For each chunk, the rows that passed the check (valid, not a repeat of an earlier
row of the file) are looked up in the ledger; what an earlier run created is not
sent again, what an earlier run left uncertain is not resent unless the user asks.
The rest goes out in batches, each with the ledger's order of writes:

    reserve (in_flight, committed) → send the batch → record the outcomes (committed)

so a kill at any moment leaves every row either created and recorded, certainly not
created, or ``unknown`` — never sent twice on a rerun.  Within a batch the outcomes are
also recorded as they arrive, every few rows (committed without waiting for the disk:
a killed process loses none of them), so a kill leaves ``unknown`` only the rows whose
answers were still on their way.  The sender is asynchronous
(httpx); this module runs it on an event loop of its own, one batch at a time, and
turns a Ctrl-C during a batch into a graceful stop (a second one aborts the requests
in flight, whose rows become ``unknown``).

What this module finds out about each row is a :class:`Delivery`; the row's status
is decided from it in :mod:`aniva_import.pipeline.decide`.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aniva_import.ledger import (
    NO_ID,
    Created,
    Entry,
    EntryState,
    Ledger,
    LedgerKey,
    Released,
    Reservation,
    Unknown,
)
from aniva_import.normalize import Value
from aniva_import.pipeline.check import CheckedChunk
from aniva_import.send import (
    OutcomeKind,
    Sender,
    SendOutcome,
    SendRequest,
    SendSettings,
    SendStats,
    StopReason,
)
from aniva_import.validate import identity_of, undated_identity_of

#: told the outcomes just recorded in the ledger, and the sender's figures now
OnRecorded = Callable[[Sequence[SendOutcome], SendStats], None]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A row that passed the check, as it will be sent."""

    row: int
    group: str
    body: Mapping[str, Value]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one candidate row in this run.

    ``earlier``: the ledger's entry from an earlier run (created or unknown) when the
    row was not sent again; ``changed``: the fields that differ from what that run
    sent.  ``outcome``: the sender's outcome when it was sent (or certainly not).
    Neither: the run stopped before the row (``stop``)."""

    earlier: Entry | None = None
    changed: tuple[str, ...] = ()
    outcome: SendOutcome | None = None
    stop: StopReason | None = None


def candidates(checked: CheckedChunk) -> Iterator[Candidate]:
    """The rows of a checked chunk that may be sent: valid, not a repeat of an earlier row."""
    values = checked.values
    assert values is not None, "a live run keeps the checked values"
    groups = values["profile_group_slug"]
    skip = checked.problems.keys() | checked.duplicates.keys()
    for index, row in enumerate(checked.rows):
        if row not in skip:
            yield Candidate(row, str(groups[index]), body_of(values, index))


def body_of(values: Mapping[str, list[Value | None]], index: int) -> dict[str, Value]:
    """The JSON body of one checked row: every field with a value (whole numbers of
    centimetres and kilograms as integers, as the API's example writes them)."""
    body: dict[str, Value] = {}
    for field_name, column in values.items():
        value = column[index]
        if value is None:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        body[field_name] = value
    return body


class Deliverer:
    """The ledger and the sender of one live run (use as a context manager)."""

    def __init__(
        self,
        settings: SendSettings,
        ledger_path: Path,
        *,
        source: str,
        ledger_api: str | None = None,
        batch_rows: int = 250,
        resend_unknown: bool = False,
        sender: Sender | None = None,
        on_recorded: OnRecorded | None = None,
    ) -> None:
        self.settings = settings
        #: hears the outcomes of each few rows once the ledger holds them, with the
        #: sender's figures then (for a progress bar)
        self.on_recorded = on_recorded
        self.source = source
        self.ledger_api = ledger_api or settings.api_url
        self.batch_rows = max(1, batch_rows)
        self.resend_unknown = resend_unknown
        self.interrupted = False
        #: the signal that stopped it (SIGINT for a Ctrl-C)
        self.stopped_by: int | None = None
        #: seconds spent delivering (the ledger's writes and the requests)
        self.elapsed = 0.0
        self._loop = asyncio.new_event_loop()
        self.ledger = Ledger(ledger_path)
        try:
            self._sender = sender or Sender(settings)
            self._loop.run_until_complete(self._sender.__aenter__())
        except BaseException:
            self.ledger.close()
            self._loop.close()
            raise

    def __enter__(self) -> Deliverer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._loop.run_until_complete(self._sender.aclose())
        finally:
            self._loop.close()
            self.ledger.close()

    @property
    def stop_reason(self) -> StopReason | None:
        return self._sender.stop_reason

    @property
    def stats(self) -> SendStats:
        return self._sender.stats

    @property
    def recovered(self) -> int:
        """Entries a crashed earlier run left in flight, now ``unknown``."""
        return self.ledger.recovered

    def deliver_checked(self, checked: CheckedChunk) -> dict[int, Delivery]:
        """:meth:`deliver` the rows of a checked chunk that may be sent."""
        return self.deliver(list(candidates(checked)))

    def deliver(self, candidates: Sequence[Candidate]) -> dict[int, Delivery]:
        """Send what must be sent of ``candidates``; what happened to each, by row."""
        started = time.perf_counter()
        try:
            return self._deliver(candidates)
        finally:
            self.elapsed += time.perf_counter() - started

    def _deliver(self, candidates: Sequence[Candidate]) -> dict[int, Delivery]:
        ledger, api_url = self.ledger, self.ledger_api
        keys = [ledger.key(api_url, c.group, identity_of(c.body)) for c in candidates]
        # a patient first imported without a date of birth, now given one: the same
        # patient, under the key of the row that created them
        aliases = [
            None if undated is None else ledger.key(api_url, c.group, undated)
            for c in candidates
            for undated in (undated_identity_of(c.body),)
        ]
        known = ledger.lookup([*keys, *(a for a in aliases if a is not None)])
        found: dict[int, Delivery] = {}
        to_send: list[tuple[Candidate, LedgerKey]] = []
        sending: set[LedgerKey] = set()
        #: dated rows whose undated self goes out in these batches: settled after them
        after: list[tuple[Candidate, LedgerKey, LedgerKey]] = []
        for candidate, own, alias in zip(candidates, keys, aliases, strict=True):
            key = alias if own not in known and alias is not None and alias in known else own
            entry = known.get(key)
            if entry is None and alias is not None and alias in sending:
                after.append((candidate, alias, own))
            elif entry is None or (self.resend_unknown and entry.state is EntryState.UNKNOWN):
                to_send.append((candidate, key))
                sending.add(key)
            else:  # created, or left uncertain by an earlier run: never sent again here
                changed = ledger.changed_fields(entry, candidate.body)
                found[candidate.row] = Delivery(earlier=entry, changed=changed)
        self._send_batches(to_send, found)
        if after:
            settled = ledger.lookup([alias for _, alias, _ in after])
            unsent: list[tuple[Candidate, LedgerKey]] = []
            for candidate, alias, own in after:
                entry = settled.get(alias)
                if entry is None:  # its undated self was refused or never sent
                    unsent.append((candidate, own))
                else:
                    changed = ledger.changed_fields(entry, candidate.body)
                    found[candidate.row] = Delivery(earlier=entry, changed=changed)
            self._send_batches(unsent, found)
        return found

    def _send_batches(
        self, to_send: Sequence[tuple[Candidate, LedgerKey]], found: dict[int, Delivery]
    ) -> None:
        for batch in _batches(to_send, self.batch_rows):
            stop = self.stop_reason
            if stop is not None or self.interrupted:
                found.update((c.row, Delivery(stop=stop)) for c, _ in batch)
                continue
            found.update(self._send(batch))

    def _send(self, batch: Sequence[tuple[Candidate, LedgerKey]]) -> dict[int, Delivery]:
        reservations = [
            Reservation(key, c.body, source=self.source, row=c.row) for c, key in batch
        ]
        reserved = self.ledger.reserve(reservations, resend_unknown=self.resend_unknown)
        found: dict[int, Delivery] = {}
        requests: list[SendRequest] = []
        sent_keys: list[LedgerKey] = []
        for candidate, key in batch:
            entry = reserved.reserved.get(key)
            if entry is None:  # appeared in the ledger meanwhile: never sent twice
                found[candidate.row] = Delivery(earlier=reserved.existing[key])
                continue
            requests.append(
                SendRequest(candidate.row, candidate.group, candidate.body, entry.idempotency_key)
            )
            sent_keys.append(key)
        keys = dict(zip((r.row for r in requests), sent_keys, strict=True))
        early = _EarlyRecords(self.ledger, keys, self._recorded)
        outcomes = []
        if requests:
            outcomes = self._run(self._sender.send_batch(requests, on_settled=early.settled))
        early.flush()
        rest = [o for o in outcomes if o.row not in early.recorded]
        self.ledger.record(_ledger_outcome(keys[o.row], o) for o in rest)  # synced to disk
        if rest:  # the never sent ones among them
            self._recorded(rest)
        found.update((o.row, Delivery(outcome=o)) for o in outcomes)
        return found

    def _recorded(self, outcomes: Sequence[SendOutcome]) -> None:
        if self.on_recorded is not None:
            self.on_recorded(outcomes, self.stats)

    def _run(self, batch: asyncio.Future[list[SendOutcome]] | object) -> list[SendOutcome]:
        """Run one batch on the loop; a Ctrl-C stops it gracefully, a second aborts it."""
        loop = self._loop
        with _ctrl_c_stops(loop, self):
            return loop.run_until_complete(batch)  # type: ignore[arg-type]

    def on_ctrl_c(self, signum: int = signal.SIGINT) -> None:
        self.stopped_by = self.stopped_by or signum
        if self.interrupted:
            self._sender.abort()
        else:
            self.interrupted = True
            self._sender.stop()


class _EarlyRecords:
    """Outcomes recorded while their batch goes on, a few at a time (and then told to
    ``on_recorded``)."""

    EVERY: Final = 25

    def __init__(
        self,
        ledger: Ledger,
        keys: Mapping[int, LedgerKey],
        on_recorded: Callable[[Sequence[SendOutcome]], None],
    ) -> None:
        self._ledger, self._keys, self._on_recorded = ledger, keys, on_recorded
        self._pending: list[SendOutcome] = []
        self.recorded: set[int] = set()

    def settled(self, outcome: SendOutcome) -> None:
        self._pending.append(outcome)
        if len(self._pending) >= self.EVERY:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self._ledger.record(
                (_ledger_outcome(self._keys[o.row], o) for o in pending), synced=False
            )
            self.recorded.update(o.row for o in pending)
            self._on_recorded(pending)


def _ledger_outcome(key: LedgerKey, outcome: SendOutcome) -> Created | Unknown | Released:
    if outcome.kind is OutcomeKind.CREATED:
        return Created(key, outcome.profile_id or NO_ID)
    if outcome.kind is OutcomeKind.UNKNOWN:
        return Unknown(key)
    return Released(key)  # failed or not sent: certainly nothing created


def _batches(items: Sequence[tuple[Candidate, LedgerKey]], size: int) -> Iterator[
    Sequence[tuple[Candidate, LedgerKey]]
]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _ctrl_c_stops:  # noqa: N801 - a context manager used like a function
    """While a batch runs: Ctrl-C goes to the deliverer (graceful stop, then abort)
    instead of raising KeyboardInterrupt in the middle of the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, deliverer: Deliverer) -> None:
        self._loop, self._deliverer = loop, deliverer
        self._previous: dict[int, object] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for signum in _STOP_SIGNALS:  # SIGTERM, SIGHUP stop it as a Ctrl-C does
                self._previous[signum] = signal.getsignal(signum)
                self._loop.add_signal_handler(signum, self._deliverer.on_ctrl_c, signum)

    def __exit__(self, *exc: object) -> None:
        # asyncio leaves SIG_DFL behind: the handlers from before the batch come back
        for signum, previous in self._previous.items():
            self._loop.remove_signal_handler(signum)
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()
