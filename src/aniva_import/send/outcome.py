"""What goes into the sender and what comes out: one request, one outcome per row.

A row's outcome is data, never an exception: :class:`SendOutcome` says whether the
profile was created (with its id), refused (with the API's field messages), left
uncertain, or never sent, with a stable :class:`Code` and one sentence for the
clinic admin.  Messages never contain patient data or the API key.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

_EMPTY: Final[Mapping[str, str]] = MappingProxyType({})
_MAX_IDEMPOTENCY_KEY = 255


class OutcomeKind(enum.StrEnum):
    """What happened to a row, as the results file's status will say it."""

    CREATED = "created"  # the API created the profile (its id in profile_id, if it sent one)
    FAILED = "failed"  # the API refused the row; nothing was created
    UNKNOWN = "unknown"  # the request may or may not have created a profile
    NOT_SENT = "not_sent"  # certainly nothing created: never sent, or refused before processing


class Code(enum.StrEnum):
    """Stable problem codes of :attr:`SendOutcome.code` and :attr:`StopReason.code`.

    Row codes: ``created``, ``created_without_id``, ``api_rejected``,
    ``group_not_found``, ``group_forbidden``, ``outcome_unknown``, ``invalid_request``.
    Run codes (a :class:`~aniva_import.send.StopReason`, and the code of every row
    left ``not_sent`` by it): the rest.
    """

    CREATED = "created"
    #: 2xx, but the answer held no readable profile id (the profile exists)
    CREATED_WITHOUT_ID = "created_without_id"
    #: 400 (or another 4xx): the API refused the row's values
    API_REJECTED = "api_rejected"
    #: 404: the row's profile group does not exist
    GROUP_NOT_FOUND = "group_not_found"
    #: 403: the row's profile group is outside the key's access context
    GROUP_FORBIDDEN = "group_forbidden"
    #: 500/502/504, a read timeout, a connection broken after sending: maybe created
    OUTCOME_UNKNOWN = "outcome_unknown"
    #: the row's request could not be built or written (never sent; a bug, not the user's)
    INVALID_REQUEST = "invalid_request"
    #: 401: the API does not accept the key
    KEY_REFUSED = "key_refused"
    #: 403: the key lacks the CREATE_USER scope
    SCOPE_MISSING = "scope_missing"
    #: 403 that does not say whether the scope or the group is the problem
    FORBIDDEN = "forbidden"
    #: unreachable, or 429/503 past every retry, or a Retry-After longer than we wait
    API_UNAVAILABLE = "api_unavailable"
    #: the API's TLS certificate could not be verified (never retried)
    TLS_FAILED = "tls_failed"
    #: too many outcomes in a row were unknown: stopped so no more rows end up unknown
    TOO_MANY_UNKNOWN = "too_many_unknown"
    #: an answer that fits nothing documented (a redirect, 1xx): the URL is likely wrong
    UNEXPECTED_RESPONSE = "unexpected_response"
    #: the user stopped the run (Ctrl-C)
    INTERRUPTED = "interrupted"


def _header_safe(value: str) -> bool:
    return 0 < len(value) <= _MAX_IDEMPOTENCY_KEY and all("!" <= c <= "~" for c in value)


@dataclass(frozen=True, slots=True)
class SendRequest:
    """One profile to create.

    ``row`` is the spreadsheet row (for messages), ``group`` the profile group slug
    the body names, ``body`` the JSON object to POST (empty fields already left out),
    ``idempotency_key`` a value stable for this row across retries and reruns
    (visible ASCII, at most 255 characters), sent as the ``Idempotency-Key`` header.
    """

    row: int
    group: str
    body: Mapping[str, object] = field(repr=False)
    idempotency_key: str

    def __post_init__(self) -> None:
        if not _header_safe(self.idempotency_key):
            raise ValueError(
                f"row {self.row}: the idempotency key must be 1-255 visible ASCII characters"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class SendOutcome:
    """What happened to one :class:`SendRequest`.

    ``field_errors`` maps an API field name (``email``, ``date_of_birth`` …) to the
    API's own message for it (from a 400 body), so the caller can name the user's
    column instead.  ``api_message`` is the API's own message, cleaned and cut short;
    like ``field_errors`` it may repeat the row's values (for the results file only,
    never the terminal).  ``message`` is ours: no patient data.  ``attempts`` counts
    the HTTP requests made for this row (0 when none was); ``status`` is the last
    HTTP status received, if any.
    """

    row: int
    kind: OutcomeKind
    code: str
    profile_id: str | None = None
    message: str | None = None
    api_message: str | None = None
    field_errors: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    attempts: int = 0
    status: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.field_errors, MappingProxyType):
            object.__setattr__(self, "field_errors", MappingProxyType(dict(self.field_errors)))
