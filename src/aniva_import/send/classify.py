"""What an answer (or a failure to get one) means, as code, in one place: the team's
table "Sending: what a response means", which the README's "Sending: never twice,
never lost" tells the user.

| what happened                                         | action                         |
|-------------------------------------------------------|--------------------------------|
| connect error, DNS, TLS handshake, pool/proxy timeout | RETRY (nothing was sent)       |
| TLS certificate verification failure                  | STOP (never retried)           |
| 429                                                   | RETRY, throttled (Retry-After) |
| 503                                                   | RETRY (not processed)          |
| 201                                                   | CREATED (id from the body)     |
| 400, 422, any other 4xx                               | FAILED (field messages)        |
| 401                                                   | STOP (key refused)             |
| 403 naming the scope                                  | STOP (scope missing)           |
| 403 naming the group / its access context             | GROUP_REFUSED                  |
| 403 saying neither                                    | FORBIDDEN (the sender decides) |
| 404                                                   | GROUP_REFUSED (not found)      |
| 408, 500, 502, 504, other 5xx                         | UNKNOWN                        |
| read timeout, reset or disconnect after sending,      | UNKNOWN                        |
| write timeout or error (the body may be half sent)    |                                |
| 1xx, 2xx other than 201, 3xx (not documented answers) | STOP; the row UNKNOWN          |
| the request could not be written (h11 refused it)     | NOT_SENT (a bug, not the API)  |

408 is not in the architecture's table.  It is not retried: RFC 9110 §15.5.9 says
the server did not process the request, but a proxy in between may answer 408 after
it forwarded the request to the API, so it is not certain that nothing was created;
like 500/502/504 the row is unknown.

Only ``201 Created`` means created (the API documents no other success).  A ``200``
with an HTML page (a TLS-inspecting proxy, a captive portal), a ``202`` "queued" or a
``204`` says nothing certain either way: the row is unknown, the run stops (every
other row would get the same answer), as for a redirect.  A ``201`` whose body is
empty, cut short, not JSON or without an ``id`` that is a UUID is still created,
without an id: nothing else (a formula, a page) ever reaches the results file.
"""

from __future__ import annotations

import enum
import json
import socket
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

import httpx

from aniva_import.problems import ProblemCode
from aniva_import.rules import profile_id_of
from aniva_import.send.errors_body import ErrorBody, read_error_body
from aniva_import.send.retry_after import DEFAULT_RETRY_AFTER, parse_retry_after

#: phrases of a 403 body that name the missing scope / the group's access context
SCOPE_PHRASES: Final = ("create_user", "scope")
GROUP_PHRASES: Final = ("access context", "profile group", "profile_group", "group")


class Action(enum.StrEnum):
    CREATED = "created"
    FAILED = "failed"  # the API refused this row; nothing created
    UNKNOWN = "unknown"  # the profile may or may not exist now
    RETRY = "retry"  # certainly nothing created; may be tried again
    GROUP_REFUSED = "group_refused"  # this row's group is refused (404, 403 for the group)
    FORBIDDEN = "forbidden"  # 403 that does not say whether key scope or group
    STOP = "stop"  # the run cannot go on (401, 403 scope, TLS verification, a redirect)
    NOT_SENT = "not_sent"  # the request could not be built or written (a bug): row not sent


