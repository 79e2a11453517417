"""One HTTP exchange: the row's body as JSON, one POST, the answer's body read (no
more than is useful), and the verdict on it (:mod:`.classify`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final

import httpx

from aniva_import.problems import ProblemCode
from aniva_import.send.classify import Action, Verdict, classify_exception, classify_response
from aniva_import.send.client import ProfilesEndpoint
from aniva_import.send.errors_body import MAX_BODY_BYTES
from aniva_import.send.outcome import SendRequest

#: bytes of a 201 body read (it holds the new profile; more is not a profile)
MAX_CREATED_BYTES: Final = 1024 * 1024


def encode(request: SendRequest) -> bytes | None:
    """The row's body as compact UTF-8 JSON; None when it is not JSON (NaN, objects)."""
    try:
        return json.dumps(
            dict(request.body), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()
    except (TypeError, ValueError):
        return None


async def exchange(
    endpoint: ProfilesEndpoint,
    request: SendRequest,
    payload: bytes,
    *,
    wall: Callable[[], float],
) -> Verdict:
    """POST ``payload`` for ``request``; what the answer (or its absence) means."""
    try:
        response = await endpoint.post(payload, request.idempotency_key)
    except httpx.HTTPError as error:
        return classify_exception(error)
    status = response.status_code
    created = status == 201  # only 201 Created means created (see .classify)
    try:
        limit = MAX_CREATED_BYTES if created else MAX_BODY_BYTES
        content = await read_capped(response, limit)
    except httpx.HTTPError:
        if created:  # only the id is lost
            return Verdict(Action.CREATED, ProblemCode.CREATED_WITHOUT_ID, status=status)
        content = b""
    finally:
        await response.aclose()
    return classify_response(status, response.headers, content, wall_now=wall())


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """At most ``limit`` bytes of the body (a huge body is not read to its end)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]
