"""The API key appears nowhere: reprs, messages, exceptions, logs (at DEBUG, where
httpx and httpcore trace every request)."""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from pathlib import Path

import httpx
import pytest

from aniva_import import ApiKey
from aniva_import.errors import ConfigError
from aniva_import.sandbox import SandboxConfig, SandboxKey
from aniva_import.send import Sender, SendSettings
from aniva_import.send.client import ProfilesEndpoint
from aniva_import.settings import Settings
from aniva_import.testing import running_sandbox
from tests.send._support import CANARY, FakeApi, created, error, rows, send, settings


def test_reprs_and_strs_never_show_the_key() -> None:
    values = settings()
    sender = Sender(values)
    shown = [repr(values), str(values), repr(sender), repr(values.api_key),
             repr(ProfilesEndpoint(values)), repr(sender.stats)]
    assert not [text for text in shown if CANARY in text]
    with pytest.raises(TypeError):
        pickle.dumps(values)


def test_reprs_never_show_the_proxy_s_password() -> None:
    values = settings(proxy=f"http://clinic:{CANARY}@proxy.clinic.example:3128")
    run = Settings(input=Path("patients.csv"), api_key=values.api_key, proxy=values.proxy)
    shown = [repr(values), str(values), repr(Sender(values)), repr(run), str(run)]
    assert not [text for text in shown if CANARY in text]


@pytest.mark.parametrize("proxy", [
    f"ftp://clinic:{CANARY}@proxy.clinic.example",
    # a '/' or '#' in the password: the part before it would be taken for the host
    f"http://clinic:2024/{CANARY}@proxy.clinic.example:3128",
    f"http://clinic:1234#{CANARY}@proxy.clinic.example:3128",
])
def test_a_proxy_it_cannot_use_is_refused_without_repeating_it(proxy: str) -> None:
    with pytest.raises(ConfigError) as refused:
        settings(proxy=proxy)
    assert CANARY not in str(refused.value)
    assert "clinic:" not in str(refused.value)
    assert "proxy" in str(refused.value)


def test_messages_name_the_proxy_by_its_host_and_port_alone() -> None:
    assert settings(proxy=f"http://clinic:{CANARY}@proxy.example:3128").proxy_host == \
        "proxy.example:3128"
    assert settings(proxy="http://[2001:db8::5]:3128").proxy_host == "[2001:db8::5]:3128"
    assert settings(proxy="http://proxy.example").proxy_host == "proxy.example"
    assert settings(api_url="http://127.0.0.1:8787/api/v1",
                    proxy="http://proxy.example:3128").proxy_host is None  # not used


def test_outcomes_and_stop_reasons_never_show_the_key_even_if_the_api_echoes_it() -> None:
    api = FakeApi(lambda req, n: error(403, f"no access for key {CANARY}",
                                       fields={"x": f"key {CANARY} refused"}) if n == 1
                  else error(400, f"bad request with key {CANARY}",
                             fields={"email": f"{CANARY} is not an e-mail"}) if n == 2
                  else created(n) if n == 0 else error(401, f"unknown key {CANARY}"))
    (outcomes,), client = send(api, [[*rows(3), *rows(2, "other", start=10)]])
    reason = client.stop_reason
    assert reason is not None
    texts = [repr(o) for o in outcomes] + [repr(reason), str(reason.error())]
    assert any("********" in text for text in texts)  # the echo was there, and masked
    assert not [text for text in texts if CANARY in text]


def test_a_failure_inside_httpx_carries_no_key_in_its_traceback() -> None:
    def answer(request: httpx.Request, number: int) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    api = FakeApi(answer)
    (_outcomes,), client = send(api, [rows(1)], max_attempts=1)
    reason = client.stop_reason
    assert reason is not None
    error_text = "".join(traceback.format_exception(reason.error()))
    assert CANARY not in error_text


@pytest.mark.parametrize("bad", [f"{CANARY} x", f"{CANARY}\tö"])
def test_config_errors_never_show_the_key(bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(api_key=ApiKey(bad))
    assert CANARY not in str(caught.value)
    assert CANARY not in "".join(traceback.format_exception(caught.value))


@pytest.mark.integration
def test_debug_logs_of_a_real_exchange_never_show_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = SandboxConfig(
        keys=(SandboxKey(key=CANARY, name="canary", scopes=frozenset({"CREATE_USER"}),
                         groups=frozenset({"demo-clinic"})),),
        groups=frozenset({"demo-clinic"}),
    )
    with running_sandbox(config) as server, caplog.at_level(logging.DEBUG):
        async def main() -> None:
            async with Sender(SendSettings(api_url=server.base_url,
                                           api_key=ApiKey(CANARY))) as sender:
                outcomes = await sender.send_batch(rows(3))
                assert {o.kind.value for o in outcomes} == {"created"}

        asyncio.run(main())
    traced = [r for r in caplog.records if r.name.startswith(("httpx", "httpcore"))]
    assert traced  # httpx and httpcore did log the exchange at DEBUG
    for record in caplog.records:
        assert CANARY not in record.getMessage()
        assert CANARY not in repr(record.args)
