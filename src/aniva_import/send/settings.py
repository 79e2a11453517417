"""How the sender behaves: one frozen value, built by the caller (the library reads
no environment variables)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import httpx

from aniva_import import ApiKey
from aniva_import.errors import ConfigError
from aniva_import.send.client import (
    PROFILES_PATH,
    check_api_key,
    check_api_url,
    check_proxy_url,
    is_loopback_host,
)
from aniva_import.send.retry import RetryPolicy

#: requests in flight at most, unless told otherwise (measured against the sandbox:
#: more only adds queueing on a two-core machine; see benchmarks/README.md)
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 64


@dataclass(frozen=True)
class SendSettings:
    """Everything the sender needs.

    ``api_url``: the API base (``…/api/v1``); https, or http only to loopback.
    ``rate``: requests per second at most; ``None``: find the API's limit (adaptive).
    ``concurrency``: requests in flight at most (and connections in the pool).
    ``*_timeout``: seconds; a read timeout makes a row ``unknown``.
    ``max_attempts``: requests per row at most when retrying is safe (429, 503,
    connect errors); ``backoff_initial``/``backoff_max``: the exponential backoff;
    ``max_retry_wait``: the longest single wait, ``Retry-After`` included (a longer
    one stops the run: try again later).
    ``unknown_limit``: unknown outcomes in a row that stop the run.
    ``initial_rate``: where the adaptive limiter starts.
    ``keepalive_expiry``: seconds an idle connection is kept (below the usual 5 s
    of servers, so a connection is not reused just as the server closes it).
    ``proxy``: the proxy to reach the API through (``http://``, ``https://`` or
    ``socks5://``; checked, then dropped for an API on this computer); None: directly.
    """

    api_url: str
    api_key: ApiKey = field(repr=False)
    rate: float | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    write_timeout: float = 30.0
    pool_timeout: float = 10.0
    max_attempts: int = 6
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_retry_wait: float = 60.0
    unknown_limit: int = 20
    initial_rate: float = 20.0
    keepalive_expiry: float = 3.0
    #: may hold a user name and password: never shown
    proxy: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_url", check_api_url(self.api_url))
        if self.proxy is not None:
            check_proxy_url(self.proxy)
            if is_loopback_host(self.host):  # an API on this computer is reached directly
                object.__setattr__(self, "proxy", None)
        if not isinstance(self.api_key, ApiKey):
            raise TypeError("api_key must be an ApiKey")
        check_api_key(self.api_key)
        if self.rate is not None and not _positive(self.rate):
            raise ConfigError("The rate must be a positive number of requests per second.")
        if not (isinstance(self.concurrency, int) and 1 <= self.concurrency <= MAX_CONCURRENCY):
            raise ConfigError(
                f"The concurrency must be a whole number from 1 to {MAX_CONCURRENCY}."
            )
        for name in ("connect_timeout", "read_timeout", "write_timeout", "pool_timeout",
                     "max_retry_wait", "initial_rate", "keepalive_expiry"):
            if not _positive(getattr(self, name)):
                raise ConfigError(f"{name} must be a positive number of seconds.")
        if not (isinstance(self.unknown_limit, int) and self.unknown_limit >= 1):
            raise ConfigError("unknown_limit must be a whole number of at least 1.")
        try:
            self.retry_policy()
        except ValueError as error:
            raise ConfigError(f"Bad retry settings: {error}.") from None

    @property
    def host(self) -> str:
        """The API's host name, for messages."""
        return httpx.URL(self.api_url).host

    @property
    def proxy_host(self) -> str | None:
        """The proxy's host and port, for messages (never its user name or password);
        None when the requests go directly."""
        if self.proxy is None:
            return None
        url = httpx.URL(self.proxy)
        host = f"[{url.host}]" if ":" in url.host else url.host  # an IPv6 address
        return host if url.port is None else f"{host}:{url.port}"

    @property
    def profiles_url(self) -> str:
        return f"{self.api_url}{PROFILES_PATH}"

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            initial_wait=self.backoff_initial,
            max_backoff=self.backoff_max,
            max_wait=self.max_retry_wait,
        )


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 < value < math.inf
    )
