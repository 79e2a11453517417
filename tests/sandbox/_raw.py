"""Helpers for the hostile-client tests: a sandbox with chosen access rules and limits,
and a raw socket client that sends exactly the bytes a test gives it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette

from aniva_import.sandbox import Access, Faults, Limits, bind_socket, build_server, create_app

DEMO_BODY = (
    b'{"first_name": "Maria", "last_name": "Schmidt", "profile_group_slug": "demo-clinic"}'
)


@contextmanager
def serving(
    *, access: Access | None = None, limits: Limits | None = None, faults: Faults | None = None
) -> Iterator[tuple[Starlette, int]]:
    """A sandbox app under uvicorn on 127.0.0.1 (free port), in a thread: ``(app, port)``."""
    sock = bind_socket("127.0.0.1", 0)
    app = create_app(faults=faults, access=access, limits=limits)
    server = build_server(app, quiet=True)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "the sandbox did not start"
            assert time.monotonic() < deadline, "the sandbox did not start in 10 s"
            time.sleep(0.005)
        yield app, sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def head(
    method: str, path: str, port: int, headers: dict[str, str] | None = None
) -> bytes:
    """A request head with ``Host: 127.0.0.1:PORT`` unless ``headers`` names another."""
    lines = [f"{method} {path} HTTP/1.1"]
    merged = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    lines += [f"{name}: {value}" for name, value in merged.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(conn: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one response (Content-Length framed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response head: {data!r}")
        data += chunk
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split()[1]), headers, body[:length]


def closed_within(conn: socket.socket, seconds: float) -> bool:
    """True if the server closes ``conn`` (EOF or reset) within ``seconds``."""
    conn.settimeout(seconds)
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def cut_off_while_sending(conn: socket.socket, data: bytes, pause: float = 0.0) -> bool:
    """Send ``data`` in pieces of one byte (with ``pause`` seconds between them) or, with
    no pause, of 64 KiB; True once the server has closed the connection under it."""
    size = 1 if pause else 65536
    try:
        for start in range(0, len(data), size):
            conn.sendall(data[start : start + size])
            time.sleep(pause)
    except (BrokenPipeError, ConnectionResetError):
        return True
    return False
