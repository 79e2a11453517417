"""Faults: 429 + Retry-After, latency, 5xx fractions, dropped connections, group errors."""

from __future__ import annotations

import email.utils
from typing import Any

import httpx
import pytest

from aniva_import import testing
from aniva_import.sandbox import DEMO_FULL_KEY, Clock, Faults
from aniva_import.testing import SandboxServer, running_sandbox

sandbox_session = testing.sandbox_session  # the shipped fixtures
sandbox = testing.sandbox

BODY: dict[str, Any] = {
    "first_name": "Maria",
    "last_name": "Schmidt",
    "sex": 2,
    "date_of_birth": "1985-03-22",
    "profile_group_slug": "demo-clinic",
}
KEY = {"x-api-key": DEMO_FULL_KEY}


class FakeTime:
    """A clock tests move by hand; records the sleeps the sandbox asks for."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.wall_now = 1_700_000_000.0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def clock(self) -> Clock:
        return Clock(monotonic=lambda: self.now, wall=lambda: self.wall_now, sleep=self.sleep)


def post(server: SandboxServer, body: object = BODY) -> httpx.Response:
    return server.http.post("/api/v1/profiles", json=body, headers=KEY)


def statuses(server: SandboxServer, count: int) -> list[int]:
    return [post(server).status_code for _ in range(count)]


def test_no_faults_by_default(sandbox: SandboxServer) -> None:
    assert statuses(sandbox, 20) == [201] * 20
    assert sandbox.set_faults() == Faults()


def test_rate_limit_429_with_retry_after_seconds() -> None:
    fake = FakeTime()
    with running_sandbox(faults=Faults(rate_limit=2), clock=fake.clock()) as server:
        assert statuses(server, 2) == [201, 201]
        limited = post(server)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "1"
        assert limited.json()["error"] == "rate_limited"
        fake.now += 0.5  # one token back
        assert statuses(server, 2) == [201, 429]
        fake.now += 10  # the bucket holds at most one second's worth
        assert statuses(server, 3) == [201, 201, 429]
        stats = server.stats()
        assert stats["by_status"] == {"201": 5, "429": 3}
        assert stats["created"] == 5
        assert len(server.profiles()) == 5


def test_slow_rate_limit_asks_for_a_longer_wait() -> None:
    fake = FakeTime()
    with running_sandbox(faults=Faults(rate_limit=0.25), clock=fake.clock()) as server:
        assert post(server).status_code == 201
        assert post(server).headers["retry-after"] == "4"


def test_rate_limit_retry_after_http_date() -> None:
    fake = FakeTime()
    faults = Faults(rate_limit=1, retry_after_format="http-date")
    with running_sandbox(faults=faults, clock=fake.clock()) as server:
        assert post(server).status_code == 201
        limited = post(server)
        assert limited.status_code == 429
        when = email.utils.parsedate_to_datetime(limited.headers["retry-after"])
        assert when.timestamp() == fake.wall_now + 1
        assert limited.headers["retry-after"].endswith(" GMT")


def test_rate_limit_over_real_time(sandbox: SandboxServer) -> None:
    sandbox.set_faults(rate_limit=5)
    codes = statuses(sandbox, 12)
    assert codes.count(201) in (5, 6)  # a token may come back while the loop runs
    assert 429 in codes


def test_latency_is_slept_through_the_injected_clock() -> None:
    fake = FakeTime()
    with running_sandbox(faults=Faults(latency_ms=250), clock=fake.clock()) as server:
        assert statuses(server, 3) == [201] * 3
    assert fake.sleeps == [0.25, 0.25, 0.25]


def test_latency_over_real_time(sandbox: SandboxServer) -> None:
    sandbox.set_faults(latency_ms=120)
    response = post(sandbox)
    assert response.status_code == 201
    assert response.elapsed.total_seconds() >= 0.12


def test_a_request_from_before_a_reset_is_not_stored_after_it(sandbox: SandboxServer) -> None:
    """A killed client's request still in its latency must not land in the next
    test's fresh sandbox: reset is a new sandbox."""
    import threading

    sandbox.set_faults(latency_ms=400)
    answers: list[object] = []

    def send() -> None:
        try:
            answers.append(post(sandbox).status_code)
        except httpx.HTTPError as error:
            answers.append(type(error).__name__)

    slow = threading.Thread(target=send)
    slow.start()
    deadline = 50
    while sandbox.stats()["requests"] < 1 and deadline:  # it has arrived, and sleeps
        threading.Event().wait(0.02)
        deadline -= 1
    sandbox.reset()
    slow.join(timeout=10)
    assert sandbox.profiles() == []
    assert answers == ["RemoteProtocolError"]  # the client learns nothing was answered
    assert post(sandbox).status_code == 201  # a request after the reset is stored
    assert len(sandbox.profiles()) == 1


def _run_with_errors(seed: int) -> list[int]:
    faults = Faults(error_rate=0.3, seed=seed)
    with running_sandbox(faults=faults) as server:
        codes = statuses(server, 60)
        stats = server.stats()
        assert stats["created"] == codes.count(201) == len(server.profiles())
        return codes


def test_error_fraction_is_deterministic_with_a_seed() -> None:
    first, again, other = _run_with_errors(7), _run_with_errors(7), _run_with_errors(8)
    assert first == again
    assert first != other
    errors = [code for code in first if code != 201]
    assert 6 <= len(errors) <= 30
    assert set(errors) <= {500, 502, 503, 504}
    assert len(set(errors)) > 1


