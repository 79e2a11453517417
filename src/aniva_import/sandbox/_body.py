"""Reading a request body with a cap, so that a large body is refused, not read.

A ``Content-Length`` above the cap is refused before anything is read; a body
without one (chunked) is read piece by piece and refused as soon as it passes
the cap.  Whoever refuses it answers 413; the gate then closes the connection, so
the rest of the body is never read either.
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(ValueError):
    """The request body is longer than the endpoint takes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes.")
        self.limit = limit


def has_body(headers: dict[bytes, bytes]) -> bool:
    """Whether a request with these (lower-case) headers sends a body."""
    length = headers.get(b"content-length")
    return b"transfer-encoding" in headers or (length is not None and length.strip() != b"0")


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body of ``request``, at most ``limit`` bytes, else BodyTooLarge."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and (
        len(declared) > len(str(limit)) or int(declared) > limit
    ):
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
