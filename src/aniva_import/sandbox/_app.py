"""The sandbox as a Starlette app: ``POST /api/v1/profiles`` plus sandbox-only endpoints.

Order of checks on ``POST /api/v1/profiles`` (our assumption; documented in the
OpenAPI description): injected faults (drop before processing, 429, latency,
5xx) → 401 unknown or missing key → 403 key without ``CREATE_USER`` → 400 body
not JSON / fixed group error fault → 400 validation → 404 unknown group →
403 group outside the key's access context → 201 (then, maybe, drop after storing).

Nothing here logs request bodies or keys.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from aniva_import.sandbox._config import API_PREFIX, SandboxConfig, default_config
from aniva_import.sandbox._faults import Faults, FaultState
from aniva_import.sandbox._store import MemoryStore, ProfileStore, Stats
from aniva_import.sandbox._validation import BodyError, parse_body, validate_profile

_RAW_SEND = "aniva_import.sandbox.raw_send"
_ERROR_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class Clock:
    """Time as the sandbox sees it; tests inject their own."""

    today: Callable[[], dt.date] = _utc_today
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class ConnectionDropped(Exception):
    """Raised when a connection should be dropped but the server gives no transport
    to close (e.g. under Starlette's TestClient)."""


@dataclass
class SandboxState:
    """Everything one running sandbox holds; ``app.state.sandbox``."""

    config: SandboxConfig
    initial_faults: Faults
    store: ProfileStore
    clock: Clock
    faults: FaultState = field(init=False)
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        self.faults = FaultState(self.initial_faults)
        self.keys = self.config.lookup()

    def reset(self) -> None:
        self.store.clear()
        self.stats.reset()
        self.faults.set(self.initial_faults)


def error_body(status: int, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    code = _ERROR_CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
    body: dict[str, Any] = {"error": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return body


class SandboxApp(Starlette):
    """Starlette that remembers the server's own ``send`` so a handler can drop
    the connection (uvicorn's ``send`` is bound to the request cycle, which holds
    the transport)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_RAW_SEND] = send
        await super().__call__(scope, receive, send)


async def _drop_connection(request: Request) -> Response:
    """Close the connection without any response (uvicorn); the client sees the
    server disconnect (httpx: ``RemoteProtocolError``)."""
    send = request.scope.get(_RAW_SEND)
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionDropped("connection dropped by the sandbox")
    transport.abort()
    for _ in range(3):  # let uvicorn see the connection is gone, so it sends nothing
        await asyncio.sleep(0)
    return Response(status_code=204)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _profiles_endpoint(state: SandboxState) -> Callable[[Request], Awaitable[Response]]:
    def respond(
        status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Response:
        state.stats.status(status)
        return JSONResponse(body, status_code=status, headers=headers)

    def fail(status: int, message: str, fields: dict[str, str] | None = None) -> Response:
        headers = {"Retry-After": "1"} if status == 429 else None
        return respond(status, error_body(status, message, fields), headers)

    async def create_profile(request: Request) -> Response:
        clock, faults = state.clock, state.faults
        now = clock.monotonic()
        state.stats.request(now)
        raw = await request.body()
        if faults.drop_before():
            state.stats.dropped(after_store=False)
            return await _drop_connection(request)
        retry_after = faults.retry_after(now, clock.wall())
        if retry_after is not None:
            return respond(
                429,
                error_body(429, "Too many requests; retry after the time in Retry-After."),
                {"Retry-After": retry_after},
            )
        if faults.latency_seconds > 0:
            await clock.sleep(faults.latency_seconds)
        injected = faults.random_error()
        if injected is not None:
            return fail(injected, "The sandbox injected this error (fault: error rate).")

        key = state.keys.get(request.headers.get("x-api-key", ""))
        if key is None:
            return fail(401, "The x-api-key header is missing or holds an unknown key.")
        if not key.can_create:
            return fail(403, "This API key lacks the CREATE_USER scope.")
        if not _is_json(request.headers.get("content-type", "")):
            return fail(400, "The Content-Type must be application/json.", {})
        try:
            body = parse_body(raw)
        except BodyError as error:
            return fail(400, str(error), {})
        group_status = faults.group_error(body.get("profile_group_slug"))
        if group_status is not None:
            return fail(group_status, "The sandbox injected this error (fault: group error).")
        profile, problems = validate_profile(body, clock.today())
        if problems:
            names = ", ".join(sorted(problems))
            return fail(400, f"One or more fields failed validation: {names}.", problems)
        slug = str(profile["profile_group_slug"])
        if slug not in state.config.groups:
            return fail(404, "The profile group does not exist.")
        if slug not in key.groups:
            return fail(403, "The profile group is outside this API key's access context.")

        created: dict[str, Any] = {"id": str(uuid.uuid4()), "handle": None}
        created.update((k, v) for k, v in profile.items() if k != "profile_group_slug")
        state.store.add({**created, "profile_group_slug": slug})
        if faults.drop_after():
            state.stats.dropped(after_store=True)
            return await _drop_connection(request)
        return respond(201, created)

    return create_profile


def _parse_faults(raw: bytes) -> Faults:
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise TypeError("the body must be a JSON object of fault settings")
    return Faults.from_json(data)


def _openapi_document() -> bytes:
    return resources.files("aniva_import").joinpath("data/openapi.json").read_bytes()


def create_app(
    config: SandboxConfig | None = None,
    faults: Faults | None = None,
    store: ProfileStore | None = None,
    clock: Clock | None = None,
) -> Starlette:
    """The sandbox ASGI app.  ``app.state.sandbox`` is its :class:`SandboxState`."""
    state = SandboxState(
        config=config or default_config(),
        initial_faults=faults or Faults(),
        store=store if store is not None else MemoryStore(),
        clock=clock or Clock(),
    )
    openapi = _openapi_document()

    async def openapi_json(request: Request) -> Response:
        return Response(openapi, media_type="application/json")

    async def list_profiles(request: Request) -> Response:
        profiles = state.store.list()
        return JSONResponse({"count": len(profiles), "profiles": profiles})

    async def stats(request: Request) -> Response:
        return JSONResponse({**state.stats.snapshot(), "stored": state.store.count()})

    async def get_faults(request: Request) -> Response:
        return JSONResponse(state.faults.faults.to_json())

    async def set_faults(request: Request) -> Response:
        try:
            new = _parse_faults(await request.body())
        except (ValueError, TypeError) as error:
            return JSONResponse(error_body(400, f"Bad fault settings: {error}.", {}), 400)
        state.faults.set(new)
        return JSONResponse(new.to_json())

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = getattr(exc, "headers", None)
        return JSONResponse(error_body(status, HTTPStatus(status).phrase + "."), status, headers)

    app = SandboxApp(
        routes=[
            Route(f"{API_PREFIX}/profiles", _profiles_endpoint(state), methods=["POST"]),
            Route("/openapi.json", openapi_json, methods=["GET"]),
            Route("/_sandbox/profiles", list_profiles, methods=["GET"]),
            Route("/_sandbox/stats", stats, methods=["GET"]),
            Route("/_sandbox/faults", get_faults, methods=["GET"]),
            Route("/_sandbox/faults", set_faults, methods=["POST"]),
            Route("/_sandbox/reset", reset, methods=["POST"]),
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.sandbox = state
    return app