def test_error_statuses_can_be_chosen(sandbox: SandboxServer) -> None:
    sandbox.set_faults(error_rate=1.0, error_statuses=(503,))
    response = post(sandbox)
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"
    assert sandbox.profiles() == []


def test_errors_come_before_the_key_check(sandbox: SandboxServer) -> None:
    sandbox.set_faults(error_rate=1.0, error_statuses=(500,))
    assert sandbox.http.post("/api/v1/profiles", json=BODY).status_code == 500


def test_drop_before_nothing_stored_client_sees_a_broken_connection(
    sandbox: SandboxServer,
) -> None:
    sandbox.set_faults(drop_before_rate=1.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        post(sandbox)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        post(sandbox)
    assert sandbox.profiles() == []
    stats = sandbox.stats()
    assert stats["requests"] == 2
    assert stats["dropped_before"] == 2
    assert stats["created"] == 0
    assert stats["by_status"] == {}
    sandbox.set_faults()
    assert post(sandbox).status_code == 201  # the client recovers with a new connection


def test_drop_after_stored_exactly_once_client_sees_an_error(sandbox: SandboxServer) -> None:
    sandbox.set_faults(drop_after_rate=1.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        post(sandbox)
    profiles = sandbox.profiles()
    assert len(profiles) == 1
    assert profiles[0]["first_name"] == "Maria"
    stats = sandbox.stats()
    assert stats["created"] == 1
    assert stats["dropped_after"] == 1
    assert stats["by_status"] == {}


def test_drop_after_applies_only_to_successful_requests(sandbox: SandboxServer) -> None:
    sandbox.set_faults(drop_after_rate=1.0)
    assert post(sandbox, {**BODY, "sex": 3}).status_code == 400


def test_drop_fractions_are_seeded() -> None:
    def run() -> list[str]:
        outcomes = []
        with running_sandbox(faults=Faults(drop_before_rate=0.2, drop_after_rate=0.2,
                                           seed=3)) as server:
            for _ in range(30):
                try:
                    outcomes.append(str(post(server).status_code))
                except httpx.TransportError:
                    outcomes.append("dropped")
            stats = server.stats()
            assert stats["created"] == len(server.profiles())
            assert stats["created"] == outcomes.count("201") + stats["dropped_after"]
        return outcomes

    first = run()
    assert first == run()
    assert "dropped" in first


def test_group_error_for_one_group_only(sandbox: SandboxServer) -> None:
    sandbox.set_faults(group_errors={"demo-clinic": 503, "helsinki-health": 404})
    assert post(sandbox).status_code == 503
    assert post(sandbox, {**BODY, "profile_group_slug": "helsinki-health"}).status_code == 404
    assert post(sandbox, {**BODY, "profile_group_slug": "acme-clinic-berlin"}).status_code == 201
    assert [p["profile_group_slug"] for p in sandbox.profiles()] == ["acme-clinic-berlin"]


def test_group_error_429_carries_retry_after(sandbox: SandboxServer) -> None:
    sandbox.set_faults(group_errors={"demo-clinic": 429})
    response = post(sandbox)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"


def test_fault_api_round_trip_and_reset(sandbox: SandboxServer) -> None:
    faults = Faults(rate_limit=3, retry_after_format="http-date", latency_ms=1,
                    error_rate=0.5, error_statuses=(502,), drop_before_rate=0.1,
                    drop_after_rate=0.2, group_errors={"demo-clinic": 500}, seed=9)
    assert sandbox.set_faults(faults) == faults
    assert Faults.from_json(sandbox.http.get("/_sandbox/faults").json()) == faults
    sandbox.reset()
    assert Faults.from_json(sandbox.http.get("/_sandbox/faults").json()) == Faults()


@pytest.mark.parametrize(
    "body",
    [
        {"error_rate": 2},
        {"error_rate": "0.5"},
        {"rate_limit": 0},
        {"retry_after_format": "minutes"},
        {"error_statuses": [404]},
        {"error_statuses": "500"},
        {"group_errors": {"demo-clinic": 200}},
        {"group_errors": ["demo-clinic"]},
        {"latency_ms": -1},
        {"seed": "x"},
        {"surprise": True},
        [1],
    ],
)
def test_fault_api_rejects_bad_settings(sandbox: SandboxServer, body: object) -> None:
    response = sandbox.http.post("/_sandbox/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert sandbox.http.get("/_sandbox/faults").json() == Faults().to_json()


def test_faults_describe_themselves() -> None:
    assert Faults().describe() == "none"
    text = Faults(rate_limit=2, latency_ms=5, error_rate=0.1, drop_before_rate=0.05,
                  drop_after_rate=0.05, group_errors={"demo-clinic": 503}, seed=1).describe()
    for part in ("rate limit 2/s", "latency 5 ms", "10% errors", "dropped before",
                 "dropped after", "503 for group demo-clinic", "seed 1"):
        assert part in text


def test_peak_requests_per_second_counts_one_second_windows() -> None:
    fake = FakeTime()
    with running_sandbox(clock=fake.clock()) as server:
        statuses(server, 3)
        fake.now += 1
        statuses(server, 5)
        fake.now += 1
        statuses(server, 2)
        stats = server.stats()
    assert stats["peak_requests_per_second"] == 5
    assert stats["requests"] == 10
