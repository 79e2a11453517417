"""Who may talk to the sandbox: DNS rebinding (Host), cross-site writes (Origin), and the
key the inspection endpoints need with --allow-remote."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aniva_import import testing
from aniva_import.sandbox import DEMO_FULL_KEY, DEMO_NOSCOPE_KEY, Access, Faults
from aniva_import.sandbox._access import split_host
from aniva_import.testing import SandboxServer

from ._raw import connect, cut_off_while_sending, head, read_response, serving

sandbox_session = testing.sandbox_session
sandbox = testing.sandbox

MARIA: dict[str, Any] = {
    "first_name": "Maria",
    "last_name": "Schmidt",
    "profile_group_slug": "demo-clinic",
}


def create(server: SandboxServer) -> None:
    response = server.http.post("/api/v1/profiles", json=MARIA,
                                headers={"x-api-key": DEMO_FULL_KEY})
    assert response.status_code == 201


@pytest.mark.parametrize(
    "host",
    ["attacker.example:{port}", "attacker.example", "127.0.0.1:1", "localhost",
     "127.0.0.1.attacker.example:{port}", "0.0.0.0:{port}", "[::1", "127.0.0.1:{port}:1"],
)
def test_a_rebound_host_cannot_read_the_profiles(sandbox: SandboxServer, host: str) -> None:
    create(sandbox)
    for path in ("/_sandbox/profiles", "/_sandbox/stats", "/", "/openapi.json"):
        response = sandbox.http.get(path, headers={"host": host.format(port=sandbox.port)})
        assert response.status_code == 421, path
        assert response.json()["error"] == "misdirected_request"
        assert "Maria" not in response.text


def test_a_rebound_host_cannot_create_or_reset(sandbox: SandboxServer) -> None:
    create(sandbox)
    evil = {"host": f"attacker.example:{sandbox.port}"}
    response = sandbox.http.post("/api/v1/profiles", json=MARIA,
                                 headers={**evil, "x-api-key": DEMO_FULL_KEY})
    assert response.status_code == 421
    assert sandbox.http.post("/_sandbox/reset", headers=evil).status_code == 421
    assert len(sandbox.profiles()) == 1
    assert sandbox.stats()["by_status"] == {"201": 1, "421": 1}


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}",
                                  "LOCALHOST:{port}"])
def test_the_sandboxs_own_names_are_accepted(sandbox: SandboxServer, host: str) -> None:
    response = sandbox.http.get("/_sandbox/stats", headers={"host": host.format(
        port=sandbox.port)})
    assert response.status_code == 200


def test_a_request_without_host_is_refused(sandbox: SandboxServer) -> None:
    with connect(sandbox.port) as conn:
        conn.sendall(b"GET /_sandbox/profiles HTTP/1.0\r\n\r\n")
        status, _headers, _body = read_response(conn)
    assert status == 421


def test_split_host() -> None:
    assert split_host("LocalHost:8787") == ("localhost", 8787)
    assert split_host("[::1]:80") == ("::1", 80)
    assert split_host("[::1]") == ("::1", None)
    assert split_host("example.org") == ("example.org", None)
    for bad in ("[::1", "[::1]x", "a:b", "a:1:2", "a:123456", "a:١٢"):
        assert split_host(bad) is None, bad


def test_the_configured_host_and_the_arrival_address_are_accepted() -> None:
    access = Access(host="sandbox.lan", allow_remote=True)
    assert access.host_allowed("sandbox.lan:8787", ("192.0.2.7", 8787))
    assert access.host_allowed("192.0.2.7:8787", ("192.0.2.7", 8787))
    assert not access.host_allowed("attacker.example:8787", ("192.0.2.7", 8787))
    assert not access.host_allowed("sandbox.lan:9999", ("192.0.2.7", 8787))
    assert Access().host_allowed("localhost", ("127.0.0.1", 80))
    assert not Access(host="0.0.0.0").host_allowed("0.0.0.0:8787", ("127.0.0.1", 8787))


# --- cross-site writes -------------------------------------------------------------------


def test_a_cross_site_text_plain_reset_is_refused(sandbox: SandboxServer) -> None:
    create(sandbox)
    response = sandbox.http.post(
        "/_sandbox/reset", content=b"x=1",
        headers={"origin": "http://attacker.example", "content-type": "text/plain"},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert len(sandbox.profiles()) == 1


@pytest.mark.parametrize("origin", ["http://attacker.example", "null",
                                    "http://localhost:{port}", "https://127.0.0.1:{port}"])
def test_a_cross_origin_fault_switch_is_refused(sandbox: SandboxServer, origin: str) -> None:
    response = sandbox.http.post(
        "/_sandbox/faults", json={"error_rate": 1.0},
        headers={"origin": origin.format(port=sandbox.port)},
    )
    assert response.status_code == 403
    assert sandbox.http.get("/_sandbox/faults").json() == Faults().to_json()


def test_a_text_plain_fault_switch_is_refused_415(sandbox: SandboxServer) -> None:
    response = sandbox.http.post("/_sandbox/faults", content=b'{"error_rate": 1}',
                                 headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert sandbox.http.get("/_sandbox/faults").json() == Faults().to_json()


def test_writes_from_the_sandboxs_own_origin_pass(sandbox: SandboxServer) -> None:
    own = {"origin": f"http://127.0.0.1:{sandbox.port}"}
    response = sandbox.http.post("/_sandbox/faults", json={"latency_ms": 1}, headers=own)
    assert response.status_code == 200
    assert sandbox.http.post("/_sandbox/reset", headers=own).status_code == 200


def test_the_test_helpers_still_work(sandbox: SandboxServer) -> None:
    create(sandbox)
    assert sandbox.set_faults(latency_ms=1) == Faults(latency_ms=1)
    assert len(sandbox.profiles()) == 1
    assert sandbox.stats()["created"] == 1
    sandbox.reset()
    assert sandbox.profiles() == []


# --- --allow-remote: the inspection endpoints need a key ------------------------------


def test_with_allow_remote_the_inspection_endpoints_need_a_key() -> None:
    with serving(access=Access(host="127.0.0.1", allow_remote=True)) as (_app, port):
        root = f"http://127.0.0.1:{port}"
        for method, path in (("GET", "/_sandbox/profiles"), ("GET", "/_sandbox/stats"),
                             ("GET", "/_sandbox/faults"), ("POST", "/_sandbox/reset")):
            for key in (None, "not-a-key"):
                headers = {} if key is None else {"x-api-key": key}
                response = httpx.request(method, root + path, headers=headers)
                assert response.status_code == 401, (method, path, key)
                assert response.json()["error"] == "unauthorized"
            for key in (DEMO_FULL_KEY, DEMO_NOSCOPE_KEY):
                response = httpx.request(method, root + path, headers={"x-api-key": key})
                assert response.status_code == 200, (method, path)
        response = httpx.post(root + "/_sandbox/faults", json={"latency_ms": 1})
        assert response.status_code == 401
        assert httpx.get(root + "/openapi.json").status_code == 200
        pointer = httpx.get(root + "/").json()
        assert any("x-api-key" in text for text in pointer["endpoints"].values())


def test_without_allow_remote_no_key_is_needed(sandbox: SandboxServer) -> None:
    assert sandbox.http.get("/_sandbox/stats").status_code == 200


def test_a_401_for_a_body_closes_the_connection_unread() -> None:
    with serving(access=Access(allow_remote=True)) as (_app, port), connect(port) as conn:
        conn.sendall(head("POST", "/_sandbox/faults", port, {
            "Content-Type": "application/json", "Content-Length": str(10**8)}) + b"{")
        status, headers, _body = read_response(conn)
        assert status == 401
        assert headers["connection"] == "close"
        assert cut_off_while_sending(conn, b" " * 200 * 65536)  # the server has closed
