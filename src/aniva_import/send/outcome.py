"""What goes into the sender and what comes out: one request, one outcome per row.

A row's outcome is data, never an exception: :class:`SendOutcome` says whether the
profile was created (with its id), refused (with the API's field messages), left
uncertain, or never sent, with a stable :class:`ProblemCode` and one sentence for the
clinic admin.  Messages never contain patient data or the API key.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from aniva_import.problems import ProblemCode

_EMPTY: Final[Mapping[str, str]] = MappingProxyType({})
_MAX_IDEMPOTENCY_KEY = 255


class OutcomeKind(enum.StrEnum):
    """What happened to a row, as the results file's status will say it."""

    CREATED = "created"  # the API created the profile (its id in profile_id, if it sent one)
    FAILED = "failed"  # the API refused the row; nothing was created
    UNKNOWN = "unknown"  # the request may or may not have created a profile
    NOT_SENT = "not_sent"  # certainly nothing created: never sent, or refused before processing


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
    code: ProblemCode | None
    profile_id: str | None = None
    message: str | None = None
    api_message: str | None = None
    field_errors: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    attempts: int = 0
    status: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.field_errors, MappingProxyType):
            object.__setattr__(self, "field_errors", MappingProxyType(dict(self.field_errors)))
