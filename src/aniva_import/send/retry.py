"""The one retry policy of the sender, written with tenacity.

Retry only what certainly created nothing (:attr:`Action.RETRY`: connect errors,
429, 503); every other verdict is final at once.  Waits grow exponentially with
jitter and are never shorter than the API's ``Retry-After``; a row gives up after
``max_attempts`` requests, when the next wait would be longer than ``max_wait``,
or when the sender halts.  Sleep and randomness are injected.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from aniva_import.send.classify import Action, Verdict

Sleep = Callable[[float], Awaitable[None]]


class GiveUp(enum.StrEnum):
    """Why a retryable row stopped being retried."""

    EXHAUSTED = "exhausted"  # max_attempts requests made
    WAIT_TOO_LONG = "wait_too_long"  # the API asked to wait longer than max_wait
    HALTED = "halted"  # the sender is stopping


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The budget of one row: ``max_attempts`` requests at most; backoff from
    ``initial_wait`` doubling up to ``max_backoff`` (each wait drawn from its upper
    half); no single wait longer than ``max_wait``."""

    max_attempts: int = 6
    initial_wait: float = 0.5
    max_backoff: float = 30.0
    max_wait: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.initial_wait <= self.max_backoff:
            raise ValueError("the waits must satisfy 0 <= initial_wait <= max_backoff")
        if self.max_wait <= 0:
            raise ValueError("max_wait must be positive")

    def backoff(self, attempt: int, draw: float) -> float:
        """The backoff after ``attempt`` requests, ``draw`` a number in [0, 1)."""
        base = min(self.max_backoff, self.initial_wait * 2.0 ** (attempt - 1))
        return base * (0.5 + 0.5 * draw)


class wait_backoff(wait_base):  # noqa: N801 - tenacity's naming
    """Exponential backoff with jitter, at least the verdict's ``Retry-After``."""

    def __init__(self, policy: RetryPolicy, rng: random.Random) -> None:
        self._policy = policy
        self._rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        delay = self._policy.backoff(retry_state.attempt_number, self._rng.random())
        verdict = _verdict(retry_state)
        if verdict is not None and verdict.retry_after is not None:
            delay = max(delay, verdict.retry_after)
        return delay


class stop_if_wait_over(stop_base):  # noqa: N801
    """Give up rather than wait longer than ``seconds`` (a long Retry-After)."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds

    def __call__(self, retry_state: RetryCallState) -> bool:
        return retry_state.upcoming_sleep > self._seconds


class stop_if(stop_base):  # noqa: N801
    """Give up when ``predicate()`` holds (the sender halts)."""

    def __init__(self, predicate: Callable[[], bool]) -> None:
        self._predicate = predicate

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._predicate()


def _verdict(retry_state: RetryCallState) -> Verdict | None:
    outcome = retry_state.outcome
    if outcome is None or outcome.failed:
        return None
    result = outcome.result()
    return result if isinstance(result, Verdict) else None


def _wants_retry(verdict: object) -> bool:
    return isinstance(verdict, Verdict) and verdict.action is Action.RETRY


class Retrier:
    """Runs one row's attempts under a :class:`RetryPolicy`."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Sleep,
        rng: random.Random,
        halted: Callable[[], bool],
    ) -> None:
        self.policy = policy
        self._halted = halted
        self._template = AsyncRetrying(
            sleep=sleep,
            stop=stop_after_attempt(policy.max_attempts)
            | stop_if_wait_over(policy.max_wait)
            | stop_if(halted),
            wait=wait_backoff(policy, rng),
            retry=retry_if_result(_wants_retry),
            retry_error_callback=self._gave_up,
        )

    def _gave_up(self, retry_state: RetryCallState) -> tuple[Verdict, GiveUp]:
        verdict = _verdict(retry_state)
        assert verdict is not None
        if self._halted():
            reason = GiveUp.HALTED
        elif retry_state.attempt_number >= self.policy.max_attempts:
            reason = GiveUp.EXHAUSTED
        else:
            reason = GiveUp.WAIT_TOO_LONG
        return verdict, reason

    async def run(self, attempt: Callable[[], Awaitable[Verdict]]) -> tuple[Verdict, GiveUp | None]:
        """Call ``attempt`` until its verdict is final or the budget is spent.

        Gives back the last verdict and, when it is still :attr:`Action.RETRY`, why
        the row stopped being retried.  Exceptions of ``attempt`` propagate.  The
        first attempt is made before tenacity is involved (most rows need no
        other); a retryable first verdict is handed to the policy as its first outcome.
        """
        first = await attempt()
        if not _wants_retry(first):
            return first, None  # the usual case, without tenacity's bookkeeping
        replay = [first]

        async def again() -> Verdict:
            return replay.pop() if replay else await attempt()

        result: Verdict | tuple[Verdict, GiveUp] = await self._template.copy()(again)
        if isinstance(result, tuple):
            return result
        return result, None
