"""The HTTP client: one pooled ``httpx.AsyncClient`` per run, and the checks on
the API's address made before any request.

HTTP/1.1 with keep-alive, at most ``concurrency`` connections (the sender never
has more requests in flight), timeouts on connect/read/write/pool, TLS always
verified against the system's trust store (``truststore``, so a clinic behind a
corporate certificate authority works), proxies from the environment as httpx
reads them (never for loopback).  The API key stays an :class:`ApiKey` until
:class:`ApiKeyAuth` writes the one header that needs it.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Generator
from typing import TYPE_CHECKING, Final

import httpx
import truststore

from aniva_import import ApiKey, __version__
from aniva_import.errors import ConfigError, InsecureApiUrl

if TYPE_CHECKING:
    from aniva_import.send.settings import SendSettings

#: the endpoint, relative to the API base URL
PROFILES_PATH: Final = "/profiles"


def user_agent() -> str:
    return f"aniva-import/{__version__}"


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(url: str) -> str:
    """The API base URL without a trailing slash, or :class:`InsecureApiUrl`.

    ``https://`` anywhere; plain ``http://`` only to loopback (the sandbox).
    """
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InsecureApiUrl("The API address is not a valid URL; give one like "
                             "https://anivahealth.com/api/v1.") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InsecureApiUrl("The API address must start with https:// (or http:// for a "
                             "sandbox on this computer), like https://anivahealth.com/api/v1.")
    if parsed.userinfo:
        raise InsecureApiUrl("The API address must not contain a user name or password; "
                             "the API key is read from its own file or variable.")
    if parsed.query or parsed.fragment:
        raise InsecureApiUrl("The API address must not contain '?' or '#' parts; give the "
                             "base address, like https://anivahealth.com/api/v1.")
    if parsed.scheme == "http" and not is_loopback_host(parsed.host):
        raise InsecureApiUrl(f"The API address uses plain http:// to {parsed.host}, which "
                             "would send the API key and patient data unencrypted; use "
                             "https:// (plain http:// is only allowed to this computer).")
    return str(parsed).rstrip("/")


def check_api_key(key: ApiKey) -> None:
    """An HTTP header can carry only visible ASCII: refuse a key that it cannot."""
    if not all("!" <= char <= "~" for char in key.reveal()):
        raise ConfigError("The API key holds characters an HTTP header cannot carry (spaces, "
                          "line breaks or non-ASCII letters); check the key file.")


class ApiKeyAuth(httpx.Auth):
    """Adds ``x-api-key`` to each request as it is sent."""

    def __init__(self, key: ApiKey) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["x-api-key"] = self._key.reveal()
        yield request

    def __repr__(self) -> str:
        return "ApiKeyAuth(ApiKey('********'))"


def tls_context() -> ssl.SSLContext:
    """Verification on, against the operating system's trust store."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def build_client(
    settings: SendSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The run's client; ``transport`` replaces the network (tests)."""
    limits = httpx.Limits(
        max_connections=settings.concurrency,
        max_keepalive_connections=settings.concurrency,
        keepalive_expiry=settings.keepalive_expiry,
    )
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.write_timeout,
        pool=settings.pool_timeout,
    )
    loopback = is_loopback_host(httpx.URL(settings.api_url).host)
    return httpx.AsyncClient(
        auth=ApiKeyAuth(settings.api_key),
        headers={
            "User-Agent": user_agent(),
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        timeout=timeout,
        limits=limits,
        http1=True,
        http2=False,
        verify=tls_context(),
        trust_env=not loopback,
        follow_redirects=False,
        transport=transport,
    )
