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
