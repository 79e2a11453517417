"""What a nightly run did: per file, per inbox, for the whole run; and its exit code.

A file's ``action``:

==================  ================================================================
``imported``        imported to the end (exit 0 or 1); now in done/
``failed``          could not be imported at all (exit 2: unreadable, a required
                    column missing …); now in failed/ (dry run: would be)
``cut_short``       the API (or a stop) cut the import short (exit 3, or 2 when no
                    request reached the API, or 130); stays in working/, resumed
                    first next run — never failed
``left_for_later``  not taken this run (still being written, or the API had stopped
                    the run before it); stays where it is
``duplicate_content``  the same bytes as a file already imported; not imported again,
                    moved to done/ (dry run: would be)
``error``           an error of the job itself or of the disk (not of the file); the
                    file stays where it is
``checked``         dry run: checked (exit 0 or 1); nothing moved
==================  ================================================================

The run's exit code is the worst (highest) of its files' and inboxes' codes, with
130 when interrupted: ``0`` all fine, ``1`` some rows need attention, ``2`` a file
or inbox could not be processed at all (a failed file, a busy or broken inbox),
``3`` the API cut an import short, ``130`` interrupted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Final, Literal

from aniva_import.nightly.drift import Drift
from aniva_import.types import Status

FileAction = Literal[
    "imported", "failed", "cut_short", "left_for_later", "duplicate_content", "error",
    "checked",
]
InboxState = Literal["processed", "busy", "error"]

FILE_ACTIONS: Final[tuple[FileAction, ...]] = (
    "imported", "failed", "cut_short", "left_for_later", "duplicate_content", "error",
    "checked",
)
ROW_STATUSES: Final = tuple(s.value for s in Status)


@dataclass(frozen=True, slots=True)
class StopInfo:
    """Why the API stopped an import (a :class:`~aniva_import.send.StopReason`'s code
    and sentence)."""

    code: str
    message: str


@dataclass
class FileOutcome:
    inbox: str
    name: str
    action: FileAction
    exit_code: int = 0
    #: the name it was taken under (working/, done/, failed/)
    taken_as: str | None = None
    #: taken by an earlier run (resumed from working/)
    resumed: bool = False
    #: why it was left for later (a scan reason, or ``api_stopped``)
    reason: str | None = None
    sha256: str | None = None
    rows: Counter[str] = field(default_factory=Counter)
    drift: Drift | None = None
    moved_to: str | None = None
    results_file: str | None = None
    summary_file: str | None = None
    error: str | None = None
    stop: StopInfo | None = None
    duplicate_of: str | None = None


@dataclass
class InboxOutcome:
    name: str
    folder: str
    state: InboxState = "processed"
    error: str | None = None
    files: list[FileOutcome] = field(default_factory=list)
    #: what was found and repaired from a run that did not finish
    recovered: dict[str, object] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        own = 2 if self.state != "processed" else 0
        return max([own, *(f.exit_code for f in self.files)])

    def rows(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for each in self.files:
            total.update(each.rows)
        return total


@dataclass
class NightlyReport:
    mode: Literal["import", "dry_run"]
    config: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    inboxes: list[InboxOutcome] = field(default_factory=list)
    outcome: Literal["finished", "interrupted"] = "finished"
    #: the API stopped this run: the files not yet reached wait for the next
    api_stop: StopInfo | None = None
    #: a dry run: where its results files are (None: not kept)
    dry_run_results: str | None = None
    #: the summary or the metrics could not be written (exit 2 at least)
    output_error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.outcome == "interrupted":
            return 130
        own = 2 if self.output_error else 0
        return max([own, *(inbox.exit_code for inbox in self.inboxes)])

    @property
    def files(self) -> list[FileOutcome]:
        return [f for inbox in self.inboxes for f in inbox.files]

    def rows(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for inbox in self.inboxes:
            total.update(inbox.rows())
        return total

    @property
    def duration(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def file_counts(files: list[FileOutcome]) -> dict[str, int]:
    """``seen`` and one count per action; ``left_for_later`` also counts the files cut
    short (they too wait for the next run), ``cut_short`` those alone."""
    actions = Counter(f.action for f in files)
    counts: dict[str, int] = {"seen": len(files)}
    counts.update((a, actions[a]) for a in FILE_ACTIONS)
    counts["left_for_later"] += actions["cut_short"]
    counts["resumed"] = sum(1 for f in files if f.resumed)
    counts["header_drift"] = sum(1 for f in files if f.drift is not None)
    return counts
