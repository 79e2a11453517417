"""Every row of the team's table "Sending: what a response means" (told in the README's
"Sending: never twice, never lost")."""

from __future__ import annotations

import json
import socket
import ssl

import httpx
import pytest

from aniva_import.problems import ProblemCode
from aniva_import.send.classify import (
    Action,
    Cause,
    Verdict,
    classify_exception,
    classify_response,
)

WALL = 1_700_000_000.0


def answer(status: int, body: object = None, **headers: str) -> Verdict:
    content = b"" if body is None else (body if isinstance(body, bytes)
                                        else json.dumps(body).encode())
    return classify_response(status, httpx.Headers(headers), content, wall_now=WALL)


def failure(kind: type[Exception], cause: BaseException | None = None) -> Exception:
    error = kind("boom")
    error.__cause__ = cause
    return error


# -- nothing was sent: retry ----------------------------------------------------

@pytest.mark.parametrize(("error", "cause"), [
    (failure(httpx.ConnectError, ConnectionRefusedError(111, "refused")), Cause.REFUSED),
    (failure(httpx.ConnectError, socket.gaierror(-2, "Name or service not known")), Cause.DNS),
    (failure(httpx.ConnectError, ssl.SSLError(1, "wrong version number")),
     Cause.TLS_HANDSHAKE),
    (failure(httpx.ConnectError, OSError(101, "Network is unreachable")), Cause.CONNECT),
    (failure(httpx.ConnectTimeout), Cause.CONNECT_TIMEOUT),
    (failure(httpx.PoolTimeout), Cause.POOL_TIMEOUT),
    (failure(httpx.ProxyError), Cause.PROXY),
])
def test_errors_before_the_body_was_sent_are_retried(error: Exception, cause: Cause) -> None:
    verdict = classify_exception(error)
    assert verdict.action is Action.RETRY
    assert verdict.cause is cause
    assert not verdict.maybe_created


def test_a_tls_verification_failure_stops_and_is_never_retried() -> None:
    inner = failure(httpx.ConnectError, ssl.SSLCertVerificationError(1, "verify failed"))
    verdict = classify_exception(failure(httpx.ConnectError, inner))  # found down the chain
    assert verdict.action is Action.STOP
    assert verdict.code is ProblemCode.TLS_FAILED


def test_429_is_retried_with_retry_after_in_both_forms() -> None:
    seconds = answer(429, {"message": "slow down"}, **{"Retry-After": "3"})
    date = answer(429, None, **{"Retry-After": "Tue, 14 Nov 2023 22:13:25 GMT"})
    missing = answer(429)
    assert seconds.action is date.action is Action.RETRY
    assert seconds.throttled
    assert date.throttled
    assert seconds.retry_after == 3.0
    assert date.retry_after == pytest.approx(5.0)
    assert missing.retry_after == 1.0  # a 429 always pauses, even without the header


def test_503_is_retried() -> None:
    verdict = answer(503, {"message": "busy"}, **{"Retry-After": "2"})
    assert verdict.action is Action.RETRY
    assert not verdict.throttled
    assert verdict.retry_after == 2.0
    assert answer(503).retry_after is None


# -- created ----------------------------------------------------------------------

def test_201_is_created_with_its_id() -> None:
    verdict = answer(201, {"id": "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d", "handle": None})
    assert verdict.action is Action.CREATED
    assert verdict.code is None  # created, with its id: no problem
    assert verdict.profile_id == "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d"


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"id": null}', b'{"id": ""}',
                                  b'{"uuid": "x"}', b'{"id": "a3f1c2d4-8b7e'])
def test_a_201_without_a_readable_id_is_still_created(body: bytes) -> None:
    verdict = answer(201, body)
    assert verdict.action is Action.CREATED
    assert verdict.code is ProblemCode.CREATED_WITHOUT_ID
    assert verdict.profile_id is None
    assert verdict.maybe_created


def test_a_201_id_is_taken_in_lower_case() -> None:
    verdict = answer(201, {"id": " A3F1C2D4-8B7E-4F2A-9C1D-2E3F4A5B6C7D "})
    assert verdict.code is None
    assert verdict.profile_id == "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d"


@pytest.mark.parametrize("profile_id", [
    '=HYPERLINK("http://evil")',  # a formula in the results file
    "@SUM(1+1)",
    "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7",  # one digit short
    "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d0",
    "a3f1c2d48b7e4f2a9c1d2e3f4a5b6c7d",  # not the canonical form
    "{a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d}",
    "urn:uuid:a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d",
    "g3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d",
    "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d\n=1+1",
    "id-17",
    17,
    ["a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d"],
])
def test_a_201_whose_id_is_not_a_uuid_is_created_without_an_id(profile_id: object) -> None:
    verdict = answer(201, {"id": profile_id})
    assert verdict.action is Action.CREATED
    assert verdict.code is ProblemCode.CREATED_WITHOUT_ID
    assert verdict.profile_id is None


