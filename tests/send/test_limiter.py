"""The token bucket and the fixed-rate limiter, in simulated time."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from aniva_import.send import FixedRateLimiter, Permit, TokenBucket
from tests.send._support import now, run


def permits_over(limiter: FixedRateLimiter, seconds: float, tasks: int) -> list[Permit]:
    """Every permit ``tasks`` concurrent takers get in ``seconds`` of simulated time."""
    got: list[Permit] = []

    async def taker() -> None:
        while True:
            permit = await limiter.acquire()
            if permit.at >= seconds:
                return
            got.append(permit)

    async def main() -> None:
        await asyncio.gather(*(taker() for _ in range(tasks)))

    run(main)
    return sorted(got, key=lambda p: p.at)


def test_rate_is_honoured_over_an_interval_by_every_taker_together() -> None:
    async def make() -> FixedRateLimiter:
        return FixedRateLimiter(10.0, clock=now, sleep=asyncio.sleep)

    limiter = run(make)
    got = permits_over(limiter, 10.0, tasks=5)
    assert 99 <= len(got) <= 101  # 10/s for 10 s, plus the one token it starts with
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    assert min(gaps) == pytest.approx(0.1, abs=1e-6)  # evenly spaced, never two at once


def test_burst_goes_out_at_once_then_the_rate_holds() -> None:
    async def main() -> list[float]:
        limiter = FixedRateLimiter(4.0, burst=3, clock=now, sleep=asyncio.sleep)
        return [(await limiter.acquire()).at for _ in range(6)]

    times = run(main)
    assert times[:3] == [0.0, 0.0, 0.0]
    assert times[3:] == pytest.approx([0.25, 0.5, 0.75])


def test_bucket_saves_up_no_more_than_its_burst() -> None:
    bucket = TokenBucket(rate=2.0, burst=2.0, now=0.0)
    assert bucket.reserve(100.0) == 0
    assert bucket.reserve(100.0) == 0
    assert bucket.reserve(100.0) == pytest.approx(0.5)  # a hundred idle seconds saved 2


def test_bad_rates_are_refused() -> None:
    for rate in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="positive"):
            TokenBucket(rate=rate, burst=1.0, now=0.0)


def test_a_throttled_answer_pauses_every_taker_and_the_rate_stays() -> None:
    async def main() -> tuple[list[float], float]:
        limiter = FixedRateLimiter(100.0, clock=now, sleep=asyncio.sleep)
        first = await limiter.acquire()
        waiting = [asyncio.ensure_future(limiter.acquire()) for _ in range(3)]
        await asyncio.sleep(0)
        limiter.throttled(first, retry_after=2.0)
        times = [(await task).at for task in waiting]
        return times, limiter.rate

    times, rate = run(main)
    assert min(times) >= 2.0  # nobody starts before Retry-After has passed
    assert times == pytest.approx([2.0, 2.01, 2.02])  # then the rate, without a burst
    assert rate == 100.0


def test_a_throttled_answer_without_retry_after_pauses_one_second() -> None:
    async def main() -> float:
        limiter = FixedRateLimiter(100.0, clock=now, sleep=asyncio.sleep)
        limiter.throttled(await limiter.acquire(), retry_after=None)
        return (await limiter.acquire()).at

    assert run(main) == pytest.approx(1.0)


def test_a_shorter_pause_does_not_cut_a_longer_one() -> None:
    async def main() -> float:
        limiter = FixedRateLimiter(100.0, clock=now, sleep=asyncio.sleep)
        permit = await limiter.acquire()
        limiter.pause(5.0)
        limiter.throttled(permit, retry_after=1.0)
        return (await limiter.acquire()).at

    assert run(main) == pytest.approx(5.0)


def test_a_sleep_that_wakes_a_hair_early_does_not_make_acquire_spin() -> None:
    clock = [0.0]
    sleeps: list[float] = []

    async def early_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) > 10:
            raise AssertionError("acquire keeps sleeping")
        clock[0] += max(0.0, seconds - 1e-9)  # rounding: wakes just before the deadline

    async def main() -> Permit:
        limiter = FixedRateLimiter(100.0, clock=lambda: clock[0], sleep=early_sleep)
        limiter.pause(2.0)
        return await limiter.acquire()

    permit = asyncio.run(main())
    assert permit.at == pytest.approx(2.0)
    assert len(sleeps) == 1
