"""Helpers of the sender's tests: simulated time and a scripted API.

``run(main)`` runs a coroutine on a looptime event loop: ``asyncio.sleep`` and the
loop's clock move in simulated time, so tests of waits and rates are instant and
deterministic.  :class:`FakeApi` is an ``httpx.MockTransport`` handler that
records every request and answers from a function of (request, number).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import looptime

from aniva_import import ApiKey
from aniva_import.send import Sender, SendRequest, SendSettings

T = TypeVar("T")
WALL_EPOCH = 1_700_000_000.0
CANARY = "canary-Key-5f1e9c0d7b3a"
API_URL = "https://api.example.test/api/v1"


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main()`` in simulated time (the clock starts at 0)."""
    loop = looptime.new_event_loop(start=0.0)
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


def now() -> float:
    return asyncio.get_running_loop().time()


def wall() -> float:
    return WALL_EPOCH + now()


def settings(**overrides: Any) -> SendSettings:
    values: dict[str, Any] = {"api_url": API_URL, "api_key": ApiKey(CANARY)}
    values.update(overrides)
    return SendSettings(**values)


def request(row: int, group: str = "demo-clinic", **body: object) -> SendRequest:
    fields: dict[str, object] = {"first_name": "Maria", "last_name": "Schmidt",
                                 "profile_group_slug": group}
    fields.update(body)
    return SendRequest(row=row, group=group, body=fields, idempotency_key=f"key-{row}")


def rows(count: int, group: str = "demo-clinic", start: int = 2) -> list[SendRequest]:
    return [request(start + i, group) for i in range(count)]


def profile_id(number: int) -> str:
    """The id the fake API gives the profile of its request ``number`` (a UUID)."""
    return f"00000000-0000-4000-8000-{number:012d}"


def created(number: int) -> httpx.Response:
    return httpx.Response(201, json={"id": profile_id(number), "handle": None})


def error(status: int, message: str = "nope", headers: dict[str, str] | None = None,
          **extra: object) -> httpx.Response:
    return httpx.Response(status, json={"error": "e", "message": message, **extra},
                          headers=headers)


Answer = Callable[[httpx.Request, int], Awaitable[httpx.Response] | httpx.Response]


@dataclass
class Seen:
    """One request the fake API received."""

    at: float
    headers: httpx.Headers
    body: dict[str, Any]

    @property
    def group(self) -> str:
        return str(self.body.get("profile_group_slug"))


@dataclass
class FakeApi:
    """Answers with ``answer(request, n)`` (n counts requests from 0) and records them."""

    answer: Answer
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        number = len(self.seen)
        self.seen.append(Seen(now(), request.headers, json.loads(request.content)))
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            answer = self.answer(request, number)
            if isinstance(answer, Awaitable):
                answer = await answer
            return answer
        finally:
            self.in_flight -= 1

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def groups(self) -> list[str]:
        return [seen.group for seen in self.seen]


def sender(api: FakeApi, **overrides: Any) -> Sender:
    """A sender on ``api`` in simulated time (call inside :func:`run`)."""
    return Sender(settings(**overrides), transport=api.transport(), clock=now,
                  sleep=asyncio.sleep, wall=wall, rng=random.Random(1))


def send(api: FakeApi, batches: Sequence[Sequence[SendRequest]], **overrides: Any,
         ) -> tuple[list[list[Any]], Sender]:
    """Send ``batches`` through a fresh sender; the outcomes of each, and the sender."""

    async def main() -> tuple[list[list[Any]], Sender]:
        async with sender(api, **overrides) as client:
            results = [await client.send_batch(batch) for batch in batches]
            return results, client

    return run(main)
