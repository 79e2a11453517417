"""The sender's rates end to end, in simulated time, against an API limited by a
token bucket like the sandbox's (a second's worth of burst, Retry-After rounded up
to whole seconds)."""

from __future__ import annotations

import asyncio
import math
from email.utils import formatdate

import httpx
import pytest

from tests.send._support import FakeApi, created, error, now, rows, run, sender, wall


class LimitedApi:
    """``rate`` requests a second, like ``Faults(rate_limit=rate)`` in the sandbox."""

    def __init__(self, rate: float, retry_after_format: str = "seconds",
                 latency: float = 0.002) -> None:
        self.rate = rate
        self.form = retry_after_format
        self.latency = latency
        self.tokens = max(1.0, rate)
        self.stamp = 0.0
        self.answers_429 = 0

    async def __call__(self, request: httpx.Request, number: int) -> httpx.Response:
        t = now()
        self.tokens = min(max(1.0, self.rate), self.tokens + (t - self.stamp) * self.rate)
        self.stamp = t
        if self.tokens < 1:
            self.answers_429 += 1
            wait = max(1, math.ceil((1 - self.tokens) / self.rate))
            value = (str(wait) if self.form == "seconds"
                     else formatdate(math.ceil(wall()) + wait, usegmt=True))
            return error(429, "Too many requests.", headers={"Retry-After": value})
        self.tokens -= 1
        await asyncio.sleep(self.latency)
        return created(number)


def drive(api: FakeApi, count: int, **overrides: object) -> tuple[int, float, int]:
    """Send ``count`` rows in batches of 500: rows created, seconds, requests."""

    async def main() -> tuple[int, float, int]:
        async with sender(api, **overrides) as client:
            made = 0
            for start in range(0, count, 500):
                outcomes = await client.send_batch(rows(min(500, count - start), start=start))
                made += sum(o.kind == "created" for o in outcomes)
            assert client.stop_reason is None
            return made, now(), client.stats.requests

    return run(main)


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_adaptive_settles_just_under_the_limit_with_few_429s(form: str) -> None:
    limited = LimitedApi(110.0, form)
    made, seconds, requests = drive(FakeApi(limited), 1500)
    assert made == 1500
    assert made / seconds >= 0.85 * 110
    assert limited.answers_429 <= 0.02 * requests


def test_a_fixed_rate_under_the_limit_gets_no_429_and_keeps_its_pace() -> None:
    limited = LimitedApi(200.0)
    made, seconds, _ = drive(FakeApi(limited), 1000, rate=200.0)
    assert made == 1000
    assert limited.answers_429 == 0
    assert made / seconds >= 0.95 * 200
    assert made / seconds <= 200 * 1.01 + 1


def test_a_fixed_rate_over_the_limit_still_honours_retry_after() -> None:
    limited = LimitedApi(50.0)
    made, seconds, _requests = drive(FakeApi(limited), 500, rate=100.0)
    assert made == 500
    assert made / seconds <= 55  # the pauses hold it to about the API's pace


@pytest.mark.parametrize("retry_after", ["2", formatdate(1_700_000_000 + 4, usegmt=True)])
def test_a_429_pauses_the_whole_sender_until_retry_after(retry_after: str) -> None:
    async def answer(request: httpx.Request, n: int) -> httpx.Response:
        await asyncio.sleep(0.01)
        if n == 10:
            return error(429, "slow down", headers={"Retry-After": retry_after})
        return created(n)

    api = FakeApi(answer)
    made, _, _ = drive(api, 40, concurrency=4)
    assert made == 40
    throttled_at = api.seen[10].at + 0.01
    resume = 2.0 if retry_after == "2" else 4.0 - throttled_at  # the date: 4 s after t=0
    resumed = [s.at for s in api.seen[11:] if s.at >= throttled_at]
    assert min(resumed) >= throttled_at + resume - 1e-6
    in_pause = [s for s in api.seen if throttled_at < s.at < throttled_at + resume - 1e-6]
    assert in_pause == []  # nobody started during the pause, not just the throttled row
