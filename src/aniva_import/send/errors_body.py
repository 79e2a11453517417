"""Read an API error body defensively: the body's shape is not documented.

The body may be JSON with a message and maybe per-field errors (in any of the
shapes common APIs use), plain text, an HTML page from a proxy, empty, huge, or
not text at all.  :func:`read_error_body` never raises: it gives back what it can
read (a short message, field → message pairs, the API's own error code) and
``None``/empty for the rest.  Strings are cleaned of control characters and cut
short, so nothing the API sends can flood a results file or a terminal.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

#: bytes of a body that are read at all (the rest is ignored)
MAX_BODY_BYTES: Final = 64 * 1024
MAX_MESSAGE_CHARS: Final = 300
MAX_FIELDS: Final = 50
_MAX_FIELD_NAME = 100

_MESSAGE_KEYS = ("message", "error_description", "detail", "title", "msg", "description", "error")
_FIELD_CONTAINERS = (
    "fields",
    "field_errors",
    "errors",
    "invalid_params",
    "violations",
    "details",
    "detail",
    "validation_errors",
)
_NAME_KEYS = ("field", "name", "param", "parameter", "property", "path", "loc", "pointer", "source")
_TEXT_KEYS = ("message", "msg", "reason", "detail", "error", "description", "title")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")
_SPACE = re.compile(r"\s+")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_BODY_PREFIXES = ("body", "data", "attributes", "profile", "$")


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What could be read from an error body.

    ``message``: the API's message, one line; ``fields``: API field name → the API's
    message for it; ``code``: the API's own error code (e.g. ``validation_error``);
    ``text``: the whole readable text, lower case, for matching phrases.
    """

    message: str | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    code: str | None = None
    text: str = ""

    def mentions(self, *phrases: str) -> bool:
        """Whether the body says any of ``phrases`` (lower case)."""
        return any(phrase in self.text for phrase in phrases)


def clean(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """One line without control characters, at most ``limit`` characters."""
    text = _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def read_error_body(content: bytes, content_type: str | None = None) -> ErrorBody:
    """Read ``content`` (an error response's body) without trusting its shape."""
    content = content[:MAX_BODY_BYTES]
    text = content.decode("utf-8", errors="replace").lstrip("\ufeff")
    if text.count("\ufffd") > max(8, len(text) // 20):
        return ErrorBody()  # not text
    stripped = text.strip()
    if not stripped:
        return ErrorBody()
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if stripped[:1] in "{[" or media == "application/json" or media.endswith("+json"):
        try:
            data = json.loads(stripped)
        except ValueError:
            # cut short or broken JSON: show none of it
            return ErrorBody(text=stripped.lower())
        return _from_json(data, stripped.lower())
    if media == "text/html" or stripped[:15].lower().startswith(("<!doctype", "<html")):
        match = _TITLE.search(content)
        title = match and clean(html.unescape(
            _TAG.sub(" ", match.group(1).decode("utf-8", errors="replace"))
        ))
        return ErrorBody(message=title or None, text=_TAG.sub(" ", stripped).lower())
    first_line = next((line for line in stripped.splitlines() if line.strip()), "")
    return ErrorBody(message=clean(first_line) or None, text=stripped.lower())


def _from_json(data: object, text: str) -> ErrorBody:
    if isinstance(data, list):
        return ErrorBody(fields=MappingProxyType(_fields(data)), text=text)
    if isinstance(data, str):
        return ErrorBody(message=clean(data) or None, text=text)
    if not isinstance(data, dict):
        return ErrorBody(text=text)
    nested = data.get("error")
    if isinstance(nested, dict):
        inner = _from_json(nested, text)
        outer = _from_json({k: v for k, v in data.items() if k != "error"}, text)
        return ErrorBody(
            message=inner.message or outer.message,
            fields=inner.fields or outer.fields,
            code=inner.code or outer.code,
            text=text,
        )
    message = next(
        (clean(v) for k in _MESSAGE_KEYS if isinstance(v := data.get(k), str) and v.strip()),
        None,
    )
    code = next(
        (clean(v, 60) for k in ("code", "error", "type") if isinstance(v := data.get(k), str)),
        None,
    )
    if code is not None and " " in code:
        code = None  # a sentence, not a code
    fields: dict[str, str] = {}
    for key in _FIELD_CONTAINERS:
        container = data.get(key)
        if isinstance(container, dict | list):
            fields = _fields(container)
            if fields:
                break
    return ErrorBody(message=message, fields=MappingProxyType(fields), code=code, text=text)


def _fields(container: Mapping[object, object] | list[object]) -> dict[str, str]:
    pairs: Iterable[tuple[object, object]]
    if isinstance(container, Mapping):
        pairs = container.items()
    else:
        pairs = ((_item_name(item), item) for item in container if isinstance(item, dict))
    fields: dict[str, str] = {}
    for raw_name, raw_message in pairs:
        name = _field_name(raw_name)
        message = _field_message(raw_message)
        if name and message and name not in fields:
            fields[name] = message
            if len(fields) >= MAX_FIELDS:
                break
    return fields


def _item_name(item: Mapping[object, object]) -> object:
    for key in _NAME_KEYS:
        value = item.get(key)
        if isinstance(value, dict):  # JSON:API {"source": {"pointer": "/data/attributes/x"}}
            value = value.get("pointer") or value.get("parameter")
        if value is not None and value != "":
            return value
    return None


def _field_name(raw: object) -> str | None:
    if isinstance(raw, list):  # FastAPI/pydantic: ["body", "email"]
        parts = [str(p) for p in raw if isinstance(p, str | int) and not isinstance(p, bool)]
    elif isinstance(raw, str):
        parts = [p for p in re.split(r"[/.]", raw.strip()) if p]  # "/email", "body.email"
    else:
        return None
    while len(parts) > 1 and parts[0].lower() in _BODY_PREFIXES:
        parts = parts[1:]
    name = clean(".".join(parts), _MAX_FIELD_NAME)
    return name or None


def _field_message(raw: object) -> str | None:
    if isinstance(raw, str):
        return clean(raw) or None
    if isinstance(raw, list):
        texts = [m for item in raw if (m := _field_message(item))]
        return clean("; ".join(texts)) if texts else None
    if isinstance(raw, dict):
        for key in _TEXT_KEYS:
            value = raw.get(key)
            if isinstance(value, str) and value.strip():
                return clean(value)
    return None
