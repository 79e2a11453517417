"""Reading the undocumented error body defensively."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from aniva_import.send import read_error_body
from aniva_import.send.errors_body import MAX_FIELDS, MAX_MESSAGE_CHARS


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_the_sandbox_shape_message_and_fields() -> None:
    read = read_error_body(body({
        "error": "validation_error",
        "message": "One or more fields failed validation: email, phone.",
        "fields": {"email": "not an e-mail address", "phone": "must be E.164"},
    }), "application/json")
    assert read.message == "One or more fields failed validation: email, phone."
    assert dict(read.fields) == {"email": "not an e-mail address", "phone": "must be E.164"}
    assert read.code == "validation_error"


def test_json_with_a_message_and_no_fields() -> None:
    read = read_error_body(body({"message": "Forbidden."}), "application/json")
    assert read.message == "Forbidden."
    assert dict(read.fields) == {}


def test_common_field_shapes() -> None:
    shapes = [
        {"errors": {"email": ["is invalid", "is taken"]}},  # Rails
        {"detail": [{"loc": ["body", "email"], "msg": "is invalid", "type": "x"}]},  # FastAPI
        {"errors": [{"field": "email", "message": "is invalid"}]},
        {"errors": [{"source": {"pointer": "/data/attributes/email"}, "detail": "is invalid"}]},
        {"error": {"message": "Bad.", "fields": {"email": {"message": "is invalid"}}}},
        {"invalid_params": [{"name": "email", "reason": "is invalid"}]},  # RFC 7807
        [{"path": "/email", "message": "is invalid"}],
    ]
    for shape in shapes:
        fields = dict(read_error_body(body(shape)).fields)
        assert list(fields) == ["email"], shape
        assert fields["email"].startswith("is invalid"), shape


def test_plain_text_gives_its_first_line() -> None:
    read = read_error_body(b"\n  Bad request: first_name missing\nmore detail\n", "text/plain")
    assert read.message == "Bad request: first_name missing"
    assert "more detail" in read.text


def test_an_html_page_gives_its_title_only() -> None:
    page = b"<!DOCTYPE html><html><head><title>502 Bad &amp; Gateway</title></head>" \
           b"<body><script>alert(1)</script><h1>nginx</h1></body></html>"
    read = read_error_body(page, "text/html; charset=utf-8")
    assert read.message == "502 Bad & Gateway"
    assert not read.fields


def test_empty_and_garbage() -> None:
    assert read_error_body(b"").message is None
    assert read_error_body(b"   \r\n").message is None
    assert read_error_body(bytes(range(256)) * 4).message is None  # binary
    assert read_error_body(b'{"message": "cut sh').message is None  # broken JSON: none of it
    assert read_error_body(b"null", "application/json").message is None
    assert read_error_body(b"42", "application/problem+json").message is None


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    read = read_error_body(b"Ung\xfcltige Anfrage", "text/plain; charset=utf-8")
    assert read.message is not None
    assert read.message.startswith("Ung")


def test_a_huge_body_is_cut_short() -> None:
    huge = body({"message": "x" * 10_000_000})
    read = read_error_body(huge)  # too long to parse whole: no message, no crash
    assert read.message is None or len(read.message) <= MAX_MESSAGE_CHARS
    many = body({"message": "m" * 5000,
                 "fields": {f"field{i}": "bad " * 50 for i in range(200)}})
    assert len(many) < 64 * 1024
    read = read_error_body(many)
    assert read.message is not None
    assert len(read.message) <= MAX_MESSAGE_CHARS
    assert len(read.fields) <= MAX_FIELDS
    assert all(len(m) <= MAX_MESSAGE_CHARS for m in read.fields.values())


def test_control_characters_and_terminal_escapes_are_removed() -> None:
    read = read_error_body(body({"message": "bad\x1b[31m red\r\nline\u202eevil",
                                 "fields": {"em\nail": "in\tvalid"}}))
    assert read.message == "bad [31m red line evil"
    assert dict(read.fields) == {"em ail": "in valid"}


def test_mentions_is_case_insensitive_over_the_whole_body() -> None:
    read = read_error_body(body({"message": "This API key lacks the CREATE_USER scope."}))
    assert read.mentions("create_user")
    assert not read.mentions("access context")


@given(st.binary(max_size=2000), st.sampled_from([None, "application/json", "text/html",
                                                  "text/plain"]))
def test_never_raises_on_any_bytes(content: bytes, content_type: str | None) -> None:
    read = read_error_body(content, content_type)
    assert read.message is None or (0 < len(read.message) <= MAX_MESSAGE_CHARS
                                    and "\n" not in read.message)


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["message", "fields", "errors", "detail", "error", "loc", "msg",
                         "field", "name", "x"]), inner, max_size=4),
    max_leaves=20,
))
def test_never_raises_on_any_json(data: object) -> None:
    read = read_error_body(body(data))
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in read.fields.items())
