"""The sandbox as a Starlette app: ``POST /api/v1/profiles`` plus sandbox-only endpoints.

Before any route, the gate (:mod:`._gate`) answers 431 for a request head over
16 KiB, 421 for a ``Host`` that is not the sandbox's, and for ``/_sandbox/*`` 403
for a cross-origin write and (with ``--allow-remote``) 401 without a known key.

Order of checks on ``POST /api/v1/profiles`` (our assumption; documented in the
OpenAPI description): 431 head too large → 421 wrong ``Host`` → injected faults
(drop before processing, 429, 5xx) → 401 unknown or missing key → 403
key without ``CREATE_USER`` → 413 body over the cap (from ``Content-Length``
before reading, else while reading) → the latency fault (the request is received
whole, then processed slowly: a client that gives up meanwhile does not stop it
from being stored) → 400 body not JSON / fixed group error
fault → 400 validation → 404 unknown group → 403 group outside the key's access
context → 201 (then, maybe, drop after storing).  The body is read only after
the key checks; a response sent before it is read closes the connection, except
the injected 429 and 5xx, which read (and drop) a body within the cap first, as
a server that received it would.

Nothing here logs request bodies or keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from aniva_import.sandbox._access import Access
from aniva_import.sandbox._body import BodyTooLarge, read_body
from aniva_import.sandbox._config import API_PREFIX, SandboxConfig, SandboxKey, default_config
from aniva_import.sandbox._faults import Faults, FaultState
from aniva_import.sandbox._gate import DROPPED, RAW_SEND, ConnectionDropped, Gate
from aniva_import.sandbox._json import JsonError, JsonResponse, loads
from aniva_import.sandbox._limits import Limits
from aniva_import.sandbox._store import MemoryStore, ProfileStore, Stats
from aniva_import.sandbox._validation import BodyError, parse_body, validate_profile

__all__ = ["Clock", "ConnectionDropped", "SandboxState", "create_app", "error_body"]

_ERROR_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "body_too_large",
    415: "unsupported_media_type",
    421: "misdirected_request",
    431: "head_too_large",
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


@dataclass
class SandboxState:
    """Everything one running sandbox holds; ``app.state.sandbox``."""

    config: SandboxConfig
    initial_faults: Faults
    store: ProfileStore
    clock: Clock
    access: Access = field(default_factory=Access)
    limits: Limits = field(default_factory=Limits)
    faults: FaultState = field(init=False)
    stats: Stats = field(default_factory=Stats)
    keys: dict[str, SandboxKey] = field(init=False, repr=False)
    #: how many resets so far: a request that arrived before a reset (still in its
    #: latency, say, from a client that was killed) is not stored after it
    generation: int = 0

    def __post_init__(self) -> None:
        self.faults = FaultState(self.initial_faults)
        self.keys = self.config.lookup()

    def reset(self) -> None:
        self.generation += 1
        self.store.clear()
        self.stats.reset()
        self.faults.set(self.initial_faults)


def _code(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "error"
    return re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")


def error_body(status: int, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The sandbox's error body: a stable ``error`` code, a message, maybe ``fields``."""
    code = _ERROR_CODES.get(status) or _code(status)
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
            scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


async def _drop_connection(request: Request) -> Response:
    """Close the connection without any response (uvicorn); the client sees the
    server disconnect (httpx: ``RemoteProtocolError``)."""
    request.scope[DROPPED] = True
    send = request.scope.get(RAW_SEND)
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


def _fail(status: int, message: str, fields: dict[str, str] | None = None) -> Response:
    headers = {"Retry-After": "1"} if status == 429 else None
    return JsonResponse(error_body(status, message, fields), status, headers)


def _too_large(error: BodyTooLarge) -> Response:
    return _fail(413, f"{error} The sandbox does not read it.")


def _profiles_endpoint(state: SandboxState) -> Callable[[Request], Awaitable[Response]]:
    limit = state.limits.profile_body_bytes

    async def drain(request: Request) -> None:
        """Read the body an injected fault answers, as a server that got it would."""
        with contextlib.suppress(BodyTooLarge):  # then the gate closes the connection
            await read_body(request, limit)

    async def create_profile(request: Request) -> Response:
        clock, faults = state.clock, state.faults
        generation = state.generation
        if faults.drop_before():
            state.stats.dropped(after_store=False)
            return await _drop_connection(request)
        retry_after = faults.retry_after(clock.monotonic(), clock.wall())
        if retry_after is not None:
            await drain(request)
            return JsonResponse(
                error_body(429, "Too many requests; retry after the time in Retry-After."),
                429,
                {"Retry-After": retry_after},
            )
        injected = faults.random_error()
        if injected is not None:
            await drain(request)
            return _fail(injected, "The sandbox injected this error (fault: error rate).")

        key = state.keys.get(request.headers.get("x-api-key", ""))
        if key is None:
            return _fail(401, "The x-api-key header is missing or holds an unknown key.")
        if not key.can_create:
            return _fail(403, "This API key lacks the CREATE_USER scope.")
        try:
            raw = await read_body(request, limit)
        except BodyTooLarge as error:
            return _too_large(error)
        if faults.latency_seconds > 0:  # slow processing of a request received whole: a
            await clock.sleep(faults.latency_seconds)  # client that gives up meanwhile
            # leaves it to be processed (and stored), as a real server would
        if not _is_json(request.headers.get("content-type", "")):
            return _fail(400, "The Content-Type must be application/json.", {})
        try:
            body = parse_body(raw, state.limits.max_json_depth)
        except BodyError as error:
            return _fail(400, str(error), {})
        group_status = faults.group_error(body.get("profile_group_slug"))
        if group_status is not None:
            return _fail(group_status, "The sandbox injected this error (fault: group error).")
        profile, problems = validate_profile(body, clock.today())
        if problems:
            names = ", ".join(sorted(problems))
            return _fail(400, f"One or more fields failed validation: {names}.", problems)
        slug = str(profile["profile_group_slug"])
        if slug not in state.config.groups:
            return _fail(404, "The profile group does not exist.")
        if slug not in key.groups:
            return _fail(403, "The profile group is outside this API key's access context.")

        created: dict[str, Any] = {"id": str(uuid.uuid4()), "handle": None}
        created.update((k, v) for k, v in profile.items() if k != "profile_group_slug")
        if generation != state.generation:  # reset meanwhile: that sandbox is gone
            return await _drop_connection(request)
        state.store.add({**created, "profile_group_slug": slug})
        if faults.drop_after():
            state.stats.dropped(after_store=True)
            return await _drop_connection(request)
        return JsonResponse(created, 201)

    return create_profile


