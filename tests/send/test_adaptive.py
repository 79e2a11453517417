"""The adaptive limiter: slow start, backing off on 429, settling under a limit."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest

from aniva_import.send import AdaptiveRateLimiter
from tests.send._support import now, run


def limiter(**options: float) -> AdaptiveRateLimiter:
    return AdaptiveRateLimiter(clock=now, sleep=asyncio.sleep, **options)


async def clean_api(lim: AdaptiveRateLimiter, *, seconds: float, latency: float,
                    concurrency: int, until: Callable[[], bool] = lambda: False) -> int:
    """Workers sending through ``lim`` to an API that accepts everything."""
    sent = 0

    async def worker() -> None:
        nonlocal sent
        while now() < seconds and not until():
            permit = await lim.acquire()
            await asyncio.sleep(latency)
            lim.accepted(permit)
            sent += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent


def test_slow_start_reaches_hundreds_per_second_within_a_second() -> None:
    async def main() -> float:
        lim = limiter(initial_rate=20.0)
        await clean_api(lim, seconds=0.8, latency=0.001, concurrency=8)
        return lim.rate

    assert run(main) >= 600


def test_the_rate_does_not_run_ahead_of_what_the_api_takes() -> None:
    async def main() -> tuple[float, int]:
        lim = limiter(initial_rate=20.0)
        sent = await clean_api(lim, seconds=5.0, latency=0.02, concurrency=2)  # ≤ 100/s
        return lim.rate, sent

    rate, sent = run(main)
    assert sent / 5.0 > 90  # the limiter let the API's pace through
    assert rate <= 3 * 100  # but did not climb far past it


def test_a_429_cuts_the_rate_to_a_fraction_of_the_estimated_limit() -> None:
    async def main() -> tuple[float, float | None]:
        lim = limiter(initial_rate=1000.0, backoff=0.9)
        permits = [await lim.acquire() for _ in range(100)]  # 100 accepted in ~0.1 s
        await asyncio.sleep(1.0 - now())
        for permit in permits:
            lim.accepted(permit)
        lim.throttled(await lim.acquire(), retry_after=0.0)
        return lim.rate, lim.ceiling

    rate, ceiling = run(main)
    assert ceiling == pytest.approx(100.0, rel=0.02)  # 100 accepted in the first second
    assert rate == pytest.approx(90.0, rel=0.02)


def test_many_429s_of_one_episode_slow_the_sender_once() -> None:
    async def main() -> tuple[int, float, float]:
        lim = limiter(initial_rate=100.0)
        permits = [await lim.acquire() for _ in range(4)]
        for permit in permits:  # four requests in flight, all answered 429
            lim.throttled(permit, retry_after=1.0)
        return lim.slowdowns, lim.rate, lim.paused_until

    slowdowns, rate, paused_until = run(main)
    assert slowdowns == 1
    assert rate == pytest.approx(90.0)
    assert paused_until == pytest.approx(1.03, abs=0.01)


def test_a_429_pauses_every_waiting_request_until_retry_after() -> None:
    async def main() -> list[float]:
        lim = limiter(initial_rate=50.0)
        first = await lim.acquire()
        waiters = [asyncio.ensure_future(lim.acquire()) for _ in range(5)]
        await asyncio.sleep(0)
        lim.throttled(first, retry_after=3.0)
        return [(await w).at for w in waiters]

    times = sorted(run(main))
    assert min(times) >= 3.0
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(1 / 45, abs=1e-5)  # one by one, no burst


def test_after_a_429_the_rate_follows_a_cubic_curve_around_the_estimate() -> None:
    async def main() -> dict[float, float]:
        lim = limiter(initial_rate=200.0, backoff=0.9, recovery_time=3.0)
        lim.throttled(await lim.acquire(), retry_after=0.0)  # ceiling = 200 (the rate)
        assert lim.ceiling == pytest.approx(200.0)
        seen = {0.0: lim.rate}
        for second in (1.0, 3.0, 5.0):
            await clean_api(lim, seconds=second, latency=0.001, concurrency=4)
            seen[second] = lim.rate
        return seen

    rates = run(main)
    assert rates[0.0] == pytest.approx(180.0)  # backed off to 0.9 x the estimate
    assert rates[1.0] == pytest.approx(200 * (1 - 0.1 * (2 / 3) ** 3), rel=0.02)  # quickly up
    assert rates[3.0] == pytest.approx(200.0, rel=0.02)  # flat at the estimate
    assert rates[5.0] == pytest.approx(200 * (1 + 0.1 * (2 / 3) ** 3), rel=0.02)  # then past


def test_half_again_past_the_old_limit_without_a_429_slow_start_begins_again() -> None:
    async def main() -> tuple[float | None, float]:
        lim = limiter(initial_rate=200.0)
        lim.throttled(await lim.acquire(), retry_after=0.0)
        await clean_api(lim, seconds=10.0, latency=0.0005, concurrency=8,
                        until=lambda: lim.ceiling is None)
        return lim.ceiling, now()

    ceiling, when = run(main)
    assert ceiling is None
    assert when == pytest.approx(3.0 * (1 + 5 ** (1 / 3)), rel=0.05)  # 1 + c(t-K)^3 = 1.5


def test_a_pause_longer_than_a_second_is_not_counted_in_the_estimate() -> None:
    async def main() -> float | None:
        lim = limiter(initial_rate=500.0)
        lim.throttled(await lim.acquire(), retry_after=3.0)  # 2 of its 3 s not counted
        permits = [await lim.acquire() for _ in range(100)]  # from t = 3
        await asyncio.sleep(4.0 - now())
        for permit in permits:
            lim.accepted(permit)
        lim.throttled(await lim.acquire(), retry_after=1.0)
        return lim.ceiling

    assert run(main) == pytest.approx(100 / 2.0, rel=0.02)  # 100 in (4 s - 2 s)


def test_rates_are_checked() -> None:
    async def main() -> float:
        with pytest.raises(ValueError, match="rates"):
            limiter(initial_rate=0.0)
        with pytest.raises(ValueError, match="backoff"):
            limiter(backoff=1.5)
        with pytest.raises(ValueError, match="times"):
            limiter(recovery_time=0.0)
        return limiter().rate

    assert run(main) == 20.0
