"""The adaptive rate limiter: finds the API's rate limit when nobody gave one.

The API documents no limit, so the sender starts at a safe rate and learns:

* **Slow start.** While answers come back clean and the limit is what holds the
  sender back, the rate doubles every ``doubling_time`` seconds.  When fewer than
  half the permits the rate allows are taken (the API's latency and the
  concurrency hold the sender back, not the limit), the rate stays: it never runs
  far ahead of what is really sent.
* **A 429** pauses every request until ``Retry-After`` and cuts the rate to
  ``backoff`` × the estimated limit.  The estimate is the number of requests the
  API accepted since the previous 429 divided by the time since: for a token
  bucket (the usual server-side limiter) that is its refill rate whatever its
  burst, as long as the bucket did not overflow.  It overflows while the sender
  waits longer than the bucket's burst lasts, so pause time beyond one second
  (servers rarely save up more than a second's worth) is not counted.  Only the
  first 429 of an episode counts; answers to requests sent before the pause only
  lengthen it.
* **After a 429** the rate follows a cubic curve in time (as TCP CUBIC does): up
  quickly at first, flat near the estimate after ``recovery_time`` seconds, then
  faster and faster past it.  So it stays just under a real limit for a while, and
  finds a higher one (or a low estimate's mistake) within seconds.  Half again past
  the old estimate without a 429, slow start takes over.
"""

from __future__ import annotations

import math

from aniva_import.send.limiter import Clock, PausingLimiter, Permit, Sleep
from aniva_import.send.retry_after import DEFAULT_RETRY_AFTER

#: this far past the estimated limit without a 429, the limit is taken to be gone
_GONE = 1.5
#: pause time beyond this is not counted in the estimate (see the module docstring)
_BURST_SECONDS = 1.0
#: the longest step of the cubic clock at once (a stall does not become a jump)
_MAX_STEP = 0.1


class AdaptiveRateLimiter(PausingLimiter):
    """A :class:`~aniva_import.send.limiter.RateLimiter` that learns the API's limit."""

    def __init__(
        self,
        *,
        initial_rate: float = 20.0,
        max_rate: float = 10_000.0,
        min_rate: float = 0.5,
        doubling_time: float = 0.05,
        backoff: float = 0.9,
        recovery_time: float = 3.0,
        min_utilisation: float = 0.5,
        burst: float = 1.0,
        clock: Clock,
        sleep: Sleep,
    ) -> None:
        if not 0 < min_rate <= initial_rate <= max_rate < math.inf:
            raise ValueError("the rates must satisfy 0 < min_rate <= initial_rate <= max_rate")
        if not (0 < backoff < 1 and recovery_time > 0 and doubling_time > 0):
            raise ValueError("backoff must be a fraction; the times must be positive")
        super().__init__(initial_rate, burst=burst, clock=clock, sleep=sleep)
        self._max_rate = max_rate
        self._min_rate = min_rate
        self._doubling = doubling_time
        self._backoff = backoff
        self._recovery = recovery_time
        self._cubic = (1 - backoff) / recovery_time**3
        self._min_utilisation = min_utilisation
        self._utilisation = 1.0  # permits taken / permits the rate allowed, last window
        self._window_start: float | None = None
        self._window_permits = 0
        #: the estimated limit after the last 429 (None: none seen, or it seems gone)
        self._ceiling: float | None = None
        self._curve_time = 0.0  # seconds on the cubic curve since the last 429
        self._last_growth: float | None = None
        self._accepted = 0  # answers to permits of the current epoch
        self._since: float | None = None  # start of the estimate: last 429 or first permit
        self._pause_started = 0.0
        self.slowdowns = 0

    @property
    def ceiling(self) -> float | None:
        """The API's limit as last estimated, in requests per second."""
        return self._ceiling

    async def acquire(self) -> Permit:
        permit = await super().acquire()
        if self._since is None:
            self._since = permit.at
        if self._window_start is None:
            self._window_start = permit.at
        self._window_permits += 1
        return permit

    def _limited(self, now: float) -> bool:
        """Whether the rate is what holds the sender back (measured over windows of
        about eight permits, at least 0.1 s)."""
        start = self._window_start
        if start is not None:
            span = now - start
            if span >= max(0.1, 8.0 / self.rate):
                self._utilisation = self._window_permits / (self.rate * span)
                self._window_start = now
                self._window_permits = 0
        return self._utilisation >= self._min_utilisation

    def accepted(self, permit: Permit) -> None:
        if permit.epoch != self._epoch:
            return  # sent before the last slow-down: says nothing about the new rate
        self._accepted += 1
        now = self._clock()
        step = min(_MAX_STEP, now - self._last_growth) if self._last_growth is not None else 0.0
        self._last_growth = now
        if not self._limited(now):
            return  # the rate is not what holds the sender back: do not run ahead
        ceiling = self._ceiling
        if ceiling is None:
            rate = self.rate * 2.0 ** (1.0 / (self.rate * self._doubling))
        else:
            self._curve_time += step
            offset = self._curve_time - self._recovery
            rate = ceiling * (1.0 + self._cubic * offset**3)
            if rate > _GONE * ceiling:
                self._ceiling = None  # far past the old limit without a 429: it is gone
        self._bucket.set_rate(max(self._min_rate, min(self._max_rate, rate)), now)

    def throttled(self, permit: Permit, retry_after: float | None) -> None:
        pause = DEFAULT_RETRY_AFTER if retry_after is None else max(0.0, retry_after)
        fresh = permit.epoch == self._epoch
        if fresh:
            now = self._clock()
            since = self._since if self._since is not None else permit.at
            uncounted = max(0.0, self._pause_started - _BURST_SECONDS)
            span = now - since - uncounted
            estimate = self._accepted / span if span > 0 and self._accepted else math.inf
            ceiling = max(self._min_rate, min(self.rate, estimate))
            self._ceiling = ceiling
            self._bucket.set_rate(max(self._min_rate, self._backoff * ceiling), now)
            self._curve_time = 0.0
            self._last_growth = None
            self._accepted = 0
            self._since = now
            self._pause_started = pause
            self.slowdowns += 1
        before = self._epoch
        self.pause(pause)
        if fresh and self._epoch == before:
            self._epoch += 1  # a Retry-After of 0 still starts a new episode
