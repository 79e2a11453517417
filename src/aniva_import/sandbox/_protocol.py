"""uvicorn's h11 protocol with a deadline for receiving each request.

uvicorn has no such timeout (its ``timeout_keep_alive`` runs only between
requests, every byte received cancels it, and a new connection that sends
nothing has no timer at all), so an idle or slowly trickling connection would
stay open for ever.  Here a client has ``request_timeout`` seconds, from opening
the connection or from the previous response, to send a complete request, head
and body; otherwise the connection is closed without a response.  The deadline
ends once the request has arrived, and waits while the sandbox itself has stopped
reading (a body it has not taken yet): a slow *response* (latency faults) is never cut.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: h11 states of the client while its request is still arriving
_RECEIVING: Final = (h11.IDLE, h11.SEND_BODY)


class DeadlineH11Protocol(H11Protocol):
    """:class:`H11Protocol` that closes a connection whose request is not complete
    ``request_timeout`` seconds after it could start (use :func:`with_deadline`)."""

    request_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _settle(self) -> None:
        """Stop the clock once the request is in (or the connection is going)."""
        if self.transport.is_closing() or self.conn.their_state not in _RECEIVING:
            self._disarm()

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state not in _RECEIVING:
            return
        if self.flow is not None and self.flow.read_paused:
            # the app has not taken the body buffered so far (e.g. during a latency
            # fault): the client is waiting for us, not we for it
            self._arm()
            return
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._settle()

    def on_response_complete(self) -> None:
        self._arm()  # the next request may start now; a pipelined one may already be in
        super().on_response_complete()
        self._settle()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def with_deadline(request_timeout: float) -> type[DeadlineH11Protocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``."""
    return type(
        "DeadlineH11Protocol", (DeadlineH11Protocol,), {"request_timeout": request_timeout}
    )