@pytest.mark.parametrize(("status", "body"), [
    (200, b"<html><body>Your request is being inspected</body></html>"),  # a TLS proxy
    (200, {"id": "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d"}),
    (202, {"status": "queued"}),
    (204, b""),
    (203, {"id": "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d"}),
    (206, b"{}"),
    (299, b""),
])
def test_a_2xx_other_than_201_is_not_created_but_unknown(status: int, body: object) -> None:
    verdict = answer(status, body)
    assert verdict.action is Action.STOP  # like a redirect: the run stops, the row unknown
    assert verdict.code is ProblemCode.UNEXPECTED_RESPONSE
    assert verdict.profile_id is None
    assert verdict.maybe_created


# -- refused ----------------------------------------------------------------------

def test_400_fails_the_row_with_the_field_messages() -> None:
    verdict = answer(400, {"error": "validation_error", "message": "Bad.",
                           "fields": {"email": "not an e-mail address"}})
    assert verdict.action is Action.FAILED
    assert verdict.code is ProblemCode.API_REJECTED
    assert verdict.body is not None
    assert dict(verdict.body.fields) == {
        "email": "not an e-mail address"}


@pytest.mark.parametrize("status", [409, 413, 415, 422])
def test_other_4xx_fail_the_row(status: int) -> None:
    assert answer(status, b"nope").action is Action.FAILED


def test_401_stops_the_run() -> None:
    verdict = answer(401, {"message": "unknown key"})
    assert verdict.action is Action.STOP
    assert verdict.code is ProblemCode.KEY_REFUSED


def test_403_is_told_apart_by_its_body() -> None:
    scope = answer(403, {"message": "This API key lacks the CREATE_USER scope."})
    group = answer(403, {"message": "The profile group is outside this API key's access "
                                    "context."})
    bare = answer(403, {"message": "Forbidden."})
    html = answer(403, b"<html><title>403 Forbidden</title></html>",
                  **{"content-type": "text/html"})
    assert (scope.action, scope.code) == (Action.STOP, ProblemCode.SCOPE_MISSING)
    assert (group.action, group.code) == (Action.GROUP_REFUSED, ProblemCode.GROUP_FORBIDDEN)
    assert (bare.action, bare.code) == (Action.FORBIDDEN, ProblemCode.FORBIDDEN)
    assert html.action is Action.FORBIDDEN


def test_404_refuses_the_group() -> None:
    verdict = answer(404, {"message": "The profile group does not exist."})
    assert (verdict.action, verdict.code) == (Action.GROUP_REFUSED, ProblemCode.GROUP_NOT_FOUND)


# -- maybe created: unknown ---------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 504, 501, 599])
def test_server_errors_other_than_503_are_unknown(status: int) -> None:
    verdict = answer(status, b"<html>oops</html>")
    assert verdict.action is Action.UNKNOWN
    assert verdict.code is ProblemCode.OUTCOME_UNKNOWN
    assert verdict.maybe_created


def test_408_is_unknown_not_retried() -> None:
    """A proxy may answer 408 after it forwarded the request: maybe created."""
    verdict = answer(408, {"message": "Request Timeout"}, **{"Retry-After": "2"})
    assert verdict.action is Action.UNKNOWN
    assert verdict.code is ProblemCode.OUTCOME_UNKNOWN
    assert verdict.maybe_created


@pytest.mark.parametrize(("kind", "cause"), [
    (httpx.ReadTimeout, Cause.READ_TIMEOUT),
    (httpx.RemoteProtocolError, Cause.DISCONNECTED),  # "Server disconnected"
    (httpx.ReadError, Cause.READ_ERROR),  # connection reset after sending
    (httpx.WriteTimeout, Cause.WRITE_TIMEOUT),  # the body may be half sent
    (httpx.WriteError, Cause.WRITE_ERROR),
    (httpx.DecodingError, Cause.TRANSPORT),
])
def test_errors_after_sending_began_are_unknown(kind: type[Exception], cause: Cause) -> None:
    verdict = classify_exception(failure(kind))
    assert verdict.action is Action.UNKNOWN
    assert verdict.cause is cause


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308, 100])
def test_redirects_stop_the_run_and_the_row_is_unknown(status: int) -> None:
    verdict = answer(status)
    assert verdict.action is Action.STOP
    assert verdict.code is ProblemCode.UNEXPECTED_RESPONSE
    assert verdict.maybe_created  # a 303 after a POST can mean "created, see there"


def test_a_request_h11_refused_to_write_is_not_sent() -> None:
    verdict = classify_exception(failure(httpx.LocalProtocolError))
    assert verdict.action is Action.NOT_SENT
    assert not verdict.maybe_created
