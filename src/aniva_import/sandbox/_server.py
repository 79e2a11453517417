"""Running the sandbox app under uvicorn: on a socket we bind ourselves (so port 0
works and the real port is known before the banner), quietly by default."""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TextIO

import uvicorn
from starlette.applications import Starlette

from aniva_import.errors import ConfigError
from aniva_import.sandbox._access import Access
from aniva_import.sandbox._app import Clock, SandboxState, create_app
from aniva_import.sandbox._config import (
    API_PREFIX,
    DEFAULT_HOST,
    DEFAULT_PORT,
    SandboxConfig,
    default_config,
)
from aniva_import.sandbox._faults import Faults
from aniva_import.sandbox._limits import Limits
from aniva_import.sandbox._protocol import with_deadline
from aniva_import.sandbox._store import open_store


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; OSError (e.g. port in use) becomes ConfigError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # so asyncio sets NODELAY
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise ConfigError(
            f"The sandbox cannot listen on {host}:{port} ({error.strerror or error})."
        ) from None
    sock.setblocking(False)
    return sock


class _AnnouncingServer(uvicorn.Server):
    """Calls ``on_started`` once it listens and handles Ctrl-C and SIGTERM itself: a
    Ctrl-C that arrives earlier, while asyncio and uvicorn hand signal handling over
    to each other, can be swallowed, so nothing should invite one before."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self._on_started()


def build_server(
    app: Starlette,
    *,
    access_log: bool = False,
    log_level: str = "warning",
    quiet: bool = False,
    on_started: Callable[[], None] | None = None,
    limits: Limits | None = None,
) -> uvicorn.Server:
    """A uvicorn server for ``app`` (h11; no request bodies or headers are logged);
    ``on_started`` is called once it serves.

    ``limits`` (default: the app's own, see :class:`Limits`) set the time a client
    has to send a request, the keep-alive time and the largest request head.
    """
    if limits is None:
        state = getattr(getattr(app, "state", None), "sandbox", None)
        limits = state.limits if isinstance(state, SandboxState) else Limits()
    config = uvicorn.Config(
        app,
        http=with_deadline(limits.request_timeout),
        lifespan="off",
        access_log=access_log,
        log_level=log_level,
        log_config=None if quiet else uvicorn.config.LOGGING_CONFIG,
        server_header=False,
        timeout_graceful_shutdown=3,
        timeout_keep_alive=limits.keep_alive_timeout,
        h11_max_incomplete_event_size=limits.max_head_bytes,
    )
    return uvicorn.Server(config) if on_started is None else _AnnouncingServer(config, on_started)


def url_host(host: str) -> str:
    return f"[{host.strip('[]')}]" if ":" in host else host


def banner(
    config: SandboxConfig,
    faults: Faults,
    root_url: str,
    store: Path | None,
    *,
    allow_remote: bool = False,
) -> str:
    """What the sandbox prints when it starts: its URL, its keys, its faults."""
    lines = [
        "Aniva sandbox: a local stand-in of the Aniva profiles API (not the real service).",
        f"  base URL:   {root_url}{API_PREFIX}",
    ]
    if config.demo:
        lines.append("  DEMO keys (valid only in this sandbox, never real Aniva keys):")
        for key in config.keys:
            lines.append(f"    {key.key:<22} {_key_summary(key.scopes, key.groups)}")
    else:
        lines.append(f"  keys from {config.source} (values not shown):")
        for key in config.keys:
            lines.append(f"    {key.name:<22} {_key_summary(key.scopes, key.groups)}")
    outside = sorted(config.groups - frozenset().union(*(k.groups for k in config.keys)))
    lines.append(f"  groups:     {', '.join(sorted(config.groups)) or '(none)'}")
    if outside:
        lines.append(f"              outside every key's access context: {', '.join(outside)}")
    lines.append(f"  profiles:   {f'kept in {store}' if store else 'kept in memory'}")
    lines.append(f"  faults:     {faults.describe()}")
    lines.append(
        f"  inspect:    {root_url}/_sandbox/profiles, {root_url}/_sandbox/stats, "
        f"{root_url}/openapi.json"
    )
    if allow_remote:
        lines.append("              (--allow-remote: /_sandbox/ needs a key in x-api-key)")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def _key_summary(scopes: frozenset[str], groups: frozenset[str]) -> str:
    scope = ", ".join(sorted(scopes)) or "no scopes (lacks CREATE_USER)"
    return f"{scope}; groups: {', '.join(sorted(groups)) or '(none)'}"


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Make SIGTERM (which uvicorn re-raises after its graceful shutdown) end the
    sandbox like Ctrl-C: cleanly, with exit 0 and no traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(
    config: SandboxConfig | None = None,
    faults: Faults | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    store_path: Path | None = None,
    allow_remote: bool = False,
    access_log: bool = False,
    clock: Clock | None = None,
    out: TextIO | None = None,
) -> None:
    """Run the sandbox until Ctrl-C or SIGTERM; prints the banner to ``out``.

    Raises ConfigError for a non-loopback ``host`` without ``allow_remote`` and for
    a port that cannot be bound.  Returns normally after Ctrl-C.
    """
    out = out or sys.stdout
    if not is_loopback(host) and not allow_remote:
        raise ConfigError(
            f"The sandbox has demo keys, so it listens on loopback only; {host} is not "
            "a loopback address (use --allow-remote to override)."
        )
    config = config or default_config()
    faults = faults or Faults()
    sock = bind_socket(host, port)
    store = open_store(store_path)
    try:
        app = create_app(
            config, faults, store, clock, access=Access(host=host, allow_remote=allow_remote)
        )
        actual_port = sock.getsockname()[1]
        root_url = f"http://{url_host(host)}:{actual_port}"
        text = banner(config, faults, root_url, store_path, allow_remote=allow_remote)
        server = build_server(
            app, access_log=access_log, on_started=lambda: print(text, file=out, flush=True)
        )
        with _sigterm_as_interrupt(), contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])  # uvicorn re-raises Ctrl-C/SIGTERM after shutting down
        state: SandboxState = app.state.sandbox
        created = state.stats.snapshot()["created"]
        print(f"Sandbox stopped (profiles created in this session: {created}).", file=out,
              flush=True)
    finally:
        store.close()
        sock.close()
