"""Rate limiters: a token bucket shared by every request of a run.

One protocol, :class:`RateLimiter`: ``await acquire()`` before each request gives a
:class:`Permit`; after the answer the sender calls ``accepted(permit)`` or
``throttled(permit, retry_after)``.  A throttled answer (429) pauses *every*
request until ``Retry-After`` has passed, not just the one that got it.

:class:`FixedRateLimiter` keeps the rate the user gave (``--rate``); the adaptive
one (:mod:`aniva_import.send.adaptive`) finds the API's limit itself.  Time is
injected (``clock``, ``sleep``), so tests run in simulated time.

The bucket reserves: a request that finds no token takes one on credit and sleeps
until it would have been refilled, so waiters are served in order at exactly the
rate, and a late wake-up of one waiter does not cost the others their turn.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aniva_import.send.retry_after import DEFAULT_RETRY_AFTER

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Permit:
    """Leave to send one request: ``epoch`` counts the slow-downs before it was given,
    so answers to requests sent before a slow-down do not slow the sender again."""

    epoch: int
    at: float


class RateLimiter(Protocol):
    """What the sender needs of a rate limiter."""

    @property
    def rate(self) -> float:
        """The limit in force, in requests per second."""
        ...

    async def acquire(self) -> Permit:
        """Wait until one more request may start (honours a pause in force)."""
        ...

    def accepted(self, permit: Permit) -> None:
        """The API answered the request sent with ``permit`` without throttling it."""
        ...

    def throttled(self, permit: Permit, retry_after: float | None) -> None:
        """The API answered 429: pause everything for ``retry_after`` seconds (or a default)."""
        ...


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; tokens may be taken on
    credit (see the module docstring)."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        _check_rate(rate)
        if not burst >= 1:
            raise ValueError("the burst must be at least one request")
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._stamp = now

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    def reserve(self, now: float) -> float:
        """Take a token; seconds until it is really there (0 when it is)."""
        self._refill(now)
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def set_rate(self, rate: float, now: float) -> None:
        _check_rate(rate)
        self._refill(now)
        self.rate = rate

    def empty_until(self, when: float) -> None:
        """No token until ``when`` (a pause), then one: credit taken so far is
        forgiven, and nothing is saved up during the pause, so it ends without a burst."""
        self._tokens = 1.0
        self._stamp = max(self._stamp, when)


def _check_rate(rate: float) -> None:
    if not (isinstance(rate, int | float) and 0 < rate < math.inf):
        raise ValueError("a rate must be a positive number of requests per second")


class PausingLimiter:
    """A token bucket with the global pause every limiter has: the shared part of
    the fixed and the adaptive limiter."""

    def __init__(self, rate: float, *, burst: float = 1.0, clock: Clock, sleep: Sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._bucket = TokenBucket(rate, burst, clock())
        self._epoch = 0
        self._paused_until = -math.inf

    @property
    def rate(self) -> float:
        return self._bucket.rate

    @property
    def paused_until(self) -> float:
        """Clock time until which no request starts (in the past when none is paused)."""
        return self._paused_until

    async def acquire(self) -> Permit:
        while True:
            epoch = self._epoch
            now = self._clock()
            if now < self._paused_until:
                await self._sleep(self._paused_until - now)
                if epoch != self._epoch:
                    continue  # the pause was lengthened meanwhile
            wait = self._bucket.reserve(self._clock())
            if wait > 0:
                await self._sleep(wait)
                if epoch != self._epoch:
                    continue  # a pause began while this one waited: queue again after it
            return Permit(epoch, self._clock())

    def accepted(self, permit: Permit) -> None:
        """The fixed limiter learns nothing from an answer."""

    def throttled(self, permit: Permit, retry_after: float | None) -> None:
        self.pause(DEFAULT_RETRY_AFTER if retry_after is None else retry_after)

    def pause(self, seconds: float) -> None:
        """No request starts for ``seconds`` from now (an earlier, longer pause stands)."""
        until = self._clock() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self._bucket.empty_until(until)
            self._epoch += 1


class FixedRateLimiter(PausingLimiter):
    """At most ``rate`` requests a second (``--rate``), however the API answers; a 429
    pauses every request until its ``Retry-After``, and the rate stays."""
