"""Who may talk to the sandbox: the ``Host`` check, the ``Origin`` check, the inspection key.

A web page in the user's browser can reach a loopback port.  Two defences keep it
from using the sandbox:

* ``Host`` must name the sandbox itself (a loopback name or address, the
  configured ``--host``, or the address the connection arrived at) with the port
  it listens on; anything else is answered 421.  A page that rebinds its own DNS
  name to 127.0.0.1 sends its own name, so it cannot read the stored profiles.
* A write to ``/_sandbox/*`` whose ``Origin`` is not the sandbox's own
  (``http://`` + the ``Host``) is answered 403, so a cross-site form cannot
  reset the sandbox or switch faults on.  Requests without ``Origin`` (curl,
  httpx, the test helpers) are not browsers' cross-site requests and pass.

With ``allow_remote`` the inspection endpoints (``/_sandbox/*``) also need a key
the sandbox knows in ``x-api-key`` (any key: they hold the profiles those keys
created); without it they answer 401.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from typing import Final

from aniva_import.sandbox._config import DEFAULT_HOST

#: Names every sandbox answers to, whatever ``--host`` says.
LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_UNSPECIFIED: Final = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names, not a bind


def split_host(header: str) -> tuple[str, int | None] | None:
    """``(name, port)`` of a ``Host`` header value, lower case, IPv6 without
    brackets; None if it is not ``name``, ``name:port``, ``[v6]`` or ``[v6]:port``."""
    text = header.strip().lower()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        name, rest = text[1:end], text[end + 1 :]
        if not rest:
            return name, None
        if not rest.startswith(":"):
            return None
        port_text = rest[1:]
    else:
        name, colon, port_text = text.partition(":")
        if not colon:
            return name, None
    if not (port_text.isascii() and port_text.isdigit()) or len(port_text) > 5:
        return None
    return name, int(port_text)


def _plain(host: str) -> str:
    name = host.strip().lower().strip("[]")
    try:
        return str(ipaddress.ip_address(name))  # one spelling per address
    except ValueError:
        return name


@functools.lru_cache(maxsize=1024)  # a client sends the same Host on every request
def _host_allowed(header: str, server: tuple[str, int | None] | None, host: str) -> bool:
    parsed = split_host(header)
    if parsed is None:
        return False
    name, port = _plain(parsed[0]), parsed[1]
    names = {*LOOPBACK_NAMES, _plain(host)}
    if server is not None:
        names.add(_plain(server[0]))
    if name in _UNSPECIFIED or name not in names:
        return False
    bound = None if server is None else server[1]
    return bound is None or port == bound or (port is None and bound == 80)


@dataclass(frozen=True)
class Access:
    """The access rules of one sandbox: its configured host and ``--allow-remote``."""

    host: str = DEFAULT_HOST
    allow_remote: bool = False

    def host_allowed(self, header: str | None, server: tuple[str, int | None] | None) -> bool:
        """Whether a ``Host`` header names this sandbox; ``server`` is the local
        address and port the connection arrived at (ASGI ``scope["server"]``)."""
        if header is None:
            return False
        return _host_allowed(header, None if server is None else tuple(server), self.host)

    @staticmethod
    def origin_allowed(origin: str | None, host_header: str) -> bool:
        """Whether a write may come from ``origin``: none given, or the sandbox's own."""
        if origin is None:
            return True
        return origin.strip().lower() == f"http://{host_header.strip().lower()}"
