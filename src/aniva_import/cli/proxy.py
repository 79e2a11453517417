"""The proxy to reach the API through, read from the environment as httpx reads it.

``HTTPS_PROXY`` for an ``https://`` API (``HTTP_PROXY`` for ``http://``), else
``ALL_PROXY``; the lower-case names win over the upper-case ones, as in curl and
urllib.  ``NO_PROXY`` lists the hosts reached directly (comma-separated): ``*``
means every host; ``example.com`` means it and its subdomains; ``.example.com`` its
subdomains only; an IP address or ``localhost`` that host.  An address without a
scheme is an ``http://`` proxy.  A loopback API (the sandbox) never goes through a
proxy.  The sender (``SendSettings.proxy``) takes the result: the library reads no
environment variables.  ``tests/cli/test_proxy.py`` checks these rules against
httpx's own reading of the environment.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import httpx

from aniva_import.send import is_loopback_host


def proxy_for(api_url: str, environ: Mapping[str, str]) -> str | None:
    """The proxy URL for requests to ``api_url``; None: connect directly (or the URL
    is not one: the sender's own check says so)."""
    try:
        url = httpx.URL(api_url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if is_loopback_host(url.host):
        return None
    if any(_bypasses(entry.strip(), url) for entry in _get(environ, "no_proxy").split(",")):
        return None
    proxy = _get(environ, f"{url.scheme}_proxy") or _get(environ, "all_proxy")
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _get(environ: Mapping[str, str], name: str) -> str:
    """The variable by its lower-case name if set (even empty), else by its upper-case one."""
    value = environ[name] if name in environ else environ.get(name.upper(), "")
    return value.strip()


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
