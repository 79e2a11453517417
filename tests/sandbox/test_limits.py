"""Clients that send too much or too slowly: big bodies are refused without being read,
idle and trickling connections are closed."""

from __future__ import annotations

import time

import httpx
import pytest

from aniva_import.sandbox import DEMO_FULL_KEY, DEMO_NOSCOPE_KEY, Faults, Limits

from ._raw import (
    DEMO_BODY,
    closed_within,
    connect,
    cut_off_while_sending,
    head,
    read_response,
    serving,
)

PROFILES = "/api/v1/profiles"
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("key", [None, "not-a-key", DEMO_NOSCOPE_KEY])
def test_a_huge_unauthenticated_body_is_refused_before_it_is_read(key: str | None) -> None:
    with serving() as (app, port), connect(port) as conn:
        headers = {**JSON, "Content-Length": str(100_000_000)}
        if key is not None:
            headers["x-api-key"] = key
        conn.sendall(head("POST", PROFILES, port, headers) + b'{"first_name": ')
        status, response_headers, _body = read_response(conn)  # no body sent: no wait
        assert status == (403 if key == DEMO_NOSCOPE_KEY else 401)
        assert response_headers["connection"] == "close"
        assert closed_within(conn, 2)
        assert app.state.sandbox.stats.snapshot()["by_status"] == {str(status): 1}


def test_a_content_length_over_the_cap_is_413_unread() -> None:
    with serving() as (_app, port), connect(port) as conn:
        headers = {**JSON, "x-api-key": DEMO_FULL_KEY, "Content-Length": str(1024 * 1024 + 1)}
        conn.sendall(head("POST", PROFILES, port, headers) + b"{")
        status, response_headers, body = read_response(conn)
        assert status == 413
        assert b"body_too_large" in body
        assert response_headers["connection"] == "close"
        assert closed_within(conn, 2)


def test_a_chunked_body_is_refused_once_it_passes_the_cap() -> None:
    limits = Limits(profile_body_bytes=100_000)
    with serving(limits=limits) as (_app, port), connect(port) as conn:
        headers = {**JSON, "x-api-key": DEMO_FULL_KEY, "Transfer-Encoding": "chunked"}
        conn.sendall(head("POST", PROFILES, port, headers))
        chunk = b" " * 10_000
        for _ in range(11):  # 110 000 bytes, and the body never ends
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        status, response_headers, _body = read_response(conn)
        assert status == 413
        assert response_headers["connection"] == "close"


def test_a_body_within_the_cap_is_accepted_and_keeps_the_connection() -> None:
    with serving() as (_app, port), httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        padded = DEMO_BODY[:-1] + b"," + b'"email": null' + b" " * 900_000 + b"}"
        for _ in range(2):
            response = http.post(PROFILES, content=padded,
                                 headers={**JSON, "x-api-key": DEMO_FULL_KEY})
            assert response.status_code == 201
            assert "close" not in response.headers.get("connection", "")


def test_an_injected_429_reads_the_body_and_keeps_the_connection() -> None:
    with serving(faults=Faults(rate_limit=1)) as (_app, port), connect(port) as conn:
        request = head("POST", PROFILES, port, {
            **JSON, "x-api-key": DEMO_FULL_KEY, "Content-Length": str(len(DEMO_BODY))})
        conn.sendall(request + DEMO_BODY)
        assert read_response(conn)[0] == 201
        conn.sendall(request + DEMO_BODY)
        status, headers, _body = read_response(conn)
        assert status == 429
        assert "connection" not in headers
        conn.sendall(request + DEMO_BODY)  # same connection, still open
        assert read_response(conn)[0] == 429


def test_a_faults_body_over_its_cap_is_413() -> None:
    with serving() as (_app, port):
        response = httpx.post(f"http://127.0.0.1:{port}/_sandbox/faults",
                              content=b" " * (64 * 1024 + 1), headers=JSON)
        assert response.status_code == 413


# --- slow clients ---------------------------------------------------------------------

FAST = Limits(request_timeout=0.3, keep_alive_timeout=1)


def test_an_idle_new_connection_is_closed() -> None:
    with serving(limits=FAST) as (_app, port), connect(port) as conn:
        started = time.monotonic()
        assert closed_within(conn, 3)
        assert time.monotonic() - started < 2


def test_a_slowloris_head_is_cut_off() -> None:
    with serving(limits=FAST) as (_app, port), connect(port) as conn:
        request = head("GET", "/_sandbox/stats", port)
        started = time.monotonic()
        # each byte would keep uvicorn's own keep-alive timer off
        assert cut_off_while_sending(conn, request * 10, pause=0.02)
        assert time.monotonic() - started < 3


def test_a_slow_body_is_cut_off() -> None:
    with serving(limits=FAST) as (_app, port), connect(port) as conn:
        conn.sendall(head("POST", PROFILES, port, {
            **JSON, "x-api-key": DEMO_FULL_KEY, "Content-Length": str(len(DEMO_BODY))}))
        started = time.monotonic()
        assert cut_off_while_sending(conn, DEMO_BODY[:-1] * 10, pause=0.02)
        assert time.monotonic() - started < 3


def test_a_slow_response_is_not_cut_off_and_the_connection_is_kept() -> None:
    faults = Faults(latency_ms=600)  # twice the request timeout
    with serving(limits=FAST, faults=faults) as (_app, port), connect(port) as conn:
        request = head("POST", PROFILES, port, {
            **JSON, "x-api-key": DEMO_FULL_KEY, "Content-Length": str(len(DEMO_BODY))})
        for _ in range(2):
            conn.sendall(request + DEMO_BODY)
            assert read_response(conn)[0] == 201


def test_a_large_body_waiting_out_a_latency_fault_is_not_cut_off() -> None:
    faults = Faults(latency_ms=600)  # the sandbox stops reading the body while it waits
    with serving(limits=FAST, faults=faults) as (_app, port), connect(port) as conn:
        body = DEMO_BODY[:-1] + b"," + b'"email": null' + b" " * 300_000 + b"}"
        conn.sendall(head("POST", PROFILES, port, {
            **JSON, "x-api-key": DEMO_FULL_KEY, "Content-Length": str(len(body))}) + body)
        assert read_response(conn)[0] == 201


@pytest.mark.parametrize("pieces", [1, 4])
def test_an_oversized_head_is_refused(pieces: int) -> None:
    with serving(limits=Limits(max_head_bytes=4096)) as (_app, port), connect(port) as conn:
        request = head("GET", "/_sandbox/stats", port, {"X-Padding": "a" * 8000})
        size = len(request) // pieces + 1
        for start in range(0, len(request), size):
            conn.sendall(request[start : start + size])
            time.sleep(0.01)
        status, _headers, _body = read_response(conn)
        # 400: h11, from the incomplete head (431 should the pieces arrive in one read)
        assert status == 431 if pieces == 1 else status in (400, 431)


def test_limits_refuse_nonsense() -> None:
    for bad in ({"profile_body_bytes": 0}, {"request_timeout": 0}, {"max_json_depth": True}):
        with pytest.raises(ValueError):
            Limits(**bad)
