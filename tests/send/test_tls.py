"""TLS against a local HTTPS server whose certificate comes from a trustme CA:
verified against the system trust store (truststore), so an unknown CA stops the
run at once, and a CA the system trusts (SSL_CERT_FILE here) works."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trustme

from aniva_import import ApiKey
from aniva_import.send import OutcomeKind, Sender, SendOutcome, SendRequest, SendSettings

pytestmark = pytest.mark.integration

PROFILE_ID = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
CREATED = json.dumps({"id": PROFILE_ID, "handle": None}).encode()


async def https_server(ca: trustme.CA) -> tuple[asyncio.Server, int, list[int]]:
    """An HTTPS server on 127.0.0.1 that answers every request 201; counts connections."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    connections = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1  # every TCP connection, whether its handshake works or not
        try:
            await writer.start_tls(context)
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(CREATED), CREATED))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port, connections


def run_against_https(
    ca: trustme.CA, body: Callable[[Sender], Awaitable[list[SendOutcome]]]
) -> tuple[list[SendOutcome], Sender, int]:
    async def main() -> tuple[list[SendOutcome], Sender, int]:
        server, port, connections = await https_server(ca)
        settings = SendSettings(api_url=f"https://127.0.0.1:{port}/api/v1",
                                api_key=ApiKey("tls-test-key"), connect_timeout=5)
        try:
            async with Sender(settings) as sender:
                outcomes = await body(sender)
        finally:
            server.close()
            await server.wait_closed()
        return outcomes, sender, connections[0]

    return asyncio.run(main())


def rows() -> list[SendRequest]:
    return [SendRequest(row=i, group="demo-clinic",
                        body={"first_name": "A", "last_name": "B",
                              "profile_group_slug": "demo-clinic"},
                        idempotency_key=f"k{i}") for i in range(2, 6)]


def test_an_unknown_certificate_authority_stops_at_once_without_retrying(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = trustme.CA()  # the system trusts this one, not the server's
    other.cert_pem.write_to_path(str(tmp_path / "other.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "other.pem"))
    outcomes, sender, connections = run_against_https(
        trustme.CA(), lambda s: s.send_batch(rows()))
    assert {o.kind for o in outcomes} == {OutcomeKind.NOT_SENT}
    assert connections == 1  # one handshake, never retried
    reason = sender.stop_reason
    assert reason is not None
    assert (reason.code, reason.exit_code) == ("tls_failed", 2)
    assert "could not be verified" in reason.message
    assert "trust store" in reason.message
    assert "127.0.0.1" in reason.message


def test_a_certificate_authority_in_the_system_trust_store_is_accepted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    outcomes, sender, connections = run_against_https(ca, lambda s: s.send_batch(rows()))
    assert [o.kind for o in outcomes] == [OutcomeKind.CREATED] * 4
    assert {o.profile_id for o in outcomes} == {PROFILE_ID}
    assert sender.stop_reason is None
    assert 1 <= connections <= 4  # kept alive, at most one per request in flight
