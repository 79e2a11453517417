"""What the job remembers about one inbox (``.aniva-import/state.json``).

- ``imported``: the content-hash registry — the SHA-256 of every file that reached
  ``done/``, so the same bytes dropped again are not imported again.
- ``headers``: the header set of the last file that reached ``done/`` (the baseline
  of the header-drift alarm).
- ``working``: a journal of the files taken into ``working/``: when, under which
  name, and — once decided — where each goes (``done`` or ``failed``).  The job
  writes the decision before it moves anything, so a run killed part-way through
  the moves finishes them next time; a file whose import the API cut short stays
  here, undecided, and is resumed first next time.

The file holds file names, digests, times and column headers (of files whose header
row was recognised), never cell values; it is written owner-only and atomically,
and only by a run holding the inbox's lock.  A file that is not such a state is
refused (exit 2), never overwritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from aniva_import.errors import AnivaImportError
from aniva_import.files import write_private_text
from aniva_import.nightly.folders import Destination

_KIND: Final = "aniva-import nightly inbox state"
_VERSION: Final = 1


class StateError(AnivaImportError):
    """The inbox's state file cannot be used (exit 2; the inbox is left alone)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """A file whose import finished (it is in done/)."""

    sha256: str
    name: str
    original: str
    finished_at: str
    exit_code: int


@dataclass(frozen=True, slots=True)
class AcceptedHeaders:
    """The headers of the last file imported (the drift baseline)."""

    name: str
    original: str
    accepted_at: str
    headers: tuple[str, ...]


@dataclass(slots=True)
class WorkingEntry:
    """A file in working/."""

    name: str
    original: str
    taken_at: str
    sha256: str | None = None
    #: how many runs have started importing it (1 on the first)
    attempts: int = 0
    #: where it goes, once decided (the moves may still be pending)
    destination: Destination | None = None


@dataclass
class InboxState:
    imported: dict[str, ImportedFile] = field(default_factory=dict)
    headers: AcceptedHeaders | None = None
    working: dict[str, WorkingEntry] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": _KIND,
            "schema_version": _VERSION,
            "imported": [asdict(entry) for entry in self.imported.values()],
            "headers": None if self.headers is None else {
                **asdict(self.headers), "headers": list(self.headers.headers)
            },
            "working": [asdict(entry) for entry in self.working.values()],
        }

    @classmethod
    def from_json(cls, data: Any) -> InboxState:
        if not isinstance(data, dict) or data.get("kind") != _KIND:
            raise ValueError("not an aniva-import nightly state")
        if data.get("schema_version") != _VERSION:
            raise ValueError(f"state version {data.get('schema_version')!r} is not known")
        imported = [ImportedFile(**entry) for entry in data["imported"]]
        headers = data["headers"]
        working = [WorkingEntry(**entry) for entry in data["working"]]
        return cls(
            imported={entry.sha256: entry for entry in imported},
            headers=None if headers is None else AcceptedHeaders(
                **{**headers, "headers": tuple(str(h) for h in headers["headers"])}
            ),
            working={entry.name: entry for entry in working},
        )


class StateStore:
    """Loads and saves one inbox's state file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> InboxState:
        """The state (empty when the file does not exist yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return InboxState()
        except (OSError, UnicodeDecodeError) as error:
            raise StateError(f"The inbox state {self.path} cannot be read ({error}).") from None
        try:
            return InboxState.from_json(json.loads(text))
        except (ValueError, TypeError, KeyError) as error:
            raise StateError(
                f"The inbox state {self.path} is damaged or not an aniva-import state "
                f"({type(error).__name__}); it was left as it is and this inbox was not "
                "processed. Move it aside to start afresh (the ledger beside it still keeps "
                "every patient from being created twice)."
            ) from None

    def save(self, state: InboxState) -> None:
        write_private_text(self.path, json.dumps(state.to_json(), indent=1) + "\n")


def content_hash(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
