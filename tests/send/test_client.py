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
from aniva_import.send.client import build_client, tls_context
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


def test_proxies_from_the_environment_except_for_loopback() -> None:
    async def trust_env(url: str) -> bool:
        async with build_client(settings(api_url=url)) as client:
            return client.trust_env

    assert asyncio.run(trust_env("https://anivahealth.com/api/v1")) is True
    assert asyncio.run(trust_env("http://127.0.0.1:8787/api/v1")) is False
