"""One inbox, one run: lock, recover, resume, scan, take, import, move.

A live run, holding the inbox's lock throughout:

1. finish what a run that did not finish left: the moves it had decided (the
   state's journal), the half-written temporary files it left;
2. resume the files in working/ (those the API cut short), oldest first;
3. look at the inbox (:mod:`.scan`) and take each ready file, oldest first: write
   the journal entry, then move it into working/ under its own name;
4. per file: its content hash (the same bytes as a file already imported → done/,
   not imported again), its header drift against the last imported file, then the
   import (:mod:`.importing`); finished → done/ (its hash and headers remembered),
   failed → failed/, cut short → stays in working/.  Where a file goes is written
   to the state before it moves.

Once the API stops an import (down, key refused …), no further file is taken, in
this inbox or the next (:class:`ApiGate`); they wait for the next run where they
are.  The dry run is :class:`~aniva_import.nightly.dry_run.DryInboxRun`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from aniva_import.errors import AnivaImportError, Interrupted
from aniva_import.mapping import MappingFile, load_mapping_file
from aniva_import.nightly.config import InboxConfig
from aniva_import.nightly.drift import Drift, HeaderSet, compare, read_headers
from aniva_import.nightly.events import Emitter
from aniva_import.nightly.folders import Destination, InboxFolders
from aniva_import.nightly.importing import Attempt, JobOptions, attempt_import, file_settings
from aniva_import.nightly.lock import InboxBusy, InboxLock
from aniva_import.nightly.outcome import FileOutcome, InboxOutcome, StopInfo
from aniva_import.nightly.scan import Sleep, scan_inbox
from aniva_import.nightly.state import (
    AcceptedHeaders,
    ImportedFile,
    InboxState,
    StateStore,
    WorkingEntry,
    content_hash,
)
from aniva_import.pipeline import Clock
from aniva_import.problems import ProblemCode

#: stops that concern this inbox's files only (a 403 naming neither scope nor group);
#: every other stop concerns the API or the key, so every inbox
INBOX_STOPS = frozenset({ProblemCode.FORBIDDEN})


class ApiGate:
    """Shared by the inboxes of a run: once the API stopped an import, no file waits
    on it again this run."""

    def __init__(self) -> None:
        self.stop: StopInfo | None = None


def utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class InboxRun:
    """One inbox in one run; :meth:`run` fills :attr:`outcome`."""

    def __init__(
        self,
        inbox: InboxConfig,
        options: JobOptions,
        *,
        clock: Clock,
        sleep: Sleep,
        log: Emitter,
        gate: ApiGate,
    ) -> None:
        self.inbox, self.options = inbox, options
        self.clock, self.sleep, self.log, self.gate = clock, sleep, log, gate
        self.folders = InboxFolders(inbox.folder)
        self.store = StateStore(self.folders.state_file)
        self.state = InboxState()
        self.outcome = InboxOutcome(inbox.name, str(inbox.folder))
        self.mapping: MappingFile | None = None
        #: a stop of this inbox's own (:data:`INBOX_STOPS`, or an error of the job)
        self.halted: str | None = None

    # -- the run -----------------------------------------------------------------------

    def run(self) -> InboxOutcome:
        name = self.inbox.name
        self.log.info("inbox_started", inbox=name, folder=str(self.inbox.folder))
        try:
            if self.inbox.mapping is not None:  # checked with the configuration; read again
                self.mapping = load_mapping_file(self.inbox.mapping)
            self._body()
        except Interrupted:
            raise
        except InboxBusy as busy:
            self.outcome.state, self.outcome.error = "busy", str(busy)
            holder = busy.holder
            self.log.warning("inbox_busy", inbox=name, message=str(busy),
                             holder_pid=holder.pid if holder else None)
        except (AnivaImportError, OSError) as error:
            message = str(error) if isinstance(error, AnivaImportError) else (
                f"{error.strerror or type(error).__name__}: {error.filename or ''}".strip())
            self.outcome.state, self.outcome.error = "error", message
            self.log.error("inbox_error", inbox=name, message=message)  # noqa: TRY400
        self.log.info("inbox_finished", inbox=name, state=self.outcome.state,
                      exit_code=self.outcome.exit_code, files=len(self.outcome.files))
        return self.outcome

    def _body(self) -> None:
        """A live run (:class:`~aniva_import.nightly.dry_run.DryInboxRun`: a dry run)."""
        folders = self.folders
        folders.ensure()
        with InboxLock(folders.lock, started_at=utc_iso(self.clock())) as lock:
            if lock.previous is not None:
                previous = lock.previous
                self.outcome.recovered["stale_lock"] = {
                    "pid": previous.pid, "host": previous.host,
                    "started_at": previous.started_at,
                }
                self.log.warning("stale_lock_recovered", inbox=self.inbox.name,
                                 previous_pid=previous.pid, previous_host=previous.host,
                                 previous_started_at=previous.started_at)
            removed = folders.remove_partials()
            if removed:
                self.outcome.recovered["partial_files_removed"] = len(removed)
                self.log.info("partial_files_removed", inbox=self.inbox.name,
                              count=len(removed))
            self.state = self.store.load()
            self._recover()
            waiting = sorted(self.state.working.values(), key=lambda e: (e.taken_at, e.name))
            for waiting_entry in waiting:
                self._resume(waiting_entry)
            scan = scan_inbox(folders.root, self.inbox.patterns,
                              settle_seconds=self.inbox.settle_seconds, sleep=self.sleep)
            for path in scan.ready:
                if self._stopped():
                    self._left(path.name, self._stop_reason())
                    continue
                entry = self._take(path)
                if entry is not None:
                    self._process(entry, resumed=False)
            for left in scan.left:
                self._left(left.name, left.reason)

    # -- recovery and resumption ----------------------------------------------------------

    def _recover(self) -> None:
        """Finish the moves a run that did not finish had decided; forget journal
        entries whose file never reached working/ (it is still in the inbox)."""
        state, working = self.state, self.folders.working
        completed = dropped = 0
        for entry in list(state.working.values()):
            if entry.destination is not None:
                self.folders.move(entry.name, entry.destination)
                del state.working[entry.name]
                completed += 1
            elif not (working / entry.name).exists():
                del state.working[entry.name]
                dropped += 1
        if completed or dropped:
            self.store.save(state)
            self.outcome.recovered.update(moves_completed=completed, entries_dropped=dropped)
            self.log.warning("unfinished_run_recovered", inbox=self.inbox.name,
                             moves_completed=completed, entries_dropped=dropped)

    def _resume(self, entry: WorkingEntry) -> None:
        if self._stopped():
            self._left(entry.original, self._stop_reason(), entry=entry)
            return
        self.log.info("file_resumed", inbox=self.inbox.name, file=entry.original,
                      taken_as=entry.name, attempts=entry.attempts)
        self._process(entry, resumed=True)

    def _take(self, path: Path) -> WorkingEntry | None:
        now = self.clock()
        name = self.folders.new_name(path.name, now)
        entry = WorkingEntry(name=name, original=path.name, taken_at=utc_iso(now))
        self.state.working[name] = entry
        self.store.save(self.state)  # the journal first: a crash now leaves the file in place
        try:
            self.folders.take(path, name)
        except FileNotFoundError:  # gone meanwhile
            del self.state.working[name]
            self.store.save(self.state)
            return None
        self.log.info("file_taken", inbox=self.inbox.name, file=path.name, taken_as=name)
        return entry

    # -- one file -----------------------------------------------------------------------

    def _process(self, entry: WorkingEntry, *, resumed: bool) -> None:
        path = self.folders.working / entry.name
        out = FileOutcome(self.inbox.name, entry.original, "imported", taken_as=entry.name,
                          resumed=resumed)
        self.outcome.files.append(out)
        if entry.sha256 is None:
            entry.sha256 = content_hash(path)
        out.sha256 = entry.sha256
        earlier = self.state.imported.get(entry.sha256)
        if earlier is not None and earlier.name != entry.name:
            out.action, out.duplicate_of = "duplicate_content", earlier.name
            out.moved_to = str(self._finish(entry, "done"))
            self.log.info("file_duplicate_content", inbox=self.inbox.name,
                          file=entry.original, same_as=earlier.name, moved_to=out.moved_to)
            return
        entry.attempts += 1
        self.store.save(self.state)
        headers, out.drift = self._drift(path, entry.original)
        folders = self.folders
        results_name, summary_name = folders.companions(entry.name)
        settings = file_settings(
            self.inbox, self.options, path, results=folders.working / results_name,
            summary=folders.working / summary_name,
            ledger=self.inbox.ledger or folders.ledger,
        )
        attempt = _named(attempt_import(settings, self.clock), path, entry.name)
        count_rows(out, attempt)
        if attempt.kind == "finished":
            assert attempt.report is not None
            finished = utc_iso(self.clock())
            self.state.imported[entry.sha256] = ImportedFile(
                entry.sha256, entry.name, entry.original, finished, attempt.report.exit_code
            )
            if headers is not None and headers.recognised:
                self.state.headers = AcceptedHeaders(entry.name, entry.original, finished,
                                                     headers.headers)
            self._moved(out, self._finish(entry, "done"), results_name, summary_name)
            out.action = "imported"
            self.log.info("file_imported", inbox=self.inbox.name, file=entry.original,
                          taken_as=entry.name, exit_code=out.exit_code, rows=dict(out.rows),
                          moved_to=out.moved_to)
        elif attempt.kind == "failed":
            self._moved(out, self._finish(entry, "failed"), results_name, summary_name)
            out.action, out.exit_code = "failed", 2
            self.log.error("file_failed", inbox=self.inbox.name, file=entry.original,
                           taken_as=entry.name, message=attempt.error, moved_to=out.moved_to)
        elif attempt.kind in ("cut_short", "interrupted"):
            out.action = "cut_short"
            self._beside(out, folders.working, results_name, summary_name)
            if attempt.kind == "interrupted":
                out.exit_code, out.reason = 130, "interrupted"
                self.log.warning("file_interrupted", inbox=self.inbox.name,
                                 file=entry.original, taken_as=entry.name)
                raise Interrupted(attempt.error or "Interrupted.")
            self._cut_short(out, attempt)
        else:
            out.action, out.exit_code, out.error = "error", 2, attempt.error
            self.halted = "job_error"
            self.outcome.state, self.outcome.error = "error", attempt.error
            self.log.error("file_error", inbox=self.inbox.name, file=entry.original,
                           taken_as=entry.name, message=attempt.error)

    def _cut_short(self, out: FileOutcome, attempt: Attempt) -> None:
        report = attempt.report
        assert report is not None
        assert report.stop is not None
        stop = StopInfo(str(report.stop.code), report.stop.message)
        out.exit_code, out.stop, out.reason = report.exit_code, stop, stop.code
        if report.stop.code in INBOX_STOPS:
            self.halted = stop.code
        elif self.gate.stop is None:
            self.gate.stop = stop
            self.log.error("api_stopped", inbox=self.inbox.name, code=stop.code,
                           message=stop.message)
        self.log.warning("file_cut_short", inbox=self.inbox.name, file=out.name,
                         taken_as=out.taken_as, code=stop.code, exit_code=out.exit_code,
                         rows=dict(out.rows))

    def _finish(self, entry: WorkingEntry, destination: Destination) -> Path:
        """Decide (written to the state), move, forget: a crash in between is finished
        by the next run's :meth:`_recover`."""
        entry.destination = destination
        self.store.save(self.state)
        moved = self.folders.move(entry.name, destination)
        del self.state.working[entry.name]
        self.store.save(self.state)
        return moved

    def _moved(self, out: FileOutcome, moved: Path, results: str, summary: str) -> None:
        out.moved_to = str(moved)
        self._beside(out, moved.parent, results, summary)

    @staticmethod
    def _beside(out: FileOutcome, folder: Path, results: str, summary: str) -> None:
        if (folder / results).exists():
            out.results_file = str(folder / results)
        if (folder / summary).exists():
            out.summary_file = str(folder / summary)

    def _drift(self, path: Path, original: str) -> tuple[HeaderSet | None, Drift | None]:
        try:
            headers = read_headers(path, sheet=self.inbox.sheet, mapping=self.mapping)
        except AnivaImportError:
            return None, None  # unreadable: the import says why
        baseline = self.state.headers
        drift = compare(
            baseline.headers if baseline else None, baseline.name if baseline else None,
            headers, mapping=self.mapping, group=self.inbox.group,
        )
        if drift is not None:
            self.log.warning("header_drift", inbox=self.inbox.name, file=original,
                             **drift.to_json())
        return headers, drift

    # -- left for later ----------------------------------------------------------------

    def _stopped(self) -> bool:
        return self.gate.stop is not None or self.halted is not None

    def _stop_reason(self) -> str:
        return "api_stopped" if self.gate.stop is not None else "inbox_stopped"

    def _left(self, name: str, reason: str, *, entry: WorkingEntry | None = None) -> None:
        out = FileOutcome(self.inbox.name, name, "left_for_later", reason=reason)
        if entry is not None:
            out.taken_as, out.resumed, out.sha256 = entry.name, True, entry.sha256
        self.outcome.files.append(out)
        self.log.info("file_left_for_later", inbox=self.inbox.name, file=name, reason=reason)


def _named(attempt: Attempt, path: Path, name: str) -> Attempt:
    """The pipeline's sentence names the file by its path in working/, where it no
    longer is once moved: name it by its own name instead."""
    if attempt.error is None:
        return attempt
    return replace(attempt, error=attempt.error.replace(str(path), name))


def count_rows(out: FileOutcome, attempt: Attempt) -> None:
    """A file's rows and exit code from its import (errors: the sentence)."""
    if attempt.report is not None:
        out.rows.update(attempt.report.counts)
        out.exit_code = attempt.report.exit_code
    out.error = attempt.error
