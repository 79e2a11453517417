"""A sandbox for ``aniva-import run --sandbox``: the one already listening on the
default port, or a new one in a child process for as long as the import runs.

The child is ``python -m aniva_import sandbox`` on the default address
(``http://127.0.0.1:8787``, a contract), or a free loopback port when another program
holds that one.  Either way the import ledger records a sandbox import under
:data:`SANDBOX_API`, so a second run of the same file finds its patients already
imported.
Running it in its own process keeps the importing process free of threads (it forks
worker processes) and of the server's work.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Final

from aniva_import.errors import ConfigError
from aniva_import.sandbox._config import API_PREFIX, DEFAULT_HOST, DEFAULT_PORT

_START_TIMEOUT: Final = 20.0
_SERVICE: Final = "aniva-import sandbox"


#: loopback is never reached through a proxy (urlopen would use HTTP_PROXY)
_DIRECT: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _is_sandbox(root: str) -> bool:
    """Whether an aniva-import sandbox answers at ``root`` (loopback only)."""
    try:
        with _DIRECT.open(f"{root}/", timeout=1.0) as answer:
            document = json.loads(answer.read(65536))
    except (OSError, ValueError, urllib.error.URLError):
        return False
    return isinstance(document, dict) and document.get("service") == _SERVICE


@dataclass(frozen=True, slots=True)
class SpawnedSandbox:
    """The sandbox an import goes to: its API base, and whether it was started for it
    (False: one already running there was used, with whatever faults it has)."""

    base_url: str
    started: bool


#: the API a sandbox import is recorded under in the ledger, whatever port it ran on
SANDBOX_API: Final = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}{API_PREFIX}"


@contextlib.contextmanager
def sandbox_for_import(port: int = DEFAULT_PORT) -> Iterator[SpawnedSandbox]:
    """A sandbox on loopback (``http://127.0.0.1:8787/api/v1``): one that already runs
    there, or one started now and stopped when the block ends — on a free port when
    something else holds the default one."""
    root = f"http://{DEFAULT_HOST}:{port}"
    if _is_sandbox(root):
        yield SpawnedSandbox(root + API_PREFIX, started=False)
        return
    if port and not _port_free(port):
        port = _free_port()
        root = f"http://{DEFAULT_HOST}:{port}"
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "aniva_import", "sandbox", "--host", DEFAULT_HOST,
             "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
        )
        try:
            _wait_until_serving(child, root, errors)
            yield SpawnedSandbox(root + API_PREFIX, started=True)
        finally:
            _stop(child)


def _port_free(port: int) -> bool:
    """Whether the sandbox could listen on ``port``.  On Linux with address reuse on,
    as uvicorn binds, so the closed connections of a sandbox that just stopped do not
    hold the port (a listener still does; elsewhere reuse could hide one)."""
    with socket.socket() as probe:
        if sys.platform.startswith("linux"):
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((DEFAULT_HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((DEFAULT_HOST, 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(child: subprocess.Popen[bytes], root: str, errors: IO[str]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            errors.seek(0)
            said = errors.read().strip().splitlines()
            reason = said[-1] if said else f"it ended with exit code {child.returncode}"
            reason = reason.removeprefix("aniva-import sandbox: ")
            raise ConfigError(f"The sandbox could not be started: {reason}")
        if _is_sandbox(root):
            return
        time.sleep(0.05)
    raise ConfigError(f"The sandbox did not answer at {root} within {_START_TIMEOUT:g} s.")


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()  # the sandbox stops on SIGTERM like on Ctrl-C
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