class Cause(enum.StrEnum):
    """Why there was no usable answer (for messages)."""

    STATUS = "status"  # the API answered; see the status
    DNS = "dns"
    REFUSED = "refused"
    CONNECT = "connect"
    CONNECT_TIMEOUT = "connect_timeout"
    POOL_TIMEOUT = "pool_timeout"
    PROXY = "proxy"
    TLS_HANDSHAKE = "tls_handshake"
    TLS_VERIFY = "tls_verify"
    READ_TIMEOUT = "read_timeout"
    WRITE_TIMEOUT = "write_timeout"
    DISCONNECTED = "disconnected"
    READ_ERROR = "read_error"
    WRITE_ERROR = "write_error"
    TRANSPORT = "transport"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one attempt came to."""

    action: Action
    code: ProblemCode | None  # None: created, with its id
    cause: Cause = Cause.STATUS
    status: int | None = None
    profile_id: str | None = None
    retry_after: float | None = None
    body: ErrorBody | None = None

    @property
    def throttled(self) -> bool:
        """A 429: the whole sender must slow down."""
        return self.status == 429

    @property
    def maybe_created(self) -> bool:
        """Whether a profile may exist because of this attempt."""
        return self.action in (Action.CREATED, Action.UNKNOWN) or (
            self.action is Action.STOP and self.status is not None and self.status < 400
        )


def classify_response(
    status: int, headers: Mapping[str, str], content: bytes, *, wall_now: float
) -> Verdict:
    """The verdict on an HTTP answer with ``content`` (its body, perhaps cut short)."""
    if status == 201:
        profile_id = _profile_id(content)
        code = None if profile_id else ProblemCode.CREATED_WITHOUT_ID
        return Verdict(Action.CREATED, code, status=status, profile_id=profile_id)
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"), now=wall_now)
        return Verdict(
            Action.RETRY,
            ProblemCode.API_UNAVAILABLE,
            status=status,
            retry_after=DEFAULT_RETRY_AFTER if retry_after is None else retry_after,
        )
    if status == 503:
        retry_after = parse_retry_after(headers.get("retry-after"), now=wall_now)
        return Verdict(Action.RETRY, ProblemCode.API_UNAVAILABLE, status=status,
                       retry_after=retry_after)
    if status < 400:  # 1xx, a 2xx other than 201 Created, 3xx: not documented
        return Verdict(Action.STOP, ProblemCode.UNEXPECTED_RESPONSE, status=status)
    body = read_error_body(content, headers.get("content-type"))
    if status == 401:
        return Verdict(Action.STOP, ProblemCode.KEY_REFUSED, status=status, body=body)
    if status == 403:
        if body.mentions(*SCOPE_PHRASES):
            return Verdict(Action.STOP, ProblemCode.SCOPE_MISSING, status=status, body=body)
        if body.mentions(*GROUP_PHRASES):
            return Verdict(Action.GROUP_REFUSED, ProblemCode.GROUP_FORBIDDEN, status=status,
                           body=body)
        return Verdict(Action.FORBIDDEN, ProblemCode.FORBIDDEN, status=status, body=body)
    if status == 408:  # a proxy may have forwarded the request: not certain
        return Verdict(Action.UNKNOWN, ProblemCode.OUTCOME_UNKNOWN, status=status, body=body)
    if status == 404:
        return Verdict(Action.GROUP_REFUSED, ProblemCode.GROUP_NOT_FOUND, status=status, body=body)
    if status < 500:
        return Verdict(Action.FAILED, ProblemCode.API_REJECTED, status=status, body=body)
    return Verdict(Action.UNKNOWN, ProblemCode.OUTCOME_UNKNOWN, status=status, body=body)


def classify_exception(error: Exception) -> Verdict:
    """The verdict on a request that got no answer because of ``error``."""
    if isinstance(error, httpx.ConnectError):
        if _caused_by(error, ssl.SSLCertVerificationError):
            return Verdict(Action.STOP, ProblemCode.TLS_FAILED, Cause.TLS_VERIFY)
        if _caused_by(error, ssl.SSLError):
            cause = Cause.TLS_HANDSHAKE
        elif _caused_by(error, socket.gaierror):
            cause = Cause.DNS
        elif _caused_by(error, ConnectionRefusedError):
            cause = Cause.REFUSED
        else:
            cause = Cause.CONNECT
        return Verdict(Action.RETRY, ProblemCode.API_UNAVAILABLE, cause)
    nothing_sent = {
        httpx.ConnectTimeout: Cause.CONNECT_TIMEOUT,
        httpx.PoolTimeout: Cause.POOL_TIMEOUT,
        httpx.ProxyError: Cause.PROXY,
    }
    for kind, cause in nothing_sent.items():
        if isinstance(error, kind):
            return Verdict(Action.RETRY, ProblemCode.API_UNAVAILABLE, cause)
    if isinstance(error, httpx.LocalProtocolError):
        # h11 refused to write the request: nothing left this machine
        return Verdict(Action.NOT_SENT, ProblemCode.INVALID_REQUEST, Cause.TRANSPORT)
    maybe_sent = {
        httpx.ReadTimeout: Cause.READ_TIMEOUT,
        httpx.WriteTimeout: Cause.WRITE_TIMEOUT,
        httpx.RemoteProtocolError: Cause.DISCONNECTED,
        httpx.ReadError: Cause.READ_ERROR,
        httpx.WriteError: Cause.WRITE_ERROR,
    }
    for kind, cause in maybe_sent.items():
        if isinstance(error, kind):
            return Verdict(Action.UNKNOWN, ProblemCode.OUTCOME_UNKNOWN, cause)
    return Verdict(Action.UNKNOWN, ProblemCode.OUTCOME_UNKNOWN, Cause.TRANSPORT)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    return any(isinstance(link, kind) for link in _chain(error))


def _profile_id(content: bytes) -> str | None:
    try:
        data = json.loads(content)
    except ValueError:
        return None
    if isinstance(data, dict):
        value = data.get("id")
        if isinstance(value, str):  # documented: a UUID string; anything else is no id
            return profile_id_of(value)
    return None
