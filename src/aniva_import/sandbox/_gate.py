"""What every request passes through, outside the routes: access checks, counting, last resort.

In order, for every HTTP request:

1. ``POST /api/v1/profiles`` is counted as a request (``/_sandbox/stats``).
2. 431 for a request head (request line and headers) over ``Limits.max_head_bytes``
   (h11 itself bounds only a head that arrives in pieces).
3. The access rules of :mod:`._access`: 421 for a ``Host`` that does not name the
   sandbox; for ``/_sandbox/*``, 403 for a cross-origin write, and with
   ``allow_remote`` 401 without a known key.
4. The routes.  Anything they raise is answered with a JSON 500 (if nothing was
   sent yet) and logged by exception type and place only (a message could hold
   patient data).

On the way out every response status of ``POST /api/v1/profiles``, and every 5xx
on any path, is counted; a response the client can no longer receive (dropped
connection, client gone) is not.  A response sent before the request body was
read carries ``Connection: close``: otherwise the server would go on reading the
body it has just refused.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aniva_import.sandbox._body import has_body
from aniva_import.sandbox._config import API_PREFIX
from aniva_import.sandbox._json import JsonResponse

if TYPE_CHECKING:
    from aniva_import.sandbox._app import SandboxState

PROFILES_PATH: Final = f"{API_PREFIX}/profiles"
INSPECTION_PREFIX: Final = "/_sandbox/"
#: scope keys: the server's own ``send`` (set by the app, to drop a connection), and
#: "this connection was dropped" (nothing is sent, nothing counted)
RAW_SEND: Final = "aniva_import.sandbox.raw_send"
DROPPED: Final = "aniva_import.sandbox.dropped"
_READS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_CLOSE: Final = (b"connection", b"close")

logger = logging.getLogger("aniva_import.sandbox")

ErrorBody = Callable[[int, str], dict[str, Any]]


class ConnectionDropped(Exception):
    """Raised when a connection should be dropped but the server gives no transport
    to close (e.g. under Starlette's TestClient)."""


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown place"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


class Gate:
    """ASGI middleware around the sandbox's Starlette app (see the module docstring)."""

    def __init__(self, app: ASGIApp, state: SandboxState, error_body: ErrorBody) -> None:
        self.app = app
        self.state = state
        self.error_body = error_body

    def _refusal(
        self, scope: Scope, headers: dict[bytes, bytes], duplicated: bool
    ) -> JsonResponse | None:
        raw_headers = scope["headers"]
        head_bytes = (
            len(scope["raw_path"]) + len(scope["query_string"]) + 4 * len(raw_headers)
            + sum(map(len, chain.from_iterable(raw_headers)))
        )
        if head_bytes > self.state.limits.max_head_bytes:
            return self._error(431, "The request head (request line and headers) is larger "
                                    f"than {self.state.limits.max_head_bytes} bytes.")
        access = self.state.access
        host = headers.get(b"host")
        host_text = None if host is None else host.decode("latin-1")
        if duplicated or not access.host_allowed(host_text, scope.get("server")):
            return self._error(421, "This server is the aniva-import sandbox; the Host header "
                                    "names another one (or none).")
        if not scope["path"].startswith(INSPECTION_PREFIX):
            return None
        origin = headers.get(b"origin")
        if scope["method"] not in _READS and not access.origin_allowed(
            None if origin is None else origin.decode("latin-1"), host_text or ""
        ):
            return self._error(403, "The sandbox takes writes to /_sandbox/ only from its own "
                                    "origin, not from another web page.")
        if access.allow_remote:
            key = headers.get(b"x-api-key", b"").decode("latin-1")
            if key not in self.state.keys:
                return self._error(401, "With --allow-remote the /_sandbox/ endpoints need a "
                                        "key the sandbox knows in the x-api-key header.")
        return None

    def _error(self, status: int, message: str) -> JsonResponse:
        return JsonResponse(self.error_body(status, message), status_code=status)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        counted = scope["path"] == PROFILES_PATH and scope["method"] == "POST"
        if counted:
            state.stats.request(state.clock.monotonic())
        headers: dict[bytes, bytes] = {}
        duplicated = False
        for name, value in scope["headers"]:
            if name in headers and name in (b"host", b"origin", b"x-api-key"):
                duplicated = True
            headers.setdefault(name, value)
        body_read = not has_body(headers)
        gone = False
        started = False

        async def receive_and_note() -> Message:
            nonlocal body_read, gone
            message = await receive()
            if message["type"] == "http.disconnect":
                gone = True
            elif not message.get("more_body", False):
                body_read = True
            return message

        async def count_and_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                if not gone and not scope.get(DROPPED) and (counted or status >= 500):
                    state.stats.status(status)
                if not body_read:
                    message = {**message, "headers": [*message.get("headers", ()), _CLOSE]}
            await send(message)

        try:
            refusal = self._refusal(scope, headers, duplicated)
            app: ASGIApp = self.app if refusal is None else refusal
            await app(scope, receive_and_note, count_and_send)
        except ClientDisconnect:
            return
        except ConnectionDropped:
            raise
        except Exception as error:  # noqa: BLE001 - the last resort: answer 500, log, go on
            if gone or scope.get(DROPPED):
                return
            logger.error(  # noqa: TRY400 - no traceback: its text could hold patient data
                "The sandbox failed on %s %s (%s at %s).",
                scope["method"], scope["path"], type(error).__name__, _where(error),
            )
            if not started:
                response = self._error(500, "The sandbox failed unexpectedly (its log says "
                                            "where).")
                await response(scope, receive_and_note, count_and_send)
