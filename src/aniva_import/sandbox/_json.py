"""JSON in and out of the sandbox, so that neither direction can fail.

In: :func:`loads` refuses ``NaN``/``Infinity`` and bodies nested deeper than a
limit *before* parsing (so no ``RecursionError`` can arise, whatever the body).
Out: :class:`JsonResponse` renders like Starlette's ``JSONResponse`` (UTF-8,
compact), and falls back to ASCII escapes (and ``null`` for non-finite numbers)
instead of raising when a value cannot be encoded, e.g. text with a lone
surrogate read from an SQLite store written by an older sandbox.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any, Final

from starlette.responses import Response

#: a JSON string, or an unterminated one up to the end (so the scan stays linear)
_STRING_RE: Final = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKETS: Final = bytes(b for b in range(256) if b not in b"[]{}")
_STEP: Final = [0] * 256
for _open in b"[{":
    _STEP[_open] = 1
for _close in b"]}":
    _STEP[_close] = -1


class JsonError(ValueError):
    """The bytes are not JSON we accept; the message says why, never what they hold."""


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw``, brackets inside strings
    not counted.  For bytes that are not JSON it is never below the depth the parser
    would reach before it fails.  Linear in ``len(raw)``."""
    brackets = _STRING_RE.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _reject_constant(name: str) -> object:
    raise JsonError(f"The request body contains {name}, which is not valid JSON.")


def loads(raw: bytes, max_depth: int) -> object:
    """Parse a request body; JsonError if it is not JSON or nests deeper than ``max_depth``."""
    if raw.count(b"[") + raw.count(b"{") > max_depth and nesting_depth(raw) > max_depth:
        raise JsonError(f"The request body nests arrays or objects deeper than {max_depth}.")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except JsonError:
        raise
    except (ValueError, RecursionError):  # RecursionError: cannot happen below the limit
        raise JsonError("The request body is not valid JSON (UTF-8).") from None


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps(content: Any) -> bytes:
    """Compact UTF-8 JSON; never raises for str, number, bool, None, list and dict values."""
    try:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError):
        return json.dumps(
            _finite(content), ensure_ascii=True, allow_nan=False, separators=(",", ":"),
            default=str,
        ).encode("ascii")


class JsonResponse(Response):
    """A JSON response whose rendering cannot fail (see :func:`dumps`)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
