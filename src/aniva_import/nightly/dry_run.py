"""The dry run of one inbox: what a live run would do, changing nothing.

It looks at the inbox as a live run would (the files in working/ it would resume
first, then the ready files, after the same settle time) and dry-runs each file in
place: no lock, no network, nothing moved, nothing written in the inbox folders
(the state is only read).  Results files go to a folder of the caller's, one
sub-folder per inbox.
"""

from __future__ import annotations

from pathlib import Path

from aniva_import.errors import Interrupted
from aniva_import.nightly.config import InboxConfig
from aniva_import.nightly.events import Emitter
from aniva_import.nightly.importing import JobOptions, attempt_import, file_settings
from aniva_import.nightly.inbox import ApiGate, InboxRun, count_rows
from aniva_import.nightly.outcome import FileOutcome
from aniva_import.nightly.scan import Sleep, scan_inbox
from aniva_import.nightly.state import StateError, content_hash
from aniva_import.pipeline import Clock


class DryInboxRun(InboxRun):
    """One inbox in a dry run; results files into ``dry_run_dir/<inbox name>/``."""

    def __init__(
        self,
        inbox: InboxConfig,
        options: JobOptions,
        *,
        clock: Clock,
        sleep: Sleep,
        log: Emitter,
        gate: ApiGate,
        dry_run_dir: Path,
    ) -> None:
        super().__init__(inbox, options, clock=clock, sleep=sleep, log=log, gate=gate)
        self.dry_run_dir = dry_run_dir
        self._names: set[str] = set()

    def _body(self) -> None:
        folders = self.folders
        try:
            self.state = self.store.load()
        except StateError as error:
            self.log.warning("state_unreadable", inbox=self.inbox.name, message=str(error))
        waiting = sorted(self.state.working.values(), key=lambda e: (e.taken_at, e.name))
        for entry in waiting:
            path = folders.working / entry.name
            if entry.destination is None and path.exists():
                self._dry_file(path, entry.original, taken_as=entry.name)
        scan = scan_inbox(folders.root, self.inbox.patterns,
                          settle_seconds=self.inbox.settle_seconds, sleep=self.sleep)
        for path in scan.ready:
            self._dry_file(path, path.name, taken_as=None)
        for left in scan.left:
            self._left(left.name, left.reason)

    def _dry_file(self, path: Path, original: str, *, taken_as: str | None) -> None:
        out = FileOutcome(self.inbox.name, original, "checked", taken_as=taken_as,
                          resumed=taken_as is not None)
        self.outcome.files.append(out)
        out.sha256 = content_hash(path)
        earlier = self.state.imported.get(out.sha256)
        if earlier is not None and earlier.name != taken_as:
            out.action, out.duplicate_of = "duplicate_content", earlier.name
            self.log.info("file_duplicate_content", inbox=self.inbox.name, file=original,
                          same_as=earlier.name, dry_run=True)
            return
        _, out.drift = self._drift(path, original)
        results = self._dry_results_path(path)
        settings = file_settings(self.inbox, self.options, path, results=results,
                                 summary=None, ledger=None)
        attempt = attempt_import(settings, self.clock)
        count_rows(out, attempt)
        if attempt.kind == "interrupted":
            out.exit_code, out.reason = 130, "interrupted"
            raise Interrupted(attempt.error or "Interrupted.")
        if attempt.kind == "failed":
            out.action, out.exit_code = "failed", 2
        elif attempt.kind != "finished":
            out.action, out.exit_code = "error", 2
        if results.exists():
            out.results_file = str(results)
        self.log.info("file_checked", inbox=self.inbox.name, file=original,
                      action=out.action, exit_code=out.exit_code, rows=dict(out.rows),
                      message=out.error)

    def _dry_results_path(self, path: Path) -> Path:
        folder = self.dry_run_dir / self.inbox.name
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = self.folders.results_name(path.name)
        stem, _, suffix = name.partition(".results.")
        candidate, n = name, 1
        while candidate in self._names:
            n += 1
            candidate = f"{stem}-{n}.results.{suffix}"
        self._names.add(candidate)
        return folder / candidate
