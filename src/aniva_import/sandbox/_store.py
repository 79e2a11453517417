"""Where the sandbox keeps created profiles, and its counters.

Profiles live in memory by default, or in an SQLite file that survives restarts
(created readable by the owner only: it holds patient-like data).  Counters are
per process: requests, created, drops, per-status counts (every response of the
profiles endpoint, and every 5xx of any endpoint) and the peak number of requests
in any one-second window.  Everything is thread-safe.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import Protocol

JsonObject = dict[str, object]


class ProfileStore(Protocol):
    """Created profiles, in creation order."""

    def add(self, profile: JsonObject) -> None: ...

    def list(self) -> list[JsonObject]: ...

    def count(self) -> int: ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


class MemoryStore:
    """Profiles in a list; gone when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._profiles: list[JsonObject] = []

    def add(self, profile: JsonObject) -> None:
        with self._lock:
            self._profiles.append(dict(profile))

    def list(self) -> list[JsonObject]:
        with self._lock:
            return [dict(profile) for profile in self._profiles]

    def count(self) -> int:
        with self._lock:
            return len(self._profiles)

    def clear(self) -> None:
        with self._lock:
            self._profiles.clear()

    def close(self) -> None:
        pass


class SqliteStore:
    """Profiles in an SQLite file, one JSON document a row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            # create it owner-only before SQLite opens it
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS profiles ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)"
        )

    def add(self, profile: JsonObject) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO profiles (id, body) VALUES (?, ?)",
                (str(profile["id"]), json.dumps(profile)),
            )

    def list(self) -> list[JsonObject]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM profiles ORDER BY seq").fetchall()
        return [json.loads(body) for (body,) in rows]

    def count(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM profiles").fetchone()
        return int(count)

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM profiles")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_store(path: Path | None) -> MemoryStore | SqliteStore:
    """An SQLite store at ``path``, or an in-memory one."""
    return MemoryStore() if path is None else SqliteStore(path)


class Stats:
    """Counters of the profiles endpoint since start (or the last reset); the
    per-status counts also take every 5xx the sandbox sends on other paths."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._created = 0
            self._dropped_before = 0
            self._dropped_after = 0
            self._statuses: Counter[int] = Counter()
            self._window = -1
            self._in_window = 0
            self._peak = 0

    def request(self, monotonic: float) -> None:
        """Count a request arriving at ``monotonic`` seconds (1-second windows)."""
        window = math.floor(monotonic)
        with self._lock:
            self._requests += 1
            if window != self._window:
                self._window, self._in_window = window, 0
            self._in_window += 1
            self._peak = max(self._peak, self._in_window)

    def status(self, status: int) -> None:
        with self._lock:
            self._statuses[status] += 1
            if status == 201:
                self._created += 1

    def dropped(self, *, after_store: bool) -> None:
        with self._lock:
            if after_store:
                self._dropped_after += 1
                self._created += 1
            else:
                self._dropped_before += 1

    def snapshot(self) -> JsonObject:
        with self._lock:
            return {
                "requests": self._requests,
                "created": self._created,
                "dropped_before": self._dropped_before,
                "dropped_after": self._dropped_after,
                "by_status": {str(k): v for k, v in sorted(self._statuses.items())},
                "peak_requests_per_second": self._peak,
            }
