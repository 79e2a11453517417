"""The sender against the real sandbox over loopback HTTP, with every fault it
injects; each test checks the sandbox's own record of what was created."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from aniva_import import ApiKey
from aniva_import.sandbox import Faults
from aniva_import.send import OutcomeKind, Sender, SendOutcome, SendRequest, SendSettings
from aniva_import.send.client import ProfilesEndpoint
from aniva_import.testing import SandboxServer, running_sandbox

pytestmark = pytest.mark.integration

GROUPS = ("demo-clinic", "acme-clinic-berlin", "helsinki-health")


def requests(count: int, groups: tuple[str, ...] = GROUPS, start: int = 0) -> list[SendRequest]:
    out = []
    for i in range(start, start + count):
        group = groups[i % len(groups)]
        body = {"first_name": "Maria", "last_name": f"Schmidt{i}", "profile_group_slug": group,
                "sex": 2, "date_of_birth": "1985-03-22", "email": f"m{i}@example.de"}
        out.append(SendRequest(row=i + 2, group=group, body=body, idempotency_key=f"row-{i}"))
    return out


def send(server: SandboxServer, batches: list[list[SendRequest]], *, key: str | None = None,
         **overrides: Any) -> tuple[list[SendOutcome], Sender]:
    values: dict[str, Any] = {"api_url": server.base_url,
                              "api_key": ApiKey(key or server.full_key),
                              "backoff_initial": 0.01, "backoff_max": 0.05}
    values.update(overrides)

    async def main() -> tuple[list[SendOutcome], Sender]:
        async with Sender(SendSettings(**values)) as sender:
            outcomes = []
            for batch in batches:
                outcomes += await sender.send_batch(batch)
            return outcomes, sender

    return asyncio.run(main())


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with running_sandbox() as running:
        yield running


@pytest.fixture
def sandbox(server: SandboxServer) -> SandboxServer:
    server.reset()
    return server


def stored_ids(server: SandboxServer) -> list[str]:
    return [profile["id"] for profile in server.profiles()]


def created_ids(outcomes: list[SendOutcome]) -> list[str]:
    return [o.profile_id for o in outcomes if o.kind is OutcomeKind.CREATED and o.profile_id]


def test_every_row_created_exactly_once(sandbox: SandboxServer) -> None:
    outcomes, sender = send(sandbox, [requests(30), requests(30, start=30)])
    assert [o.kind for o in outcomes] == [OutcomeKind.CREATED] * 60
    assert sorted(stored_ids(sandbox)) == sorted(created_ids(outcomes))
    assert sandbox.stats()["requests"] == sender.stats.requests == 60


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_429_with_retry_after_is_waited_out_and_nothing_is_created_twice(
    sandbox: SandboxServer, form: str
) -> None:
    sandbox.set_faults(rate_limit=25, retry_after_format=form)
    outcomes, sender = send(sandbox, [requests(45)])
    stats = sandbox.stats()
    assert stats["by_status"].get("429", 0) >= 1  # the limit was met
    assert stats["by_status"]["429"] == sender.stats.responses_429
    assert [o.kind for o in outcomes] == [OutcomeKind.CREATED] * 45
    assert sorted(stored_ids(sandbox)) == sorted(created_ids(outcomes))  # once each


def test_503_is_retried_until_created(sandbox: SandboxServer) -> None:
    sandbox.set_faults(error_rate=0.3, error_statuses=[503], seed=3)
    outcomes, sender = send(sandbox, [requests(40)])
    assert [o.kind for o in outcomes] == [OutcomeKind.CREATED] * 40
    assert sender.stats.retries >= 1
    assert sorted(stored_ids(sandbox)) == sorted(created_ids(outcomes))


def test_500_502_504_leave_rows_unknown_and_are_never_resent(sandbox: SandboxServer) -> None:
    sandbox.set_faults(error_rate=0.2, error_statuses=[500, 502, 504], seed=5)
    outcomes, sender = send(sandbox, [requests(40)])
    unknown = [o for o in outcomes if o.kind is OutcomeKind.UNKNOWN]
    assert unknown
    assert {o.status for o in unknown} <= {500, 502, 504}
    assert all(o.attempts == 1 for o in unknown)
    assert sandbox.stats()["requests"] == sender.stats.requests == 40  # none resent
    assert sorted(stored_ids(sandbox)) == sorted(created_ids(outcomes))


def test_a_connection_dropped_before_processing_is_unknown_and_nothing_was_stored(
    sandbox: SandboxServer,
) -> None:
    sandbox.set_faults(drop_before_rate=0.25, seed=2)
    outcomes, sender = send(sandbox, [requests(40)])
    unknown = [o for o in outcomes if o.kind is OutcomeKind.UNKNOWN]
    stats = sandbox.stats()
    assert len(unknown) == stats["dropped_before"] > 0
    assert sorted(stored_ids(sandbox)) == sorted(created_ids(outcomes))
    assert sandbox.stats()["requests"] == sender.stats.requests  # never resent


def test_a_connection_dropped_after_storing_is_unknown_and_the_profile_exists(
    sandbox: SandboxServer,
) -> None:
    sandbox.set_faults(drop_after_rate=0.25, seed=4)
    outcomes, _ = send(sandbox, [requests(40)])
    unknown = [o for o in outcomes if o.kind is OutcomeKind.UNKNOWN]
    stats = sandbox.stats()
    assert len(unknown) == stats["dropped_after"] > 0
    assert stats["stored"] == len(created_ids(outcomes)) + len(unknown) == 40
    assert set(created_ids(outcomes)) <= set(stored_ids(sandbox))


def test_an_answer_slower_than_the_read_timeout_is_unknown(sandbox: SandboxServer) -> None:
    sandbox.set_faults(latency_ms=400)
    outcomes, sender = send(sandbox, [requests(3)], read_timeout=0.1)
    assert [o.kind for o in outcomes] == [OutcomeKind.UNKNOWN] * 3
    assert {o.code for o in outcomes} == {"outcome_unknown"}
    assert sender.stats.requests == 3  # never resent
    deadline = time.monotonic() + 5
    while sandbox.stats()["stored"] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox.stats()["stored"] == 3  # the API did create them: unknown was right


def test_refused_groups_cost_one_request_each_and_the_rest_go_on(
    sandbox: SandboxServer,
) -> None:
    batch = requests(12, ("demo-clinic", "no-such-group", "other-org-clinic"))
    outcomes, sender = send(sandbox, [batch])
    by_group: dict[str, set[str | None]] = {}
    for request, outcome in zip(batch, outcomes, strict=True):
        by_group.setdefault(request.group, set()).add(outcome.code)
    assert by_group == {"demo-clinic": {None}, "no-such-group": {"group_not_found"},
                        "other-org-clinic": {"group_forbidden"}}
    assert sandbox.stats()["requests"] == 4 + 1 + 1
    assert sender.stop_reason is None


@pytest.mark.parametrize(("key", "code"), [("sandbox-noscope-key", "scope_missing"),
                                           ("not-a-key", "key_refused")])
def test_a_refused_key_stops_after_one_request(sandbox: SandboxServer, key: str,
                                               code: str) -> None:
    outcomes, sender = send(sandbox, [requests(10), requests(5, start=10)], key=key)
    assert sandbox.stats()["requests"] == 1
    assert {o.kind for o in outcomes} == {OutcomeKind.NOT_SENT}
    assert sender.stop_reason is not None
    assert sender.stop_reason.code == code
    assert sender.stop_reason.exit_code == 3


def test_an_unreachable_api_stops_with_exit_2_and_one_sentence() -> None:
    with running_sandbox() as gone:
        url = gone.base_url  # a port nothing listens on once it stops
    settings = SendSettings(api_url=url, api_key=ApiKey("k"), max_attempts=2,
                            backoff_initial=0.01, backoff_max=0.02)

    async def main() -> tuple[list[SendOutcome], Sender]:
        async with Sender(settings) as sender:
            return await sender.send_batch(requests(3)), sender

    outcomes, sender = asyncio.run(main())
    assert {o.kind for o in outcomes} == {OutcomeKind.NOT_SENT}
    reason = sender.stop_reason
    assert reason is not None
    assert (reason.code, reason.exit_code) == ("api_unavailable", 2)
    assert "refused the connection" in reason.message
    assert "\n" not in reason.message
    assert "Traceback" not in reason.message


def test_faults_can_be_mixed_and_the_sandbox_agrees_with_every_outcome(
    sandbox: SandboxServer,
) -> None:
    sandbox.set_faults(Faults(rate_limit=40, error_rate=0.1, error_statuses=(500, 503),
                              drop_after_rate=0.05, seed=9))
    outcomes, _ = send(sandbox, [requests(40), requests(40, start=40)])
    kinds = {o.kind for o in outcomes}
    assert kinds <= {OutcomeKind.CREATED, OutcomeKind.UNKNOWN}
    stored = set(stored_ids(sandbox))
    assert set(created_ids(outcomes)) <= stored  # created: in the sandbox, exactly once
    assert len(stored_ids(sandbox)) == len(stored)
    extra = len(stored) - len(created_ids(outcomes))
    unknown = sum(o.kind is OutcomeKind.UNKNOWN for o in outcomes)
    assert extra == sandbox.stats()["dropped_after"] <= unknown  # stored only if maybe


def test_the_client_connections_have_tcp_nodelay(sandbox: SandboxServer) -> None:
    """Nagle plus delayed ACK would cost ~40 ms a request (headers and body are two
    writes); asyncio sets TCP_NODELAY on every TCP connection, so no socket option
    is needed — this guards that."""
    settings = SendSettings(api_url=sandbox.base_url, api_key=ApiKey(sandbox.full_key))

    async def main() -> int:
        endpoint = ProfilesEndpoint(settings)
        try:
            response = await endpoint.post(json.dumps(requests(1)[0].body).encode(), "k-1")
            sock = response.extensions["network_stream"].get_extra_info("socket")
            return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        finally:
            await endpoint.aclose()

    assert asyncio.run(main()) == 1
