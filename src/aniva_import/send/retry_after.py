"""Read a ``Retry-After`` header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).

The wall clock is a parameter (an HTTP-date is wall time, not monotonic time), so
tests give their own.  A value that cannot be read gives ``default`` instead of
failing the row: the API asked us to wait, we just cannot tell how long.
"""

from __future__ import annotations

import datetime as dt
import math
from email.utils import parsedate_to_datetime
from typing import Final

#: seconds waited when a Retry-After cannot be read (or a 429 has none)
DEFAULT_RETRY_AFTER: Final = 1.0


def parse_retry_after(
    value: str | None, *, now: float, default: float = DEFAULT_RETRY_AFTER
) -> float | None:
    """Seconds to wait from ``now`` (wall time, seconds since the epoch).

    ``None`` when there is no header; ``default`` when it cannot be read; 0 for a
    date in the past.  Large values are given back as they are: the caller decides
    how long it is willing to wait.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return default
    if text.isascii() and text.replace(".", "", 1).isdigit():
        seconds = float(text)
        return seconds if math.isfinite(seconds) else default
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return default
    if when.tzinfo is None:  # "-0000" or no zone: HTTP-dates are always UTC
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)
