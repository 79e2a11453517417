"""Values shared by every stage: settings, row problems, statuses.

Kept free of heavy imports so ``aniva-import --help`` stays fast.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "https://anivahealth.com/api/v1"


class Status(enum.StrEnum):
    """The status of one input row in the results file (see PRODUCT.md)."""

    VALID = "valid"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    CREATED = "created"
    ALREADY_IMPORTED = "already_imported"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NOT_SENT = "not_sent"


#: Statuses that make a finished run exit 1 instead of 0.
PROBLEM_STATUSES = frozenset(
    {Status.INVALID, Status.DUPLICATE, Status.FAILED, Status.UNKNOWN, Status.NOT_SENT}
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one row, as data.

    ``row`` is the row number a spreadsheet program shows (header = 1),
    ``column`` the header as the user wrote it (or the field name when the
    column is missing altogether), ``code`` a stable machine-readable code and
    ``message`` a sentence a clinic admin understands.  Messages never repeat
    the cell's value: results files may be shared, terminals are logged.
    """

    row: int
    column: str
    code: str
    message: str
    field: str | None = None

    def render(self) -> str:
        """The text used in the results file's ``errors`` column."""
        if not self.column:
            return f"{self.message} [{self.code}]"
        return f"{self.column}: {self.message} [{self.code}]"


def column_letter(position: int) -> str:
    """Spreadsheet letter of a 0-based column position: 0 → A, 27 → AB."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based position of a spreadsheet column letter: A → 0, AB → 27."""
    position = 0
    for letter in letters:
        position = position * 26 + ord(letter) - 64
    return position - 1


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
    """Everything one run needs, decided before it starts.  The library never
    reads environment variables or argv: the CLI (or a caller) builds this."""

    input: Path
    dry_run: bool = False
    group: str | None = None
    mapping: Path | None = None
    phone_region: str | None = None
    sheet: str | None = None
    results: Path | None = None
    api_url: str = DEFAULT_API_URL
    api_key: ApiKey | None = field(default=None, repr=False)
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
