"""Sending: create profiles through ``POST {api_url}/profiles``, as fast as the API
allows, never twice.

    settings = SendSettings(api_url="https://anivahealth.com/api/v1", api_key=key)
    async with Sender(settings) as sender:
        outcomes = await sender.send_batch([SendRequest(row=2, group="acme-clinic-berlin",
                                                        body={...}, idempotency_key="…")])
        if sender.stop_reason: ...  # .code, .message, .exit_code

One module per concept: :mod:`.client` (the httpx client and the URL check),
:mod:`.limiter` (token bucket, fixed rate, the global pause), :mod:`.adaptive` (the
limiter that finds the API's limit), :mod:`.retry_after`, :mod:`.errors_body`,
:mod:`.classify` (what an answer means), :mod:`.retry` (the one tenacity policy),
:mod:`.breaker`, :mod:`.sender` (:class:`Sender`), :mod:`.outcome`, :mod:`.stop`,
:mod:`.stats`, :mod:`.settings`; private: ``_probe`` (the group probe), ``_exchange``
(one request), ``_outcomes``, ``_messages`` (every sentence).

Names are imported when first used, so that a dry run, which only needs the outcome
and stop vocabularies (:mod:`.outcome`, :mod:`.stop`), never imports httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name → the module that defines it
_WHERE: dict[str, str] = {
    "AdaptiveRateLimiter": "aniva_import.send.adaptive",
    "DEFAULT_CONCURRENCY": "aniva_import.send.settings",
    "DEFAULT_RETRY_AFTER": "aniva_import.send.retry_after",
    "ErrorBody": "aniva_import.send.errors_body",
    "FixedRateLimiter": "aniva_import.send.limiter",
    "OutcomeKind": "aniva_import.send.outcome",
    "Permit": "aniva_import.send.limiter",
    "RateLimiter": "aniva_import.send.limiter",
    "RetryPolicy": "aniva_import.send.retry",
    "SendOutcome": "aniva_import.send.outcome",
    "SendRequest": "aniva_import.send.outcome",
    "SendSettings": "aniva_import.send.settings",
    "SendStats": "aniva_import.send.stats",
    "Sender": "aniva_import.send.sender",
    "StopReason": "aniva_import.send.stop",
    "TokenBucket": "aniva_import.send.limiter",
    "check_api_url": "aniva_import.send.client",
    "check_proxy_url": "aniva_import.send.client",
    "is_loopback_host": "aniva_import.send.client",
    "parse_retry_after": "aniva_import.send.retry_after",
    "read_error_body": "aniva_import.send.errors_body",
    "user_agent": "aniva_import.send.client",
}

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_RETRY_AFTER",
    "AdaptiveRateLimiter",
    "ErrorBody",
    "FixedRateLimiter",
    "OutcomeKind",
    "Permit",
    "RateLimiter",
    "RetryPolicy",
    "SendOutcome",
    "SendRequest",
    "SendSettings",
    "SendStats",
    "Sender",
    "StopReason",
    "TokenBucket",
    "check_api_url",
    "check_proxy_url",
    "is_loopback_host",
    "parse_retry_after",
    "read_error_body",
    "user_agent",
]

if TYPE_CHECKING:
    from aniva_import.send.adaptive import AdaptiveRateLimiter
    from aniva_import.send.client import (
        check_api_url,
        check_proxy_url,
        is_loopback_host,
        user_agent,
    )
    from aniva_import.send.errors_body import ErrorBody, read_error_body
    from aniva_import.send.limiter import FixedRateLimiter, Permit, RateLimiter, TokenBucket
    from aniva_import.send.outcome import OutcomeKind, SendOutcome, SendRequest
    from aniva_import.send.retry import RetryPolicy
    from aniva_import.send.retry_after import DEFAULT_RETRY_AFTER, parse_retry_after
    from aniva_import.send.sender import Sender
    from aniva_import.send.settings import DEFAULT_CONCURRENCY, SendSettings
    from aniva_import.send.stats import SendStats
    from aniva_import.send.stop import StopReason


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
