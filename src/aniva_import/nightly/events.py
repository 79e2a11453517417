"""The job's log: one structured event per line.

Every event has a name (``file_taken``, ``header_drift``, …), a level and fields:
inbox names, file names, counts, problem codes, the pipeline's one-sentence errors
(which never hold cell values), never a cell value and never the API key.  Where
they go is the caller's choice (:class:`EventLog`): :class:`JsonLines` writes one
JSON object per line (for journald, cron mail, log shippers), :class:`PlainLines`
one readable line (for a person at a terminal), :class:`Recorder` keeps them (tests).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TextIO

Level = Literal["debug", "info", "warning", "error"]
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    level: Level
    fields: dict[str, Any] = field(default_factory=dict)


class EventLog(Protocol):
    def emit(self, event: Event) -> None: ...


def _utc(clock: Clock) -> str:
    return clock().astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class JsonLines:
    """``{"ts": …, "level": …, "event": …, <fields>}`` per line."""

    def __init__(self, stream: TextIO, clock: Clock) -> None:
        self.stream, self.clock = stream, clock

    def emit(self, event: Event) -> None:
        record = {"ts": _utc(self.clock), "level": event.level, "event": event.name,
                  **event.fields}
        self.stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self.stream.flush()


class PlainLines:
    """``02:00:05 warning header_drift inbox=berlin file=export.csv …`` per line."""

    def __init__(self, stream: TextIO, clock: Clock) -> None:
        self.stream, self.clock = stream, clock

    def emit(self, event: Event) -> None:
        moment = self.clock().astimezone().strftime("%H:%M:%S")
        parts = [moment, event.level, event.name]
        parts += [f"{key}={_plain(value)}" for key, value in event.fields.items()
                  if value is not None]
        self.stream.write(" ".join(parts) + "\n")
        self.stream.flush()


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value if value and " " not in value and "=" not in value else json.dumps(
            value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)


class Recorder:
    """Keeps every event (for tests)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]


class Emitter:
    """What the job calls: ``log.info("file_taken", inbox=…, file=…)``."""

    def __init__(self, sink: EventLog) -> None:
        self.sink = sink

    def _emit(self, level: Level, name: str, fields: dict[str, Any]) -> None:
        self.sink.emit(Event(name, level, fields))

    def info(self, name: str, **fields: Any) -> None:
        self._emit("info", name, fields)

    def warning(self, name: str, **fields: Any) -> None:
        self._emit("warning", name, fields)

    def error(self, name: str, **fields: Any) -> None:
        self._emit("error", name, fields)
