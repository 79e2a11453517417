"""The HTTP client: one pool of connections per run (:class:`ProfilesEndpoint`),
and the checks on the API's address and key made before any request.

HTTP/1.1 with keep-alive, at most ``concurrency`` connections (the sender never
has more requests in flight), timeouts on connect/read/write/pool, TLS always
verified against the system's trust store (``truststore``, so a clinic behind a
corporate certificate authority works), the proxy the caller names (the CLI reads
it from the environment as httpx does: :mod:`aniva_import.cli.proxy`), never for
loopback.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import ssl
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


PROXY_SCHEMES: Final = ("http", "https", "socks5", "socks5h")


def check_proxy_url(url: str) -> None:
    """A proxy address httpx can use, or :class:`ConfigError` (which never repeats the
    address: it may hold a password)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.scheme not in PROXY_SCHEMES or not parsed.host:
        raise ConfigError("The proxy address (from HTTPS_PROXY, ALL_PROXY or the system's "
                          "settings) is not one this program can use: give one like "
                          "http://proxy.example:3128.")
    credentials, at, _ = url.partition("://")[2].rpartition("@")
    if at and any(char in credentials for char in "/?#"):  # read as the host otherwise
        raise ConfigError("The proxy's user name or password holds a '/', '?' or '#', which "
                          "must be written %2F, %3F or %23 in the proxy address (HTTPS_PROXY, "
                          "ALL_PROXY).")
    if parsed.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ConfigError("The proxy is a SOCKS proxy, which needs the socksio package: "
                          "pip install 'httpx[socks]' (or use an http:// proxy).")


def check_api_key(key: ApiKey) -> None:
    """An HTTP header can carry only visible ASCII: refuse a key that it cannot."""
    if not all("!" <= char <= "~" for char in key.reveal()):
        raise ConfigError("The API key holds characters an HTTP header cannot carry (spaces, "
                          "line breaks or non-ASCII letters); check the key file.")


def tls_context() -> ssl.SSLContext:
    """Verification on, against the operating system's trust store."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class ProfilesEndpoint:
    """``POST {api-url}/profiles`` over the run's pool of connections.

    The requests go to httpx's transport (``httpx.AsyncHTTPTransport``: the pool,
    HTTP/1.1 keep-alive, TLS, the proxy) without its client layer: the sender uses
    none of what that layer adds (cookies, redirects, auth flows, event hooks, URL
    merging), and its CPU per request is what limits the rate on a fast network
    (``benchmarks/README.md``).  So the fixed parts of every request are made here
    once: the headers, the timeouts, the URL.  The API key stays an :class:`ApiKey`
    until each request's header is written.
    """

    def __init__(
        self, settings: SendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.url = httpx.URL(settings.profiles_url)  # parsed once, not per request
        self._key = settings.api_key
        self._transport = transport or build_transport(settings)
        self._headers = (
            ("User-Agent", user_agent()),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        )
        self._timeouts = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.write_timeout,
            pool=settings.pool_timeout,
        ).as_dict()

    def __repr__(self) -> str:
        return f"ProfilesEndpoint({str(self.url)!r})"

    async def post(self, payload: bytes, idempotency_key: str) -> httpx.Response:
        """Send one profile; the answer with its body still to be read (or an
        ``httpx.HTTPError``)."""
        request = httpx.Request(
            "POST",
            self.url,
            content=payload,
            headers=[
                *self._headers,
                ("Idempotency-Key", idempotency_key),
                ("x-api-key", self._key.reveal()),
            ],
            extensions={"timeout": self._timeouts},
        )
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._transport.aclose()


def _proxy(url: str) -> httpx.Proxy:
    """An ``https://`` proxy is verified as the API is (the system's trust store)."""
    if httpx.URL(url).scheme == "https":
        return httpx.Proxy(url, ssl_context=tls_context())
    return httpx.Proxy(url)


def build_transport(settings: SendSettings) -> httpx.AsyncHTTPTransport:
    """The run's pool: at most ``concurrency`` connections, kept alive a while; the
    proxy, if ``settings.proxy`` names one."""
    limits = httpx.Limits(
        max_connections=settings.concurrency,
        max_keepalive_connections=settings.concurrency,
        keepalive_expiry=settings.keepalive_expiry,
    )
    return httpx.AsyncHTTPTransport(
        verify=tls_context(),
        http1=True,
        http2=False,
        limits=limits,
        proxy=None if settings.proxy is None else _proxy(settings.proxy),
        trust_env=False,
    )
