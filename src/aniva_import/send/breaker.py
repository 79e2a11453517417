"""The circuit breaker: when sending cannot usefully go on, the whole run stops.

It opens when a row spent its retry budget on answers that certainly created
nothing (the API unreachable, 429 or 503 past every retry): the next rows would
fare no better.  It also opens after ``unknown_limit`` unknown outcomes in a row
(500s, timeouts, broken connections), so an API in trouble does not leave a whole
file of rows whose fate must be checked by hand.  Any clear answer closes the
unknown streak.  Once open it stays open: the run stops and the user runs again.
"""

from __future__ import annotations

from aniva_import.problems import ProblemCode
from aniva_import.send.classify import Action, Cause, Verdict


class CircuitBreaker:
    def __init__(self, *, unknown_limit: int = 20) -> None:
        if unknown_limit < 1:
            raise ValueError("unknown_limit must be at least 1")
        self.unknown_limit = unknown_limit
        self.unknown_streak = 0
        #: why it opened (None while closed), and the last verdict that opened it
        self.code: ProblemCode | None = None
        self.verdict: Verdict | None = None

    @property
    def open(self) -> bool:
        return self.code is not None

    def record(self, verdict: Verdict) -> None:
        """One attempt's verdict."""
        if verdict.action is Action.UNKNOWN:
            self.unknown_streak += 1
            if self.unknown_streak >= self.unknown_limit:
                self._open(ProblemCode.TOO_MANY_UNKNOWN, verdict)
        elif verdict.action is not Action.RETRY or verdict.cause is Cause.STATUS:
            self.unknown_streak = 0

    def gave_up(self, verdict: Verdict) -> None:
        """A row spent its budget on ``verdict`` (certainly nothing created)."""
        self._open(ProblemCode.API_UNAVAILABLE, verdict)

    def _open(self, code: ProblemCode, verdict: Verdict) -> None:
        if self.code is None:
            self.code = code
            self.verdict = verdict
