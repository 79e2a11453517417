"""The folders of one inbox, and the moves between them.

    <folder>/                 the clinic system drops its exports here
    <folder>/working/         a file taken for import, with its results and summary
                              while it is imported (and until it finishes, when the
                              API cut it short)
    <folder>/done/            imported: the file, its results file, its summary
    <folder>/failed/          could not be imported at all (exit 2): the file, its summary
    <folder>/.aniva-import/   the job's state: ledger.sqlite3, nightly.lock, state.json

A taken file gets a name of its own, ``<UTC time taken>-<its name>`` (e.g.
``20261125T020000Z-export.csv``), so tonight's ``export.csv`` never meets last
night's; its results file is ``<that stem>.results.csv`` (or ``.xlsx`` for a
workbook) and its summary ``<that stem>.summary.json``, beside it wherever it goes.
Every move is a ``rename`` inside the inbox folder (one file system): atomic, and
the clinic system's later writes to its own path never reach the taken file's
name.  The folders the job creates are the owner's alone (0700): they hold patient
data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from aniva_import.errors import AnivaImportError
from aniva_import.load import is_workbook
from aniva_import.results import default_results_path

STATE_DIR: Final = ".aniva-import"
WORKING: Final = "working"
DONE: Final = "done"
FAILED: Final = "failed"
#: the folders of an inbox that are never scanned for new files
RESERVED: Final = frozenset({STATE_DIR, WORKING, DONE, FAILED})

Destination = Literal["done", "failed"]


def stamp(moment: dt.datetime) -> str:
    """``20261125T020000Z``: the UTC time a file was taken, sortable."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class InboxFolders:
    """Where everything of one inbox lives."""

    root: Path

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def working(self) -> Path:
        return self.root / WORKING

    @property
    def done(self) -> Path:
        return self.root / DONE

    @property
    def failed(self) -> Path:
        return self.root / FAILED

    @property
    def ledger(self) -> Path:
        return self.state_dir / "ledger.sqlite3"

    @property
    def lock(self) -> Path:
        return self.state_dir / "nightly.lock"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    def folder(self, destination: Destination) -> Path:
        return self.done if destination == DONE else self.failed

    def ensure_state_dir(self) -> None:
        _mkdir(self.state_dir)

    def ensure(self) -> None:
        """Create the job's folders (owner-only) where they do not exist yet."""
        for path in (self.state_dir, self.working, self.done, self.failed):
            _mkdir(path)

    def results_name(self, name: str) -> str:
        path = Path(name)
        kind = "xlsx" if is_workbook(path) else "csv"
        return default_results_path(path, kind).name

    def summary_name(self, name: str) -> str:
        return f"{Path(name).stem}.summary.json"

    def companions(self, name: str) -> tuple[str, str]:
        """The results file and the summary of the taken file ``name``."""
        return self.results_name(name), self.summary_name(name)

    def new_name(self, original: str, moment: dt.datetime) -> str:
        """A name for a file taken now that no taken file, results file or summary in
        working/, done/ or failed/ already uses (a second ``export.csv`` in the same
        second, or ``export.csv`` beside ``export.txt``, gets ``-2``)."""
        base = stamp(moment)
        taken = self._names_in_use()
        stem = Path(original).stem
        for attempt in range(1, 10_000):
            prefix = base if attempt == 1 else f"{base}-{attempt}"
            name = f"{prefix}-{original}"
            # any file of that stem: its results file or summary would share our names
            if not any(each.startswith(f"{prefix}-{stem}.") for each in taken):
                return name
        raise AnivaImportError(f"No free name for {original} in {self.working}.")

    def _names_in_use(self) -> set[str]:
        names: set[str] = set()
        for folder in (self.working, self.done, self.failed):
            try:
                names.update(p.name for p in folder.iterdir())
            except FileNotFoundError:
                continue
        return names

    def take(self, source: Path, name: str) -> Path:
        """Move a new file from the inbox into working/ under ``name`` (atomic)."""
        target = self.working / name
        if target.exists():
            raise AnivaImportError(f"{target} exists already; not replaced.")
        source.rename(target)
        return target

    def move(self, name: str, destination: Destination, *, companions: bool = True) -> Path:
        """Move a taken file (its results file and summary first, then the file) from
        working/ to ``destination``.  Safe to repeat after a crash part-way: a file
        already moved is skipped.  Returns the file's new path."""
        folder = self.folder(destination)
        names = [*self.companions(name), name] if companions else [name]
        for each in names:
            source, target = self.working / each, folder / each
            if not source.exists():
                continue  # not written (a failed file has no results), or moved already
            if target.exists():
                raise AnivaImportError(f"{target} exists already; {source} was not moved.")
            source.rename(target)
        return folder / name

    def remove_partials(self) -> list[str]:
        """Delete the half-written temporary files (``.<name>.<random>.partial``) a
        killed run left in working/ and .aniva-import/ (they may hold patient data);
        only the job writes there, and it holds the lock.  Returns their names."""
        removed: list[str] = []
        for folder in (self.working, self.state_dir):
            try:
                entries = list(folder.iterdir())
            except FileNotFoundError:
                continue
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".partial"):
                    entry.unlink(missing_ok=True)
                    removed.append(entry.name)
        return removed


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if not path.is_dir():
            raise AnivaImportError(
                f"{path} is in the way: the job needs a folder of that name."
            ) from None
