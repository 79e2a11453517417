"""The proxy to reach the API through, read from the environment as httpx reads it.

``HTTPS_PROXY`` for an ``https://`` API (``HTTP_PROXY`` for ``http://``), else
``ALL_PROXY``; the lower-case names win over the upper-case ones, as in urllib.
``NO_PROXY`` lists the hosts reached directly (comma-separated): ``*`` means every
host; ``example.com`` means it and its subdomains; ``.example.com`` its subdomains
only; an IP address or ``localhost`` that host (no address ranges).  An address
without a scheme is an ``http://`` proxy.  When the environment names no proxy at
all, Windows' and macOS' proxy settings are read, as urllib and httpx do (their own
lists of hosts to reach directly and automatic configuration scripts are not).  A loopback
API (the sandbox) never goes through a proxy.  The sender (``SendSettings.proxy``)
takes the result: the library reads no environment variables.
``tests/cli/test_proxy.py`` checks these rules against httpx's own reading of the
environment.
"""

from __future__ import annotations

import ipaddress
import sys
import urllib.request
from collections.abc import Callable, Mapping
from typing import NamedTuple

import httpx

from aniva_import.send import is_loopback_host


def proxy_for(
    api_url: str,
    environ: Mapping[str, str],
    *,
    system: Callable[[], Mapping[str, str]] | None = None,
) -> str | None:
    """The proxy URL for requests to ``api_url``; None: connect directly (or the URL
    is not one: the sender's own check says so).  ``system``: the proxies of the
    system's settings, read when the environment names none (default: Windows'
    and macOS' settings, through urllib, as httpx reads them)."""
    try:
        url = httpx.URL(api_url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if is_loopback_host(url.host):
        return None
    table = environment_proxies(environ) or (system or system_proxies)()
    # httpx's mounts: a proxy per scheme, then NO_PROXY's entries (None: directly);
    # the most specific pattern that matches wins, the first of equals
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        proxy = table.get(scheme, "").strip()
        if proxy:
            mounts[f"{scheme}://"] = proxy if "://" in proxy else f"http://{proxy}"
    for entry in (entry.strip() for entry in table.get("no", "").split(",")):
        if entry == "*":
            return None
        if entry:
            mounts[_pattern(entry)] = None
    matching = [
        (pattern.priority, index, proxy)
        for index, (key, proxy) in enumerate(mounts.items())
        if (pattern := _Pattern.parse(key)) is not None and pattern.matches(url)
    ]
    return min(matching)[2] if matching else None


def environment_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """``urllib.request.getproxies_environment`` over ``environ``: every ``*_proxy``
    variable by its scheme, any case; a lower-case name wins, even when empty."""
    proxies: dict[str, str] = {}
    for name, value in environ.items():
        if value and name.lower().endswith("_proxy"):
            proxies[name.lower()[:-6]] = value
    for name, value in environ.items():
        if name.endswith("_proxy"):  # lower case (or mixed): wins, an empty one unsets
            if value:
                proxies[name.lower()[:-6]] = value
            else:
                proxies.pop(name.lower()[:-6], None)
    return proxies


def system_proxies() -> Mapping[str, str]:
    """The proxies of the system's settings (Windows' registry, macOS' configuration);
    none on other systems, where the environment is the only source."""
    if sys.platform == "win32":
        return urllib.request.getproxies_registry()
    if sys.platform == "darwin":
        return urllib.request.getproxies_macosx_sysconf()
    return {}


class _Pattern(NamedTuple):
    """A mount's URL pattern, as httpx matches and ranks it (``all://`` and ``*``:
    any scheme or host; ``*example.com``: it and its subdomains; ``*.example.com``:
    its subdomains only)."""

    scheme: str
    host: str
    port: int | None

    @classmethod
    def parse(cls, key: str) -> _Pattern | None:
        try:
            url = httpx.URL(key)
        except (httpx.InvalidURL, TypeError, ValueError):
            return None  # httpx would fail on it; here it matches nothing
        return cls("" if url.scheme == "all" else url.scheme,
                   "" if url.host == "*" else url.host, url.port)

    @property
    def priority(self) -> tuple[int, int, int]:
        """Lower is more specific: a port, then a longer host, then a scheme."""
        return (0 if self.port is not None else 1, -len(self.host), -len(self.scheme))

    def matches(self, url: httpx.URL) -> bool:
        if self.scheme and self.scheme != url.scheme:
            return False
        if self.port is not None and self.port != url.port:
            return False
        host = self.host
        if not host:
            return True
        if host.startswith("*."):  # subdomains only
            return url.host.endswith(host[1:]) and len(url.host) > len(host) - 1
        if host.startswith("*"):  # the domain and its subdomains
            return url.host == host[1:] or url.host.endswith(f".{host[1:]}")
        return url.host == host


def _pattern(entry: str) -> str:
    """An entry as a URL pattern (``all://`` any scheme, ``*`` any subdomain)."""
    if "://" in entry:
        return entry
    if _is_address(entry, ipaddress.IPv4Address) or entry.lower() == "localhost":
        return f"all://{entry}"
    if _is_address(entry, ipaddress.IPv6Address):
        return f"all://[{entry}]"
    return f"all://*{entry}"


def _is_address(text: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(text.split("/")[0])
    except ValueError:
        return False
    return True