def _parse_faults(raw: bytes, max_depth: int) -> Faults:
    data = loads(raw or b"{}", max_depth)
    if not isinstance(data, dict):
        raise TypeError("the body must be a JSON object of fault settings")
    return Faults.from_json(data)


def _pointer(state: SandboxState, root: str) -> dict[str, Any]:
    """What ``GET /`` answers: what this is and where everything is."""
    key = " (x-api-key needed: --allow-remote)" if state.access.allow_remote else ""
    return {
        "service": "aniva-import sandbox",
        "about": "A local stand-in of the Aniva profiles API for rehearsals and tests, "
                 "with demo keys; not the real service.",
        "base_url": f"{root}{API_PREFIX}",
        "openapi": f"{root}/openapi.json",
        "endpoints": {
            f"POST {root}{API_PREFIX}/profiles": "create one profile (x-api-key, JSON body)",
            f"GET {root}/_sandbox/profiles": f"every stored profile{key}",
            f"GET {root}/_sandbox/stats": f"counters{key}",
            f"GET {root}/_sandbox/faults": f"the faults in force{key}",
            f"POST {root}/_sandbox/faults": f"replace the faults (JSON body){key}",
            f"POST {root}/_sandbox/reset": f"forget profiles and counters{key}",
            f"GET {root}/openapi.json": "the OpenAPI document of all of these",
        },
    }


def _openapi_document() -> bytes:
    return resources.files("aniva_import").joinpath("data/openapi.json").read_bytes()


def create_app(
    config: SandboxConfig | None = None,
    faults: Faults | None = None,
    store: ProfileStore | None = None,
    clock: Clock | None = None,
    *,
    access: Access | None = None,
    limits: Limits | None = None,
) -> Starlette:
    """The sandbox ASGI app.  ``app.state.sandbox`` is its :class:`SandboxState`.

    ``access``: the configured host and ``--allow-remote`` (default: loopback,
    127.0.0.1); ``limits``: body caps, JSON depth and timeouts (default
    :class:`Limits`; the server-side ones are applied by ``build_server``).
    """
    state = SandboxState(
        config=config or default_config(),
        initial_faults=faults or Faults(),
        store=store if store is not None else MemoryStore(),
        clock=clock or Clock(),
        access=access or Access(),
        limits=limits or Limits(),
    )
    openapi = _openapi_document()

    async def root(request: Request) -> Response:
        return JsonResponse(_pointer(state, f"http://{request.headers.get('host', '')}"))

    async def openapi_json(request: Request) -> Response:
        return Response(openapi, media_type="application/json")

    async def list_profiles(request: Request) -> Response:
        profiles = state.store.list()
        return JsonResponse({"count": len(profiles), "profiles": profiles})

    async def stats(request: Request) -> Response:
        return JsonResponse({**state.stats.snapshot(), "stored": state.store.count()})

    async def get_faults(request: Request) -> Response:
        return JsonResponse(state.faults.faults.to_json())

    async def set_faults(request: Request) -> Response:
        if not _is_json(request.headers.get("content-type", "")):
            return _fail(415, "Fault settings are a JSON object (Content-Type: application/json).")
        try:
            raw = await read_body(request, state.limits.faults_body_bytes)
        except BodyTooLarge as error:
            return _too_large(error)
        try:
            new = _parse_faults(raw, state.limits.max_json_depth)
        except JsonError as error:
            return _fail(400, f"Bad fault settings: {error}", {})
        except (ValueError, TypeError) as error:
            return _fail(400, f"Bad fault settings: {error}.", {})
        state.faults.set(new)
        return JsonResponse(new.to_json())

    async def reset(request: Request) -> Response:
        state.reset()
        return JsonResponse({"reset": True})

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = getattr(exc, "headers", None)
        return JsonResponse(error_body(status, HTTPStatus(status).phrase + "."), status, headers)

    app = SandboxApp(
        routes=[
            Route("/", root, methods=["GET"]),
            Route(f"{API_PREFIX}/profiles", _profiles_endpoint(state), methods=["POST"]),
            Route("/openapi.json", openapi_json, methods=["GET"]),
            Route("/_sandbox/profiles", list_profiles, methods=["GET"]),
            Route("/_sandbox/stats", stats, methods=["GET"]),
            Route("/_sandbox/faults", get_faults, methods=["GET"]),
            Route("/_sandbox/faults", set_faults, methods=["POST"]),
            Route("/_sandbox/reset", reset, methods=["POST"]),
        ],
        middleware=[Middleware(Gate, state=state, error_body=error_body)],
        exception_handlers={HTTPException: http_error, Exception: http_error},
    )
    app.state.sandbox = state
    return app
