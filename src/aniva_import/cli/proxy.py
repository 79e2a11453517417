"""The proxy to reach the API through, read from the environment as httpx reads it.

``HTTPS_PROXY`` for an ``https://`` API (``HTTP_PROXY`` for ``http://``), else
``ALL_PROXY``; the lower-case names win over the upper-case ones, as in urllib.
``NO_PROXY`` lists the hosts reached directly (comma-separated): ``*`` means every
host; ``example.com`` means it and its subdomains; ``.example.com`` its subdomains
only; an IP address or ``localhost`` that host (no address ranges).  An address
without a scheme is an ``http://`` proxy.  When the environment names no proxy at
all, Windows' and macOS' proxy settings are read, as urllib and httpx do.  A loopback
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
    if any(_bypasses(entry.strip(), url) for entry in table.get("no", "").split(",")):
        return None
    proxy = (table.get(url.scheme) or table.get("all") or "").strip()
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


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
    if sys.platform in ("win32", "darwin"):
        return urllib.request.getproxies()
    return {}


def _bypasses(entry: str, url: httpx.URL) -> bool:
    """Whether one ``NO_PROXY`` entry sends requests to ``url`` directly."""
    if not entry:
        return False
    if entry == "*":
        return True
    try:
        pattern = httpx.URL(_pattern(entry))
    except httpx.InvalidURL:
        return False
    if pattern.scheme not in ("all", url.scheme):
        return False
    if pattern.port is not None and pattern.port != url.port:
        return False
    host = pattern.host
    if host in ("", "*"):  # any host
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
