"""The one retry policy: what is retried, the budget, the backoff and its jitter."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aniva_import.problems import ProblemCode
from aniva_import.send import RetryPolicy
from aniva_import.send.classify import Action, Cause, Verdict
from aniva_import.send.retry import GiveUp, Retrier

RETRY = Verdict(Action.RETRY, ProblemCode.API_UNAVAILABLE, Cause.REFUSED)
CREATED = Verdict(Action.CREATED, None, status=201, profile_id="x")


def retry_after(seconds: float) -> Verdict:
    return Verdict(Action.RETRY, ProblemCode.API_UNAVAILABLE, status=429, retry_after=seconds)


def run_retrier(verdicts: Iterator[Verdict], policy: RetryPolicy | None = None,
                halted: bool = False, seed: int = 0,
                ) -> tuple[Verdict, GiveUp | None, int, list[float]]:
    waits: list[float] = []
    calls = 0

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def attempt() -> Verdict:
        nonlocal calls
        calls += 1
        return next(verdicts)

    retrier = Retrier(policy or RetryPolicy(), sleep=sleep, rng=random.Random(seed),
                      halted=lambda: halted)
    verdict, give_up = asyncio.run(retrier.run(attempt))
    return verdict, give_up, calls, waits


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.RETRY])
def test_only_retry_verdicts_are_retried(action: Action) -> None:
    final = Verdict(action, ProblemCode.OUTCOME_UNKNOWN, status=500)
    verdict, give_up, calls, waits = run_retrier(iter([final, CREATED]))
    assert verdict is final
    assert give_up is None
    assert calls == 1
    assert waits == []


def test_retries_until_the_answer_is_final() -> None:
    verdict, give_up, calls, waits = run_retrier(iter([RETRY, RETRY, CREATED]))
    assert verdict is CREATED
    assert give_up is None
    assert calls == 3
    assert len(waits) == 2


def test_the_budget_is_max_attempts_requests() -> None:
    policy = RetryPolicy(max_attempts=4)
    verdict, give_up, calls, waits = run_retrier(iter([RETRY] * 10), policy)
    assert verdict is RETRY
    assert give_up is GiveUp.EXHAUSTED
    assert calls == 4
    assert len(waits) == 3


def test_backoff_grows_exponentially_within_its_jitter() -> None:
    policy = RetryPolicy(max_attempts=7, initial_wait=0.5, max_backoff=8.0)
    *_, waits = run_retrier(iter([RETRY] * 7), policy)
    bases = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]  # doubling, capped
    assert len(waits) == 6
    for wait, base in zip(waits, bases, strict=True):
        assert base / 2 <= wait <= base


@given(st.integers(min_value=1, max_value=30), st.floats(min_value=0, max_value=1,
                                                          exclude_max=True))
def test_jitter_is_bounded(attempt: int, draw: float) -> None:
    policy = RetryPolicy(initial_wait=0.5, max_backoff=30.0)
    base = min(30.0, 0.5 * 2 ** (attempt - 1))
    assert base / 2 <= policy.backoff(attempt, draw) <= base


def test_jitter_differs_between_rows() -> None:
    waits = {run_retrier(iter([RETRY, CREATED]), seed=seed)[3][0] for seed in range(5)}
    assert len(waits) == 5


def test_retry_after_is_the_least_wait() -> None:
    *_, waits = run_retrier(iter([retry_after(7.0), CREATED]))
    assert waits == [7.0]


def test_a_retry_after_longer_than_max_wait_gives_up_without_waiting() -> None:
    policy = RetryPolicy(max_wait=60.0)
    _verdict, give_up, calls, waits = run_retrier(iter([retry_after(3600.0), CREATED]), policy)
    assert give_up is GiveUp.WAIT_TOO_LONG
    assert calls == 1
    assert waits == []


def test_a_halted_sender_gives_up_at_once() -> None:
    _verdict, give_up, calls, waits = run_retrier(iter([RETRY, CREATED]), halted=True)
    assert give_up is GiveUp.HALTED
    assert calls == 1
    assert waits == []


def test_policies_are_checked() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="waits"):
        RetryPolicy(initial_wait=10, max_backoff=1)
