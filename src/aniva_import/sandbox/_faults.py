"""Faults production will show that the API page does not document.

:class:`Faults` says what to inject; :class:`FaultState` decides, request by
request, whether to inject it.  Each kind of fault draws from its own seeded
``random.Random`` (seeded from ``Faults.seed`` and the fault's name), so a run
with the same seed and the same order of requests injects the same faults, and
switching one fault on does not change when another one fires.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from email.utils import formatdate
from types import MappingProxyType
from typing import Final, Literal

from aniva_import import rules

RetryAfterFormat = Literal["seconds", "http-date"]
RETRY_AFTER_FORMATS: Final = ("seconds", "http-date")
#: The statuses a fraction of requests fails with, unless told otherwise.
DEFAULT_ERROR_STATUSES: Final = (500, 502, 503, 504)
#: The rate limits that can be set, in requests per second.
RATE_LIMIT_RANGE: Final = (0.01, 1_000_000.0)
#: The statuses ``error_statuses`` may hold: the registered 5xx (all in ``http.HTTPStatus``).
ERROR_STATUSES: Final = (500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511)
#: The statuses ``group_errors`` may hold: the registered 4xx (all in ``http.HTTPStatus``)
#: and :data:`ERROR_STATUSES`.
GROUP_ERROR_STATUSES: Final = (
    400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416,
    417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, *ERROR_STATUSES,
)


def _fraction(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a fraction between 0 and 1")


@dataclass(frozen=True)
class Faults:
    """What the sandbox injects; the default injects nothing.

    ``rate_limit``: requests per second allowed (token bucket, bursts up to one
    second's worth); beyond it 429 with ``Retry-After`` in ``retry_after_format``.
    ``rate_limit`` is within :data:`RATE_LIMIT_RANGE`; statuses are registered ones
    (:data:`ERROR_STATUSES`, :data:`GROUP_ERROR_STATUSES`), so every setting accepted
    here can be served.
    ``latency_ms``: added to every profiles request.  ``error_rate``: fraction of
    requests answered with one of ``error_statuses`` (nothing stored).
    ``drop_before_rate``: fraction of connections closed without a response before
    the request is processed (nothing stored).  ``drop_after_rate``: fraction of
    successful requests whose profile is stored and whose connection is then closed
    without a response.  ``group_errors``: a fixed status for every request naming
    that group.  ``seed``: makes the random choices repeatable.
    """

    rate_limit: float | None = None
    retry_after_format: RetryAfterFormat = "seconds"
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = DEFAULT_ERROR_STATUSES
    drop_before_rate: float = 0.0
    drop_after_rate: float = 0.0
    group_errors: Mapping[str, int] = field(default_factory=dict)
    seed: int | None = None

    def __post_init__(self) -> None:
        low, high = RATE_LIMIT_RANGE
        if self.rate_limit is not None and (
            isinstance(self.rate_limit, bool)
            or not isinstance(self.rate_limit, int | float)
            or not low <= self.rate_limit <= high
        ):
            raise ValueError(
                f"rate_limit must be a number of requests per second from {low:g} to {high:g}"
            )
        if self.retry_after_format not in RETRY_AFTER_FORMATS:
            raise ValueError("retry_after_format must be 'seconds' or 'http-date'")
        if (
            isinstance(self.latency_ms, bool)
            or not isinstance(self.latency_ms, int | float)
            or not 0 <= self.latency_ms <= 600_000
        ):
            raise ValueError("latency_ms must be between 0 and 600000 milliseconds")
        _fraction("error_rate", self.error_rate)
        _fraction("drop_before_rate", self.drop_before_rate)
        _fraction("drop_after_rate", self.drop_after_rate)
        statuses = tuple(self.error_statuses)
        if not statuses or not all(_is_status(s, ERROR_STATUSES) for s in statuses):
            raise ValueError(
                "error_statuses must be one or more HTTP 5xx statuses, e.g. 500, 502, 503, 504"
            )
        object.__setattr__(self, "error_statuses", statuses)
        problem = "group_errors maps a group slug to an HTTP 4xx or 5xx status, e.g. 503"
        if not isinstance(self.group_errors, Mapping):
            raise TypeError(problem)
        for slug, status in self.group_errors.items():
            if not _is_slug(slug) or not _is_status(status, GROUP_ERROR_STATUSES):
                raise ValueError(problem)
        object.__setattr__(self, "group_errors", MappingProxyType(dict(self.group_errors)))
        seed = self.seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer")

    @property
    def active(self) -> bool:
        return self != Faults(seed=self.seed)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["error_statuses"] = list(self.error_statuses)
        data["group_errors"] = dict(self.group_errors)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Faults:
        """Faults from a JSON object (the test API); unknown or bad values raise ValueError."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        values = dict(data)
        for name, value in data.items():
            if value is None and name not in ("rate_limit", "seed"):
                raise ValueError(f"{name} cannot be null")
        statuses = values.get("error_statuses")
        if statuses is not None:
            if not isinstance(statuses, list):
                raise ValueError("error_statuses must be a list of statuses")
            values["error_statuses"] = tuple(statuses)
        groups = values.get("group_errors")
        if groups is not None and not isinstance(groups, dict):
            raise ValueError("group_errors must be an object of group slug to status")
        if values.get("rate_limit") is None:
            values.pop("rate_limit", None)
        return cls(**values)  # type: ignore[arg-type]

    def describe(self) -> str:
        """One line for the start banner."""
        parts: list[str] = []
        if self.rate_limit is not None:
            parts.append(
                f"rate limit {self.rate_limit:g}/s (Retry-After as {self.retry_after_format})"
            )
        if self.latency_ms:
            parts.append(f"latency {self.latency_ms:g} ms")
        if self.error_rate:
            codes = "/".join(str(s) for s in self.error_statuses)
            parts.append(f"{self.error_rate:.0%} errors ({codes})")
        if self.drop_before_rate:
            parts.append(f"{self.drop_before_rate:.0%} dropped before processing")
        if self.drop_after_rate:
            parts.append(f"{self.drop_after_rate:.0%} dropped after storing")
        for slug, status in sorted(self.group_errors.items()):
            parts.append(f"{status} for group {slug}")
        text = "; ".join(parts) or "none"
        return text if self.seed is None else f"{text} (seed {self.seed})"


def _is_status(value: object, known: tuple[int, ...]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in known


def _is_slug(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= rules.MAX_TEXT_LENGTH
        and rules.GROUP_SLUG_RE.fullmatch(value) is not None
    )


class FaultState:
    """The faults in force and the random streams and rate limiter behind them.

    Thread-safe: the test API may swap faults while requests are being served.
    """

    def __init__(self, faults: Faults) -> None:
        self._lock = threading.Lock()
        self.set(faults)

    def set(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._rngs = {
                name: random.Random(None if faults.seed is None else f"{faults.seed}/{name}")
                for name in ("drop_before", "error", "error_status", "drop_after")
            }
            self._tokens = faults.rate_limit or 0.0
            self._refilled_at: float | None = None

    def _roll(self, name: str, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rngs[name].random() < rate

    def drop_before(self) -> bool:
        return self._roll("drop_before", self.faults.drop_before_rate)

    def drop_after(self) -> bool:
        return self._roll("drop_after", self.faults.drop_after_rate)

    def random_error(self) -> int | None:
        faults = self.faults
        if not self._roll("error", faults.error_rate):
            return None
        with self._lock:
            return self._rngs["error_status"].choice(faults.error_statuses)

    def group_error(self, slug: object) -> int | None:
        return self.faults.group_errors.get(slug) if isinstance(slug, str) else None

    @property
    def latency_seconds(self) -> float:
        return self.faults.latency_ms / 1000

    def retry_after(self, monotonic: float, wall: float) -> str | None:
        """None when the request may go on; else the ``Retry-After`` header value.

        Token bucket: ``rate_limit`` tokens a second, at most one second's worth
        (and at least one) saved up.
        """
        rate = self.faults.rate_limit
        if rate is None:
            return None
        capacity = max(1.0, rate)
        with self._lock:
            if self._refilled_at is not None:
                elapsed = max(0.0, monotonic - self._refilled_at)
                self._tokens = min(capacity, self._tokens + elapsed * rate)
            else:
                self._tokens = capacity
            self._refilled_at = monotonic
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            wait = max(1, math.ceil((1.0 - self._tokens) / rate))
        if self.faults.retry_after_format == "http-date":
            return formatdate(math.ceil(wall) + wait, usegmt=True)
        return str(wait)
