"""The sender against a scripted API, in simulated time: outcomes, the group probe,
the reasons to stop, the breaker, stop() and abort()."""

from __future__ import annotations

import asyncio
import math
import ssl
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from aniva_import.send import OutcomeKind, SendOutcome, SendRequest
from tests.send._support import (
    FakeApi,
    created,
    error,
    now,
    profile_id,
    request,
    rows,
    run,
    send,
    sender,
)

SCOPE = "This API key lacks the CREATE_USER scope."
CONTEXT = "The profile group is outside this API key's access context."


def kinds(outcomes: list[SendOutcome]) -> list[str]:
    return [o.kind.value for o in outcomes]


def no_patient_data(outcomes: list[SendOutcome]) -> None:
    for outcome in outcomes:
        assert outcome.message is None or not {"Maria", "Schmidt"} & set(
            outcome.message.replace(".", " ").split())


def by_group(answers: dict[str, httpx.Response]) -> FakeApi:
    """201 unless the row's group has an answer of its own."""

    def answer(req: httpx.Request, n: int) -> httpx.Response:
        import json

        group = json.loads(req.content)["profile_group_slug"]
        return answers.get(group) or created(n)

    return FakeApi(answer)


def latency(seconds: float, respond: httpx.Response | None = None) -> FakeApi:
    async def answer(req: httpx.Request, n: int) -> httpx.Response:
        await asyncio.sleep(seconds)
        return respond or created(n)

    return FakeApi(answer)


# -- outcomes -----------------------------------------------------------------------

def test_every_row_gets_one_outcome_in_order() -> None:
    api = FakeApi(lambda req, n: created(n))
    batch = rows(25)
    (outcomes,), client = send(api, [batch])
    assert [o.row for o in outcomes] == [r.row for r in batch]
    assert kinds(outcomes) == ["created"] * 25
    assert {o.profile_id for o in outcomes} == {profile_id(n) for n in range(25)}
    assert all(o.attempts == 1 and o.status == 201 and o.code is None for o in outcomes)
    assert client.stop_reason is None
    stats = client.stats
    assert (stats.requests, stats.created, stats.retries, stats.by_status) == (25, 25, 0,
                                                                              {201: 25})


def test_concurrency_bounds_the_requests_in_flight() -> None:
    api = latency(0.05)
    (outcomes,), _ = send(api, [rows(40)], concurrency=3)
    assert kinds(outcomes) == ["created"] * 40
    assert api.peak_in_flight == 3


def test_a_400_fails_the_row_with_the_field_messages_by_api_field() -> None:
    api = FakeApi(lambda req, n: created(n) if n == 0 else error(
        400, "One or more fields failed validation: email.",
        fields={"email": "not an e-mail address"}))
    (outcomes,), _ = send(api, [rows(2)])
    failed = outcomes[1]
    assert (failed.kind, failed.code, failed.status) == (OutcomeKind.FAILED, "api_rejected", 400)
    assert dict(failed.field_errors) == {"email": "not an e-mail address"}
    assert failed.api_message == "One or more fields failed validation: email."
    assert failed.message is not None
    assert "email" in failed.message
    assert len(api.seen) == 2  # a refused row is never retried
    no_patient_data(outcomes)


@pytest.mark.parametrize("status", [500, 502, 504, 408])
def test_5xx_and_408_leave_the_row_unknown_and_never_resend_it(status: int) -> None:
    api = FakeApi(lambda req, n: created(n) if n == 0 else httpx.Response(status))
    (outcomes,), _ = send(api, [rows(2)])
    assert outcomes[1].kind is OutcomeKind.UNKNOWN
    assert outcomes[1].code == "outcome_unknown"
    assert outcomes[1].attempts == 1
    assert len(api.seen) == 2
    assert outcomes[1].message is not None
    assert "check in Aniva" in outcomes[1].message


@pytest.mark.parametrize("kind", [httpx.ReadTimeout, httpx.RemoteProtocolError,
                                  httpx.ReadError, httpx.WriteTimeout])
