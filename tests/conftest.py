"""Shared test helpers: run the CLI in-process and read results files."""

from __future__ import annotations

import csv
import io
import ipaddress
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aniva_import.cli import main

pytest_plugins = ["aniva_import.testing.fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _state_and_network_stay_in_the_test(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test touches the real user's state (the default ledger lives in the platform's
    state folder, XDG_STATE_HOME here), and no test reaches beyond loopback: every
    connection and name look-up to anything else fails at once."""
    state = tmp_path_factory.mktemp("user-state")
    saved = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(state)
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def loopback_only(address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if isinstance(host, str) and not _is_loopback(host):
            raise ConnectionRefusedError(f"tests stay on loopback (not {host})")

    def connect(self: socket.socket, address: object) -> None:
        loopback_only(address)
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        loopback_only(address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, str | bytes) and not _is_loopback(
            host.decode() if isinstance(host, bytes) else host
        ):
            raise socket.gaierror(socket.EAI_NONAME, f"tests stay on loopback (not {host!r})")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo
        if saved is None:
            os.environ.pop("XDG_STATE_HOME", None)
        else:
            os.environ["XDG_STATE_HOME"] = saved


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "") or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


class _NoTty(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def cli() -> object:
    """Call ``aniva-import`` in-process with its own streams and environment."""

    def run(*argv: str, env: dict[str, str] | None = None) -> CliResult:
        out, err = _NoTty(), _NoTty()
        code = main(list(argv), stdout=out, stderr=err, environ=env or {})
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def read_results_csv(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
