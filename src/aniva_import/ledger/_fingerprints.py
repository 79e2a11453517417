"""Keyed fingerprints: the ledger's keys and the digests of what was sent.

Every value is an HMAC-SHA256 under the ledger's own secret (random, made when
the ledger file is created, stored in it).  So the file holds no names, dates,
e-mails or phones in clear, and fingerprints of two ledgers cannot be compared
with each other.  What this does *not* protect against: someone who holds the
file (and so its secret) can test guesses of a patient's identity against it.
That is why the file is readable by its owner only.

Messages are framed (each part length-prefixed) and domain-separated, so no two
different inputs can produce the same message.  Field digests include the entry's
key: the same value (``sex = 2``) digests differently for every patient, so the
file does not even show which patients share a value.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from aniva_import.ledger._entries import LedgerKey

_KEY = b"aniva-import/ledger/key/v1"
_BODY = b"aniva-import/ledger/body/v1"
_FIELD = b"aniva-import/ledger/field/v1"
_IDEMPOTENCY = b"aniva-import/ledger/idempotency/v1"

#: A run of slashes in a URL's path (``//api//v1``): one slash.
_SLASHES = re.compile("/{2,}")

#: Hex digits kept of a body digest (128 bits) and of a field digest (64 bits).
BODY_DIGEST_HEX = 32
FIELD_DIGEST_HEX = 16


def normalise_api_url(url: str) -> str:
    """The API base as the ledger keys it: scheme and host lower case, the host without
    the trailing dot of a fully qualified name, the path without repeated or trailing
    ``/``.  Spellings that reach the same API must give the same key, or a rerun would
    not find what an earlier run created and would create it again.

    ``https://AnivaHealth.com/api/v1/``, ``https://anivahealth.com./api/v1`` and
    ``https://anivahealth.com//api//v1`` are ``https://anivahealth.com/api/v1``.
    """
    parts = urlsplit(url.strip())
    userinfo, at, hostport = parts.netloc.lower().rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal, [::1]:8787
        host, bracket, rest = hostport.partition("]")
        host, port = host + bracket, rest.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
        host = host.rstrip(".")
    netloc = f"{userinfo}{at}{host}{':' if port else ''}{port}"
    path = _SLASHES.sub("/", parts.path).rstrip("/")
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def _frame(*parts: bytes) -> bytes:
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


#: one encoder for every canonical value (``json.dumps`` with these options would
#: build a new one on each call)
_CANONICAL = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


def _canonical(value: object) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


class Fingerprints:
    """The keyed hashes of one ledger (the secret never shows in a ``repr``)."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("a ledger secret has at least 16 bytes")
        self._secret = secret

    def __repr__(self) -> str:
        return "Fingerprints(<secret>)"

    def _mac(self, *parts: bytes) -> str:
        return hmac.digest(self._secret, _frame(*parts), "sha256").hex()

    def key(self, api_url: str, group: str, identity: str) -> LedgerKey:
        """The entry key of one patient in one group of one API."""
        if not identity:
            raise ValueError("an identity is never empty")
        return LedgerKey(
            self._mac(
                _KEY,
                normalise_api_url(api_url).encode("utf-8"),
                group.encode("utf-8"),
                identity.encode("utf-8"),
            )
        )

    def body_digest(self, key: LedgerKey, body: Mapping[str, object]) -> str:
        """Digest of the whole body (field order does not matter)."""
        return self._body_digest(key.encode("ascii"), _canonical(dict(body)))

    def idempotency_key(self, key: LedgerKey, body: Mapping[str, object]) -> str:
        """The ``Idempotency-Key`` of sending ``body`` for ``key``: a UUID derived from
        both, so the same row sent again (a retry, a rerun) carries the same key and a
        corrected row a new one; it reveals nothing of the row."""
        return self._idempotency_key(key.encode("ascii"), _canonical(dict(body)))

    def _body_digest(self, raw_key: bytes, whole: bytes) -> str:
        return self._mac(_BODY, raw_key, whole)[:BODY_DIGEST_HEX]

    def _idempotency_key(self, raw_key: bytes, whole: bytes) -> str:
        digest = bytes.fromhex(self._mac(_IDEMPOTENCY, raw_key, whole))
        return str(uuid.UUID(bytes=digest[:16], version=4))

    def field_digests(self, key: LedgerKey, body: Mapping[str, object]) -> dict[str, str]:
        """Short digest of each field of the body, by field name."""
        # HMAC is a stream: the message's common head is hashed once, then copied
        head = hmac.new(self._secret, _frame(_FIELD, key.encode("ascii")), "sha256")
        digests = {}
        for name, value in body.items():
            mac = head.copy()
            mac.update(_frame(name.encode("utf-8"), _canonical(value)))
            digests[name] = mac.hexdigest()[:FIELD_DIGEST_HEX]
        return digests

    def sent(self, key: LedgerKey, body: Mapping[str, object]) -> tuple[str, str, dict[str, str]]:
        """``body_digest``, ``idempotency_key`` and ``field_digests`` of one body at once
        (the whole body made canonical once)."""
        whole, raw_key = _canonical(dict(body)), key.encode("ascii")
        return (self._body_digest(raw_key, whole), self._idempotency_key(raw_key, whole),
                self.field_digests(key, body))

    def changed_fields(
        self, key: LedgerKey, sent: Mapping[str, str], body: Mapping[str, object]
    ) -> tuple[str, ...]:
        """Fields of ``body`` whose value differs from what was sent, then fields it lacks.

        ``sent`` is the entry's field digest map.  A field present on one side
        only counts as changed.
        """
        now = self.field_digests(key, body)
        changed = [name for name, digest in now.items() if sent.get(name) != digest]
        changed += [name for name in sent if name not in now]
        return tuple(changed)
