"""What the sender did, in figures: for the summary and the benchmarks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from aniva_import.send.outcome import OutcomeKind, SendOutcome


@dataclass(frozen=True, slots=True)
class SendStats:
    """A snapshot.  ``requests`` counts HTTP requests started (retries included);
    ``elapsed`` is the time spent inside ``send_batch``; ``achieved_rate`` is
    requests per second of it; ``rate_limit`` the limiter's rate now (requests/s);
    ``slowdowns`` the times a 429 slowed the sender; ``by_status`` counts answers
    by HTTP status."""

    requests: int = 0
    retries: int = 0
    responses: int = 0
    responses_429: int = 0
    created: int = 0
    failed: int = 0
    unknown: int = 0
    not_sent: int = 0
    elapsed: float = 0.0
    achieved_rate: float = 0.0
    rate_limit: float | None = None
    slowdowns: int = 0
    by_status: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))


class Tally:
    """The running counts behind :class:`SendStats`."""

    def __init__(self) -> None:
        self.requests = 0
        self.retries = 0
        self.by_status: Counter[int] = Counter()
        self.by_kind: Counter[OutcomeKind] = Counter()
        self.elapsed = 0.0

    @property
    def responses(self) -> int:
        return sum(self.by_status.values())

    def outcome(self, outcome: SendOutcome) -> None:
        self.by_kind[outcome.kind] += 1

    def snapshot(
        self, *, rate_limit: float | None, slowdowns: int, ongoing: float = 0.0
    ) -> SendStats:
        """The figures now; ``ongoing``: seconds of the batch still being sent."""
        elapsed = self.elapsed + ongoing
        return SendStats(
            requests=self.requests,
            retries=self.retries,
            responses=self.responses,
            responses_429=self.by_status[429],
            created=self.by_kind[OutcomeKind.CREATED],
            failed=self.by_kind[OutcomeKind.FAILED],
            unknown=self.by_kind[OutcomeKind.UNKNOWN],
            not_sent=self.by_kind[OutcomeKind.NOT_SENT],
            elapsed=elapsed,
            achieved_rate=self.requests / elapsed if elapsed > 0 else 0.0,
            rate_limit=rate_limit,
            slowdowns=slowdowns,
            by_status=MappingProxyType(dict(sorted(self.by_status.items()))),
        )
