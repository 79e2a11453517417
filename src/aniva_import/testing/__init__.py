"""Run the sandbox for tests: a context manager and a pytest fixture.

    from aniva_import.testing import running_sandbox

    with running_sandbox(faults=Faults(error_rate=0.1, seed=1)) as server:
        httpx.post(f"{server.base_url}/profiles", ...)
        assert server.stats()["created"] == 1

or the fixtures ``sandbox`` (reset before each test) and ``sandbox_session``: put
``pytest_plugins = ["aniva_import.testing.fixtures"]`` in the root conftest.py, or in a
test module::

    from aniva_import import testing

    sandbox_session = testing.sandbox_session
    sandbox = testing.sandbox

    def test_something(sandbox: SandboxServer) -> None: ...

The server is uvicorn on 127.0.0.1 on a free port, in a background thread of
this process, over real HTTP.  Startup waits until it accepts connections;
teardown stops it and joins the thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from aniva_import.sandbox import (
    API_PREFIX,
    DEMO_FULL_KEY,
    DEMO_NOSCOPE_KEY,
    Clock,
    Faults,
    SandboxConfig,
    SandboxState,
    bind_socket,
    build_server,
    create_app,
    open_store,
)

_START_TIMEOUT = 10.0
_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


@dataclass
class SandboxServer:
    """A running sandbox: its URLs, state and the sandbox-only test API."""

    root_url: str
    state: SandboxState = field(repr=False)
    full_key: str = field(default=DEMO_FULL_KEY, repr=False)
    noscope_key: str = field(default=DEMO_NOSCOPE_KEY, repr=False)
    #: an HTTP client on ``root_url`` for tests to use (closed when the sandbox stops)
    http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.root_url,
            timeout=10,
            # without it, body and headers in two writes wait ~40 ms for a delayed ACK
            transport=httpx.HTTPTransport(socket_options=_NODELAY),
        )

    @property
    def base_url(self) -> str:
        """The API base, like ``http://127.0.0.1:PORT/api/v1``."""
        return f"{self.root_url}{API_PREFIX}"

    @property
    def port(self) -> int:
        return int(self.root_url.rsplit(":", 1)[1])

    def _call(self, method: str, path: str, body: object = None) -> Any:
        response = self.http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def set_faults(self, faults: Faults | None = None, **settings: Any) -> Faults:
        """Replace the faults in force (through ``POST /_sandbox/faults``): pass a
        :class:`Faults`, or its fields as keywords; nothing means no faults."""
        if faults is None:
            faults = Faults(**settings)
        elif settings:
            raise TypeError("pass a Faults or keyword settings, not both")
        return Faults.from_json(self._call("POST", "/_sandbox/faults", faults.to_json()))

    def profiles(self) -> list[dict[str, Any]]:
        """Every stored profile, oldest first (with its ``profile_group_slug``)."""
        return list(self._call("GET", "/_sandbox/profiles")["profiles"])

    def stats(self) -> dict[str, Any]:
        """Counters: requests, created, dropped_before/after, by_status, peak rps, stored."""
        return dict(self._call("GET", "/_sandbox/stats"))

    def reset(self) -> None:
        """Forget stored profiles and counters; back to the starting faults."""
        self._call("POST", "/_sandbox/reset")


@contextmanager
def running_sandbox(
    config: SandboxConfig | None = None,
    faults: Faults | None = None,
    *,
    store_path: Path | None = None,
    clock: Clock | None = None,
    port: int = 0,
) -> Iterator[SandboxServer]:
    """Start the sandbox on 127.0.0.1 (a free port unless ``port``), yield it, stop it."""
    sock = bind_socket("127.0.0.1", port)
    store = open_store(store_path)
    app = create_app(config, faults, store, clock)
    server = build_server(app, quiet=True)
    failure: list[BaseException] = []

    def target() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as error:  # noqa: BLE001 - reported to the starting thread
            failure.append(error)

    thread = threading.Thread(target=target, name="aniva-sandbox", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if failure or not thread.is_alive():
                raise RuntimeError("the sandbox server did not start") from (
                    failure[0] if failure else None
                )
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start within 10 seconds")
            time.sleep(0.005)
        port = sock.getsockname()[1]
        running = SandboxServer(root_url=f"http://127.0.0.1:{port}", state=app.state.sandbox)
        try:
            yield running
        finally:
            running.http.close()
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT)
        store.close()
        sock.close()


def __getattr__(name: str) -> object:
    """The pytest fixtures, imported only when asked for (so that importing this module
    does not import pytest): ``testing.sandbox_session``, ``testing.sandbox``."""
    if name in ("sandbox_session", "sandbox"):
        from aniva_import.testing import fixtures

        return getattr(fixtures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
