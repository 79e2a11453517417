"""The group probe: which row may go out next.

Until the API has accepted one request (the key is *proven*), one request is in
flight at a time, so a refused key costs one request.  After that, the first row
of each group not yet proven goes out alone before the rest of its group (a refused
group costs one request), beside the rows of groups already proven.  A group is
proven by a created profile; a probe that proves nothing (a 400, an unknown
outcome) hands the probe to the group's next row.

:class:`GroupBook` is what a sender knows across batches; :class:`BatchPlan` the
queues of one batch.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Final

from aniva_import.problems import ProblemCode

#: :meth:`BatchPlan.pick` when every row left waits for an answer in flight
WAIT: Final = -1


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a group's rows fail without a request."""

    code: ProblemCode
    status: int
    message: str


class GroupBook:
    def __init__(self) -> None:
        self.key_proven = False
        self._proven: set[str] = set()
        self._refused: dict[str, Refusal] = {}

    def proven(self, group: str) -> bool:
        return group in self._proven

    def refusal(self, group: str) -> Refusal | None:
        return self._refused.get(group)

    def prove(self, group: str) -> None:
        self.key_proven = True
        self._proven.add(group)
        self._refused.pop(group, None)

    def refuse(self, group: str, refusal: Refusal) -> None:
        self._proven.discard(group)
        self._refused[group] = refusal


class BatchPlan:
    def __init__(self, book: GroupBook) -> None:
        self._book = book
        self._queues: dict[str, deque[int]] = {}
        self._to_probe: dict[str, None] = {}  # ordered set: unproven groups, no probe out
        self._ready: dict[str, None] = {}  # proven groups with rows queued
        self._probing: set[str] = set()
        #: groups whose probe got a 403 that names neither scope nor group → the probe row
        self.doubtful: dict[str, int] = {}
        self.in_flight = 0
        self._changed = asyncio.Event()

    def add(self, index: int, group: str) -> None:
        queue = self._queues.get(group)
        if queue is None:
            queue = self._queues[group] = deque()
        queue.append(index)
        self._enqueue(group)

    def _enqueue(self, group: str) -> None:
        if not self._queues.get(group) or group in self.doubtful:
            return
        if self._book.proven(group):
            self._ready[group] = None
        elif group not in self._probing:
            self._to_probe[group] = None

    def pick(self) -> int | None:
        """The index of the next row to send, :data:`WAIT`, or None when none is left."""
        if self._to_probe and (self._book.key_proven or not self.in_flight):
            group = next(iter(self._to_probe))
            del self._to_probe[group]
            self._probing.add(group)
            return self._take(group)
        if self._book.key_proven and self._ready:
            group = next(iter(self._ready))
            index = self._take(group)
            if not self._queues[group]:
                del self._ready[group]
            return index
        return WAIT if self.in_flight else None

    def _take(self, group: str) -> int:
        self.in_flight += 1
        return self._queues[group].popleft()

    def finished(self, group: str) -> None:
        """A row of ``group`` is settled (call after updating the book)."""
        self.in_flight -= 1
        self._probing.discard(group)
        self._enqueue(group)
        self._changed.set()
        self._changed = asyncio.Event()

    def doubt(self, group: str, index: int) -> None:
        """The probe ``index`` of ``group`` got a 403 that does not say why: hold the group."""
        self.doubtful[group] = index
        self._to_probe.pop(group, None)

    def drop(self, group: str) -> list[int]:
        """Take every queued row of ``group`` out (the group is refused)."""
        queue = self._queues.pop(group, deque())
        self._to_probe.pop(group, None)
        self._ready.pop(group, None)
        self.doubtful.pop(group, None)
        return list(queue)

    def remaining(self) -> list[int]:
        """Indices still queued (left unsent when the batch ends early)."""
        return [index for queue in self._queues.values() for index in queue]

    async def changed(self) -> None:
        """Wait until some row is settled."""
        await self._changed.wait()
