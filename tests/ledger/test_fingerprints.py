"""The fingerprints are a file format: a ledger written by an earlier version must
give the same keys and digests, or a rerun would not recognise what it created."""

from __future__ import annotations

import hmac
import json

from hypothesis import given
from hypothesis import strategies as st

from aniva_import.ledger._entries import LedgerKey
from aniva_import.ledger._fingerprints import Fingerprints

SECRET = b"0123456789abcdef-known-answer"
BODY: dict[str, object] = {
    "first_name": "Anna", "last_name": "Müller", "date_of_birth": "1985-03-22", "sex": 2,
    "email": "a@example.de", "phone": "+49301234567", "height": 1.5, "consent": True,
    "note": None,
}


def known_key(fingerprints: Fingerprints) -> LedgerKey:
    return fingerprints.key(
        "https://AnivaHealth.com/api/v1/", "acme-clinic-berlin", "müller|anna|1985-03-22"
    )


def test_known_answers_of_version_1() -> None:
    """Values written by the first ledger version (2026-12), pinned."""
    fingerprints = Fingerprints(SECRET)
    key = known_key(fingerprints)
    assert key == "7c5db4de78983b5b411e1a40a2c406d7751a189c3c5fe9925176f0bc5d015c55"
    assert fingerprints.body_digest(key, BODY) == "753cf98770cac6498c553da4c3a6a03e"
    assert fingerprints.idempotency_key(key, BODY) == "6ba2f01f-21a2-4808-af88-974eab3b58fe"
    assert fingerprints.field_digests(key, BODY) == {
        "first_name": "f724d6f9ca6acd49", "last_name": "6ee900a18598304f",
        "date_of_birth": "609e503f0b0889a7", "sex": "0f08245557f27932",
        "email": "aa538ae3ff60d8f0", "phone": "d18cfb64b4e2a38c", "height": "435afbffa850476d",
        "consent": "ab4816fad00d8b12", "note": "7ac7987f168bc8a6",
    }


def _reference_field_digest(key: str, name: str, value: object) -> str:
    """The field digest spelled out from its definition: HMAC-SHA256 of the framed
    domain, key, field name and canonical JSON value, 16 hex digits kept."""
    parts = [
        b"aniva-import/ledger/field/v1", key.encode("ascii"), name.encode("utf-8"),
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                   allow_nan=False).encode("utf-8"),
    ]
    message = b"".join(len(part).to_bytes(4, "big") + part for part in parts)
    return hmac.digest(SECRET, message, "sha256").hex()[:16]


values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(), st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@given(st.dictionaries(st.text(min_size=1, max_size=20), values, max_size=8))
def test_field_digests_agree_with_their_definition(body: dict[str, object]) -> None:
    fingerprints = Fingerprints(SECRET)
    key = known_key(fingerprints)
    assert fingerprints.field_digests(key, body) == {
        name: _reference_field_digest(key, name, value) for name, value in body.items()
    }


@given(st.dictionaries(st.text(min_size=1, max_size=20), values, max_size=8))
def test_digests_of_one_body_do_not_depend_on_field_order(body: dict[str, object]) -> None:
    fingerprints = Fingerprints(SECRET)
    key = known_key(fingerprints)
    reordered = dict(reversed(list(body.items())))
    assert fingerprints.body_digest(key, body) == fingerprints.body_digest(key, reordered)
    assert fingerprints.idempotency_key(key, body) == fingerprints.idempotency_key(key, reordered)


@given(st.dictionaries(st.text(min_size=1, max_size=20), values, max_size=8))
def test_sent_is_the_three_digests_at_once(body: dict[str, object]) -> None:
    fingerprints = Fingerprints(SECRET)
    key = known_key(fingerprints)
    assert fingerprints.sent(key, body) == (
        fingerprints.body_digest(key, body), fingerprints.idempotency_key(key, body),
        fingerprints.field_digests(key, body),
    )
