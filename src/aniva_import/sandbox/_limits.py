"""How much the sandbox takes from one client: body sizes, JSON depth, time to send a request.

The defaults are far above anything ``aniva-import`` sends (a profile body is well
under 1 KiB, a fault body under 1 KiB) and far below what would let one client
tie the sandbox up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

KIB: Final = 1024
MIB: Final = 1024 * KIB


@dataclass(frozen=True)
class Limits:
    """Caps on what a client may send.

    ``profile_body_bytes`` / ``faults_body_bytes``: the largest request body of
    ``POST /api/v1/profiles`` / ``POST /_sandbox/faults``; a larger one is answered
    413 as soon as its ``Content-Length`` (or, for a chunked body, the bytes read so
    far) shows it, and the rest is not read.  ``max_json_depth``: the deepest
    nesting of arrays and objects a JSON body may have (400 beyond).
    ``request_timeout``: seconds a client has, from opening the connection (or
    from the previous response), to send a whole request, head and body; then the
    connection is closed without a response.  ``keep_alive_timeout``: seconds an
    idle kept-alive connection stays open.  ``max_head_bytes``: the largest request
    line plus headers: 431 beyond (and h11 answers 400 to a head still incomplete
    past it, so a trickled head is not buffered without end either).
    """

    profile_body_bytes: int = 1 * MIB
    faults_body_bytes: int = 64 * KIB
    max_json_depth: int = 32
    request_timeout: float = 10.0
    keep_alive_timeout: int = 5
    max_head_bytes: int = 16 * KIB

    def __post_init__(self) -> None:
        for name in ("profile_body_bytes", "faults_body_bytes", "max_json_depth",
                     "keep_alive_timeout", "max_head_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer")
        timeout = self.request_timeout
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (
            0 < timeout <= 3600
        ):
            raise ValueError("request_timeout must be between 0 and 3600 seconds")