def test_no_answer_after_sending_leaves_the_row_unknown(kind: type[Exception]) -> None:
    def answer(req: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            raise kind("gone", request=req)  # type: ignore[call-arg]
        return created(n)

    api = FakeApi(answer)
    (outcomes,), _ = send(api, [rows(3)])
    assert kinds(outcomes) == ["created", "unknown", "created"]
    assert len(api.seen) == 3


def test_503_is_retried_and_then_created() -> None:
    api = FakeApi(lambda req, n: httpx.Response(503) if n in (1, 2) else created(n))
    (outcomes,), client = send(api, [rows(2)])
    assert kinds(outcomes) == ["created", "created"]
    assert outcomes[1].attempts == 3
    assert client.stats.retries == 2


def test_a_201_whose_body_breaks_off_is_created_without_an_id() -> None:
    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b""
            raise httpx.ReadError("reset")

    api = FakeApi(lambda req, n: httpx.Response(201, stream=Broken()))
    (outcomes,), _ = send(api, [rows(1)])
    assert outcomes[0].kind is OutcomeKind.CREATED
    assert outcomes[0].profile_id is None
    assert outcomes[0].code == "created_without_id"


def test_a_body_that_is_not_json_is_not_sent() -> None:
    api = FakeApi(lambda req, n: created(n))
    bad = SendRequest(row=5, group="demo-clinic", body={"height": math.nan},
                      idempotency_key="k5")
    (outcomes,), _ = send(api, [[bad, *rows(1)]])
    assert outcomes[0].kind is OutcomeKind.NOT_SENT
    assert outcomes[0].code == "invalid_request"
    assert outcomes[1].kind is OutcomeKind.CREATED
    assert len(api.seen) == 1


def test_a_bad_idempotency_key_is_refused_when_the_request_is_made() -> None:
    with pytest.raises(ValueError, match="idempotency"):
        SendRequest(row=2, group="g", body={}, idempotency_key="has space")


# -- the group probe ------------------------------------------------------------------

def test_the_first_request_goes_out_alone() -> None:
    api = latency(0.1)
    send(api, [rows(8)], concurrency=4)
    assert api.seen[0].at == 0.0
    assert all(seen.at >= 0.1 for seen in api.seen[1:])


def test_a_missing_group_costs_one_request_and_the_others_go_on() -> None:
    api = by_group({"nope": error(404, "The profile group does not exist.")})
    batch = [request(2), request(3, "nope"), request(4), request(5, "nope"), request(6),
             request(7, "nope")]
    (outcomes,), client = send(api, [batch])
    assert kinds(outcomes) == ["created", "failed", "created", "failed", "created", "failed"]
    assert api.groups().count("nope") == 1
    refused = [o for o in outcomes if o.kind is OutcomeKind.FAILED]
    assert {o.code for o in refused} == {"group_not_found"}
    assert [o.attempts for o in refused] == [1, 0, 0]
    assert all("'nope'" in (o.message or "") for o in refused)
    assert client.stop_reason is None


def test_a_refused_group_stays_refused_in_later_batches_without_a_request() -> None:
    api = by_group({"other": error(403, CONTEXT)})
    batch = [request(2), request(3, "other")]
    (first, second), client = send(api, [batch, [request(4, "other"), request(5)]])
    assert kinds(first) == ["created", "failed"]
    assert kinds(second) == ["failed", "created"]
    assert client.stats.failed == 2  # the refused group's rows count, sent or not
    assert second[0].code == "group_forbidden"
    assert second[0].attempts == 0
    assert api.groups().count("other") == 1


def test_the_rest_of_a_group_waits_for_its_first_row() -> None:
    api = latency(0.1)
    batch = [*rows(4, "a"), *rows(4, "b", start=10)]
    send(api, [batch], concurrency=4)
    b_times = [seen.at for seen in api.seen if seen.group == "b"]
    assert b_times[0] < min(b_times[1:])
    assert min(b_times[1:]) >= b_times[0] + 0.1


def test_a_probe_that_proves_nothing_hands_the_probe_to_the_next_row() -> None:
    api = latency(0.1, error(400, "bad", fields={"email": "bad"}))
    (outcomes,), _ = send(api, [rows(3)], concurrency=4)
    assert kinds(outcomes) == ["failed"] * 3
    assert [round(s.at, 3) for s in api.seen] == [0.0, 0.1, 0.2]  # one at a time


# -- reasons to stop ---------------------------------------------------------------------

def test_401_stops_the_run_after_one_request() -> None:
    api = FakeApi(lambda req, n: error(401, "unknown key"))
    (first, later), client = send(api, [rows(10), rows(5, start=20)])
    assert len(api.seen) == 1
    assert kinds(first) == ["not_sent"] * 10
    assert kinds(later) == ["not_sent"] * 5
    assert {o.code for o in first + later} == {"key_refused"}
    assert first[0].attempts == 1
    assert first[0].status == 401
    reason = client.stop_reason
    assert reason is not None
    assert reason.code == "key_refused"
    assert reason.exit_code == 3
    assert "401" in reason.message
    assert "key" in reason.message
    assert reason.error().exit_code == 3


def test_403_for_the_scope_stops_the_run_after_one_request() -> None:
    api = FakeApi(lambda req, n: error(403, SCOPE))
    (outcomes,), client = send(api, [[*rows(3, "a"), *rows(3, "b", start=9)]])
    assert len(api.seen) == 1
    assert client.stop_reason is not None
    assert client.stop_reason.code == "scope_missing"
    assert "CREATE_USER" in client.stop_reason.message
    assert kinds(outcomes) == ["not_sent"] * 6


def test_a_bare_403_is_the_group_when_another_group_works() -> None:
    api = by_group({"a": error(403, "Forbidden.")})
    (outcomes,), client = send(api, [[*rows(3, "a"), *rows(3, "b", start=9)]])
    assert kinds(outcomes) == ["failed"] * 3 + ["created"] * 3
    assert {o.code for o in outcomes[:3]} == {"group_forbidden"}
    assert api.groups() .count("a") == 1
    assert "accepted other groups" in (outcomes[0].message or "")
    assert client.stop_reason is None


def test_a_bare_403_for_two_groups_stops_and_names_both_possibilities() -> None:
    api = FakeApi(lambda req, n: error(403, "Forbidden."))
    (outcomes,), client = send(api, [[*rows(3, "a"), *rows(3, "b", start=9),
                                      *rows(3, "c", start=19)]])
    assert len(api.seen) == 2
    reason = client.stop_reason
    assert reason is not None
    assert reason.code == "forbidden"
    assert reason.exit_code == 3
    assert "CREATE_USER" in reason.message
    assert "access context" in reason.message
    assert "profile groups 'a' and 'b' are" in reason.message
    assert kinds(outcomes) == ["not_sent"] * 9


def test_a_bare_403_with_no_other_group_to_ask_stops_after_one_request() -> None:
    api = FakeApi(lambda req, n: error(403, "Forbidden."))
    (outcomes,), client = send(api, [rows(4, "a")])
    assert len(api.seen) == 1
    assert client.stop_reason is not None
    assert client.stop_reason.code == "forbidden"
    assert "'a'" in client.stop_reason.message
    assert {o.code for o in outcomes} == {"forbidden"}


def test_a_bare_403_once_the_key_is_proven_refuses_only_that_group() -> None:
    api = by_group({"b": error(403, "Forbidden.")})
    (_first, second), client = send(api, [rows(2, "a"), [*rows(2, "b", start=9),
                                                       *rows(2, "a", start=19)]])
    assert kinds(second) == ["failed", "failed", "created", "created"]
    assert api.groups().count("b") == 1
    assert client.stop_reason is None


def test_a_tls_verification_failure_stops_at_once_with_exit_2() -> None:
    def answer(req: httpx.Request, n: int) -> httpx.Response:
        cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
        raise httpx.ConnectError("tls", request=req) from cause

    api = FakeApi(answer)
    (outcomes,), client = send(api, [rows(3)])
    assert len(api.seen) == 1  # never retried
    reason = client.stop_reason
    assert reason is not None
    assert reason.code == "tls_failed"
    assert reason.exit_code == 2
    assert "certificate" in reason.message
    assert "trust store" in reason.message
    assert kinds(outcomes) == ["not_sent"] * 3


def test_a_redirect_stops_the_run_and_its_row_is_unknown() -> None:
    api = FakeApi(lambda req, n: created(n) if n == 0 else httpx.Response(
        303, headers={"Location": "/elsewhere"}))
    (outcomes,), client = send(api, [rows(6)], concurrency=1)
    assert kinds(outcomes) == ["created", "unknown"] + ["not_sent"] * 4
    assert client.stop_reason is not None
    assert client.stop_reason.code == "unexpected_response"


@pytest.mark.parametrize("respond", [
    httpx.Response(200, text="<html>Blocked by your network's proxy</html>",
                   headers={"content-type": "text/html"}),
    httpx.Response(202, json={"status": "queued"}),
    httpx.Response(204),
])
def test_a_2xx_other_than_201_stops_the_run_and_its_row_is_unknown(
    respond: httpx.Response,
) -> None:
    api = FakeApi(lambda req, n: created(n) if n == 0 else respond)
    (outcomes,), client = send(api, [rows(6)], concurrency=1)
    assert kinds(outcomes) == ["created", "unknown"] + ["not_sent"] * 4
    unknown = outcomes[1]
    assert unknown.profile_id is None
    assert unknown.code == "unexpected_response"
    assert unknown.message is not None
    assert f"HTTP {respond.status_code}" in unknown.message
    assert "201 Created" in unknown.message
    assert "check in Aniva" in unknown.message
    assert len(api.seen) == 2  # never resent
    reason = client.stop_reason
    assert reason is not None
    assert (reason.code, reason.exit_code) == ("unexpected_response", 3)
    assert "proxy" in reason.message


def test_a_2xx_other_than_201_whose_body_breaks_off_is_unknown() -> None:
    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"<html>"
            raise httpx.ReadError("reset")

    api = FakeApi(lambda req, n: httpx.Response(200, stream=Broken()))
    (outcomes,), _ = send(api, [rows(1)])
    assert outcomes[0].kind is OutcomeKind.UNKNOWN
    assert outcomes[0].code == "unexpected_response"
    assert outcomes[0].profile_id is None


# -- the breaker -------------------------------------------------------------------------

def test_an_unreachable_api_stops_after_the_budget_with_exit_2() -> None:
    def answer(req: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ConnectError("refused", request=req) from ConnectionRefusedError(111, "x")

    api = FakeApi(answer)
    (outcomes,), client = send(api, [rows(5)], max_attempts=4)
    assert len(api.seen) == 4  # the first row's budget, nothing else was tried
    assert kinds(outcomes) == ["not_sent"] * 5
    reason = client.stop_reason
    assert reason is not None
    assert reason.code == "api_unavailable"
    assert reason.exit_code == 2  # nothing reached the API: nothing was done
    assert "refused the connection" in reason.message
    assert "4 attempts" in reason.message
    assert outcomes[0].attempts == 4
    assert outcomes[1].attempts == 0


def _refused(req: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=req) from ConnectionRefusedError(111, "x")


def _timed_out(req: httpx.Request) -> httpx.Response:
    raise httpx.ConnectTimeout("slow", request=req)


@pytest.mark.parametrize(("fail", "said"), [
    (_refused, "The proxy proxy.clinic.example:3128 (from HTTPS_PROXY, ALL_PROXY or the "
               "system's proxy settings) refused the connection"),
    # the proxy or the API beyond it: either may be slow
    (_timed_out, "Connecting through the proxy proxy.clinic.example:3128 to the API at "
                 "api.example.test timed out"),
])
def test_through_a_proxy_the_stop_names_the_proxy(
    fail: Callable[[httpx.Request], httpx.Response], said: str
) -> None:
    (outcomes,), client = send(FakeApi(lambda req, n: fail(req)), [rows(2)], max_attempts=2,
                               proxy="http://clinic:pw-secret@proxy.clinic.example:3128")
    reason = client.stop_reason
    assert reason is not None
    assert reason.code == "api_unavailable"
    assert said in reason.message
    assert "pw-secret" not in reason.message
    assert kinds(outcomes) == ["not_sent"] * 2


def test_an_api_answering_503_past_the_budget_stops_with_exit_3() -> None:
    api = FakeApi(lambda req, n: created(n) if n == 0 else httpx.Response(503))
    (outcomes,), client = send(api, [rows(10)], max_attempts=3, concurrency=2)
    reason = client.stop_reason
    assert reason is not None
    assert reason.code == "api_unavailable"
    assert reason.exit_code == 3
    assert "503" in reason.message
    assert outcomes[0].kind is OutcomeKind.CREATED
    assert set(kinds(outcomes[1:])) == {"not_sent"}
    assert len(api.seen) <= 1 + 2 * 3  # at most the budget of the rows in flight


def test_a_retry_after_longer_than_we_wait_stops_the_run() -> None:
    api = FakeApi(lambda req, n: created(n) if n == 0 else error(
        429, "slow", headers={"Retry-After": "3600"}))
    (outcomes,), client = send(api, [rows(4)], max_retry_wait=60.0, concurrency=1)
    reason = client.stop_reason
    assert reason is not None
    assert reason.code == "api_unavailable"
    assert "3600 seconds" in reason.message
    assert kinds(outcomes) == ["created"] + ["not_sent"] * 3
    assert len(api.seen) == 2


def test_too_many_unknown_outcomes_in_a_row_stop_the_run() -> None:
    api = FakeApi(lambda req, n: created(n) if n == 0 else httpx.Response(500))
    (outcomes,), client = send(api, [rows(50)], unknown_limit=5, concurrency=2)
    reason = client.stop_reason
    assert reason is not None
    assert reason.code == "too_many_unknown"
    assert reason.exit_code == 3
    unknown = kinds(outcomes).count("unknown")
    assert 5 <= unknown <= 6  # the limit, and what was in flight when it was reached
    assert kinds(outcomes).count("not_sent") == 49 - unknown


def test_a_clear_answer_ends_the_unknown_streak() -> None:
    api = FakeApi(lambda req, n: httpx.Response(500) if n % 3 == 2 else created(n))
    (outcomes,), client = send(api, [rows(30)], unknown_limit=2, concurrency=1)
    assert client.stop_reason is None
    assert kinds(outcomes).count("unknown") == 10


# -- stop() and abort() -------------------------------------------------------------------

def test_stop_lets_requests_in_flight_finish_and_sends_nothing_more() -> None:
    api = latency(1.0)

    async def main() -> tuple[list[SendOutcome], list[SendOutcome], int, int]:
        async with sender(api, concurrency=2) as client:
            first = await client.send_batch(rows(2))  # key and group proven
            asyncio.get_running_loop().call_later(0.5, client.stop)
            started = len(api.seen)
            outcomes = await client.send_batch(rows(10, start=10))
            assert client.stop_reason is not None
            return first, outcomes, len(api.seen) - started, client.stop_reason.exit_code

    _first, outcomes, requests, exit_code = run(main)
    assert requests == 2
    assert kinds(outcomes) == ["created"] * 2 + ["not_sent"] * 8
    assert {o.code for o in outcomes[2:]} == {"interrupted"}
    assert exit_code == 130


def test_stop_cuts_a_retry_after_pause_short() -> None:
    api = FakeApi(lambda req, n: created(n) if n == 0 else error(
        429, "slow", headers={"Retry-After": "50"}))

    async def main() -> tuple[list[SendOutcome], float]:
        async with sender(api, concurrency=1) as client:
            await client.send_batch(rows(1))
            asyncio.get_running_loop().call_later(2.0, client.stop)
            outcomes = await client.send_batch(rows(3, start=10))
            return outcomes, now()

    outcomes, finished = run(main)
    assert finished < 3.0  # not after the 50 s pause
    assert kinds(outcomes) == ["not_sent"] * 3


def test_abort_makes_requests_in_flight_unknown() -> None:
    api = latency(5.0)

    async def main() -> tuple[list[SendOutcome], float]:
        async with sender(api, concurrency=2) as client:
            await client.send_batch(rows(1))
            asyncio.get_running_loop().call_later(1.0, client.abort)
            outcomes = await client.send_batch(rows(6, start=10))
            return outcomes, now()

    outcomes, finished = run(main)
    assert finished < 6.5  # did not wait for the 5 s answers
    assert kinds(outcomes) == ["unknown"] * 2 + ["not_sent"] * 4
    assert {o.code for o in outcomes} == {"interrupted"}
    assert "unclear" in (outcomes[0].message or "")


def test_after_a_stop_later_batches_send_nothing() -> None:
    api = FakeApi(lambda req, n: created(n))

    async def main() -> list[SendOutcome]:
        async with sender(api) as client:
            client.stop()
            return await client.send_batch(rows(3))

    assert kinds(run(main)) == ["not_sent"] * 3
    assert api.seen == []


def test_a_bug_below_the_sender_propagates_and_leaves_no_request_running() -> None:
    async def answer(req: httpx.Request, n: int) -> httpx.Response:
        if n == 3:
            raise RuntimeError("a bug, not an HTTP failure")
        await asyncio.sleep(1.0)
        return created(n)

    api = FakeApi(answer)

    async def main() -> set[asyncio.Task[object]]:
        async with sender(api, concurrency=3) as client:
            await client.send_batch(rows(1))
            with pytest.raises(RuntimeError, match="a bug"):
                await client.send_batch(rows(10, start=10))
            await asyncio.sleep(0)
            return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    assert run(main) == set()
    assert len(api.seen) == 4  # nothing was sent after the failure
