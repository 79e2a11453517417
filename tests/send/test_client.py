"""The address check, the settings check and the headers of every request."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest

import aniva_import
from aniva_import import ApiKey
from aniva_import.errors import ConfigError, InsecureApiUrl
from aniva_import.send import SendSettings, check_api_url, user_agent
from aniva_import.send.client import ProfilesEndpoint, tls_context
from aniva_import.testing import running_sandbox
from tests.send._support import CANARY, FakeApi, created, rows, send, settings


@pytest.mark.parametrize("url", [
    "http://example.com/api/v1", "http://anivahealth.com", "http://10.0.0.5:8787/api/v1",
    "http://127.0.0.1.example.com/api", "http://localhost.evil.test/", "http://[::2]/",
])
def test_plain_http_beyond_loopback_is_refused_with_a_sentence(url: str) -> None:
    with pytest.raises(InsecureApiUrl) as caught:
        check_api_url(url)
    assert caught.value.exit_code == 2
    assert "https://" in str(caught.value)
    assert str(caught.value).endswith(".")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8787/api/v1", "http://localhost:8787/api/v1", "http://[::1]:8787/api/v1",
    "http://127.5.6.7/api", "http://LOCALHOST/", "https://anivahealth.com/api/v1/",
])
def test_https_anywhere_and_http_to_loopback_are_allowed(url: str) -> None:
    assert check_api_url(url) == url.rstrip("/").replace("LOCALHOST", "localhost")


@pytest.mark.parametrize("url", ["ftp://anivahealth.com", "anivahealth.com/api/v1", "",
                                 "https://user:secret@anivahealth.com/api/v1",
                                 "https://anivahealth.com/api/v1?key=1", "https://"])
def test_other_addresses_are_refused(url: str) -> None:
    with pytest.raises(InsecureApiUrl):
        check_api_url(url)


def test_the_settings_check_the_address_before_any_request() -> None:
    with pytest.raises(InsecureApiUrl):
        SendSettings(api_url="http://example.com/api/v1", api_key=ApiKey(CANARY))


@pytest.mark.parametrize("overrides", [
    {"rate": 0}, {"rate": -5}, {"rate": float("inf")}, {"concurrency": 0},
    {"concurrency": 1000}, {"read_timeout": 0}, {"max_attempts": 0}, {"unknown_limit": 0},
    {"backoff_initial": 100.0, "backoff_max": 1.0},
])
def test_bad_settings_are_a_config_error(overrides: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        settings(**overrides)


def test_a_key_a_header_cannot_carry_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        settings(api_key=ApiKey("abc def-Ö"))
    assert "abc" not in str(caught.value)


def test_every_request_carries_the_headers() -> None:
    api = FakeApi(lambda request, n: created(n))
    batch = rows(3)
    send(api, [batch])
    assert len(api.seen) == 3
    keys = set()
    for seen in api.seen:
        assert seen.headers["x-api-key"] == CANARY
        assert seen.headers["content-type"] == "application/json"
        assert seen.headers["user-agent"] == f"aniva-import/{aniva_import.__version__}"
        keys.add(seen.headers["idempotency-key"])
    assert keys == {r.idempotency_key for r in batch}
    assert user_agent() == f"aniva-import/{aniva_import.__version__}"


def test_the_idempotency_key_is_the_same_on_every_retry_of_a_row() -> None:
    api = FakeApi(lambda request, n: httpx.Response(503) if n < 2 else created(n))
    send(api, [rows(1)])
    assert [s.headers["idempotency-key"] for s in api.seen] == ["key-2"] * 3


def test_the_body_is_the_row_as_json() -> None:
    api = FakeApi(lambda request, n: created(n))
    send(api, [rows(1)])
    assert api.seen[0].body == {"first_name": "Maria", "last_name": "Schmidt",
                                "profile_group_slug": "demo-clinic"}


def test_tls_is_verified_against_the_system_store() -> None:
    context = tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


async def _through_proxy(api_url: str) -> tuple[list[str], object]:
    """POST once with ``settings.proxy`` a fake proxy on loopback (it refuses every
    request): the request lines it saw, and the answer (or the error)."""
    seen: list[str] = []

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append((await reader.readline()).decode().strip())
        writer.write(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    endpoint = ProfilesEndpoint(settings(api_url=api_url, proxy=f"http://127.0.0.1:{port}"))
    try:
        answer: object = await endpoint.post(b"{}", "key-1")
    except httpx.HTTPError as error:
        answer = error
    finally:
        await endpoint.aclose()
        server.close()
    return seen, answer


def test_requests_go_through_the_proxy_it_is_given() -> None:
    seen, answer = asyncio.run(_through_proxy("https://anivahealth.com/api/v1"))
    assert seen == ["CONNECT anivahealth.com:443 HTTP/1.1"]
    assert isinstance(answer, httpx.ProxyError)  # nothing reached the API: retried safely


def test_a_loopback_api_is_reached_directly_even_with_a_proxy() -> None:
    with running_sandbox() as sandbox:
        seen, answer = asyncio.run(_through_proxy(sandbox.base_url))
    assert seen == []
    assert isinstance(answer, httpx.Response)
    assert answer.status_code == 401  # the sandbox itself answered (the key is not its own)
