"""The settings of one run, decided before it starts, and the API key that never shows.

The library never reads environment variables or argv: the CLI (or a caller) builds
a frozen :class:`Settings` and hands it over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "https://anivahealth.com/api/v1"


class ApiKey:
    """An API key that never shows itself in ``repr``, ``str``, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise ValueError("the API key is empty")
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the one header that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("ApiKey", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an ApiKey is never pickled")


@dataclass(frozen=True)
class Settings:
    """Everything one run needs."""

    input: Path
    dry_run: bool = False
    group: str | None = None
    mapping: Path | None = None
    phone_region: str | None = None
    sheet: str | None = None
    #: a text file's encoding, when its detection stays uncertain (``--encoding``)
    encoding: str | None = None
    results: Path | None = None
    api_url: str = DEFAULT_API_URL
    api_key: ApiKey | None = field(default=None, repr=False)
    #: the proxy to reach the API through (the CLI reads it from the environment); may
    #: hold a password, so never shown
    proxy: str | None = field(default=None, repr=False)
    #: the API the ledger records this run's patients under (default: ``api_url``); a
    #: sandbox on whatever port is one API
    ledger_api: str | None = None
    rate: float | None = None
    concurrency: int = 4
    state: Path | None = None
    summary_json: Path | None = None
    #: processes used to normalise and validate (1 = in this process)
    workers: int = 1
    #: rows per chunk read from the file (memory stays bounded by this)
    chunk_rows: int = 10_000
    #: show a progress bar on stderr
    progress: bool = False
    #: use the fast paths (e-mail, phone, rules judged per distinct value); False: the
    #: libraries alone, e.g. to check a library upgrade (the answers are the same)
    fast_paths: bool = True
    #: send again the rows an earlier run left ``unknown`` (the user checked in Aniva
    #: that they were not created)
    resend_unknown: bool = False
    #: rows sent between two commits of the ledger
    send_batch_rows: int = 250
    #: seconds to wait for the API's answer to one request (past it the row is unknown)
    request_timeout: float = 30.0
    #: replace an existing results file even when it is not ours or was edited
    overwrite: bool = False
    #: CSV results: also write the values to be sent (``x.values.csv``); a workbook's
    #: results always have them on a second sheet
    show_values: bool = False
    #: the column to take phone numbers from when several look like a phone column
    phone_column: str | None = None
