"""``sandbox_for_import``: the sandbox ``run --sandbox`` imports into."""

from __future__ import annotations

import socket

import httpx
import pytest

from aniva_import.sandbox import sandbox_for_import


def test_a_proxy_in_the_environment_does_not_hide_the_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing there: through it, no answer
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with sandbox_for_import(port) as sandbox:
        assert sandbox.started
        root = sandbox.base_url.removesuffix("/api/v1")
        assert httpx.get(f"{root}/", trust_env=False).json()["service"] == \
            "aniva-import sandbox"


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_next_import_gets_the_same_port_right_after_one_stopped() -> None:
    port = _unused_port()
    with sandbox_for_import(port) as first, httpx.Client(trust_env=False) as client:
        assert first.started
        client.get(first.base_url.removesuffix("/api/v1") + "/")  # a connection still open
    # the stopped sandbox closed that connection first: its port is in TIME_WAIT
    with sandbox_for_import(port) as second:
        assert second.started
        assert second.base_url == first.base_url


def test_a_port_something_listens_on_is_left_alone() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = int(other.getsockname()[1])
        with sandbox_for_import(port) as sandbox:
            assert sandbox.started
            assert f":{port}/" not in sandbox.base_url
