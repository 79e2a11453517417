"""One file, end to end: ``import_file(settings) -> RunReport``.

The stages in the order a row meets them: open the table → map its columns → settle
the conventions the whole file must agree on (the pre-scan) → check every row
(normalise, validate, duplicates marked) → in a live run, deliver the rows that passed
(the ledger, the API) → decide each row's status → write it to the results file and
count it in the report.  Chunks of rows stream through, so memory depends on the chunk
size, not on the file.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from aniva_import.errors import (
    AnivaImportError,
    ConfigError,
    InputError,
    Interrupted,
    OutputError,
    Terminated,
    interrupt_exit_code,
)
from aniva_import.load import Chunk, Table, is_workbook, open_table
from aniva_import.mapping import MappingFile, header_recogniser, load_mapping_file
from aniva_import.pipeline.check import check
from aniva_import.pipeline.collector import tuned_collector
from aniva_import.pipeline.decide import finish_chunk, not_reached
from aniva_import.pipeline.executor import Executor, executor_for
from aniva_import.pipeline.interrupts import interrupt_after_the_write, no_second_interrupt
from aniva_import.pipeline.outputs import (
    check_output,
    check_results_target,
    check_summary_path,
    remember_written,
)
from aniva_import.pipeline.plan import Plan, phone_region, plan_file
from aniva_import.pipeline.prescan import phone_region_notes, settle_conventions
from aniva_import.pipeline.warm_up import warm_up
from aniva_import.report import RunReport, write_summary_json
from aniva_import.results import (
    RESULTS_MARK,
    ResultsWriter,
    default_results_path,
    open_results_writer,
    values_path,
)
from aniva_import.settings import Settings

if TYPE_CHECKING:  # a dry run never imports the sending side (httpx, the ledger)
    from aniva_import.pipeline.deliver import Deliverer
    from aniva_import.send import SendOutcome, SendSettings, SendStats

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class Progressed:
    """What the progress callback hears after each chunk: the rows just finished, and
    the run so far (counts per status, the sender's figures)."""

    rows: int
    report: RunReport
    #: what is happening: "opening" the file, "notes" (new notes in the report),
    #: "checking" rows (``rows`` of them just finished), "stopping" after a Ctrl-C
    stage: str = "checking"
    #: rows expected in all (a workbook's row count, or a CSV's estimated from its
    #: size and the first rows); None until known
    total: int | None = None
    #: a live run, "sending": the rows of the chunk being sent whose outcome is known
    #: (in the ledger) but not yet written, by the status they will most likely have
    pending: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


Progress = Callable[[Progressed], None]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def import_file(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> RunReport:
    """Run one file through the pipeline; the report says what happened to every row.

    Raises :class:`InputError` (exit 2) when nothing could be done and
    :class:`Interrupted` (exit 130) after a Ctrl-C; the summary is written either way.
    """
    run = _Run(settings, clock, progress, executor or executor_for(settings.workers))
    try:
        with tuned_collector():
            return run.run()
    finally:
        run.executor.close()


class _Run:
    """The stages for one file, wired together."""

    def __init__(
        self, settings: Settings, clock: Clock, progress: Progress | None, executor: Executor
    ) -> None:
        self.settings, self.clock, self.progress, self.executor = (
            settings, clock, progress, executor
        )
        self.today = clock().date()
        self.report = RunReport(
            input=settings.input, mode="dry_run" if settings.dry_run else "import",
            started_at=clock(),
        )
        self.committed = False  # a results file was written
        #: the chunk being delivered: its rows whose outcome is known, by kind
        self.pending: Counter[str] = Counter()

    def run(self) -> RunReport:
        settings, report = self.settings, self.report
        check_summary_path(settings)  # a wrong summary path gets no summary: it may be the input
        try:
            sending = None if settings.dry_run else _send_settings(settings)
            report.api_url = None if sending is None else sending.api_url
            if settings.results is not None:  # the file itself is checked once it is open
                check_output(settings, "results file", settings.results,
                             input_is_results=settings.input.stem.endswith(RESULTS_MARK))
            mapping = load_mapping_file(settings.mapping) if settings.mapping else None
            self.tell("opening")
            self.executor.prepare(
                partial(warm_up, self.today, phone_region(settings, mapping)),
                _size(settings.input),
            )
            table = self.open(mapping)
            plan = plan_file(settings, mapping, table, self.today)
            report.unknown_columns = plan.columns.unknown
            plan = settle_conventions(table, plan)
            report.notes.extend(self.notes(plan, table))
            if report.notes:
                self.tell("notes")
            info = table.info
            results = settings.results or default_results_path(
                settings.input, info.kind, info.delimiter
            )
            is_results = plan.columns.is_results_file
            check_results_target(settings, results, input_is_results=is_results)
            if _shows_values(settings, results):
                plan = replace(plan, keep_values=True)
                if results.suffix.lower() != ".xlsx":
                    check_results_target(settings, values_path(results),
                                         input_is_results=False)
            report.results = results
            if sending is None:
                self.write_results(table, plan, results, None)
            else:  # after the workers forked: the ledger and the event loop are this process's
                from aniva_import.ledger import default_ledger_path
                from aniva_import.pipeline.deliver import Deliverer

                with Deliverer(
                    sending, settings.state or default_ledger_path(),
                    ledger_api=settings.ledger_api or sending.api_url,
                    source=settings.input.name, batch_rows=settings.send_batch_rows,
                    resend_unknown=settings.resend_unknown,
                    on_recorded=self.sent if self.progress else None,
                ) as deliverer:
                    report.recovered = deliverer.recovered
                    try:
                        self.write_results(table, plan, results, deliverer)
                    finally:
                        report.sending = deliverer.stats
                        report.stop = deliverer.stop_reason
                        report.delivery_seconds = deliverer.elapsed
        except OSError as error:  # the disk, not the data: say which file and why
            failure = OutputError(_os_message(error))
            self.fail(failure)
            raise failure from None
        except InputError as error:
            self.fail(error)
            raise
        except (Interrupted, KeyboardInterrupt) as stop:
            code = stop.exit_code if isinstance(stop, Interrupted) else interrupt_exit_code(stop)
            report.outcome, report.exit_code = "interrupted", code
            if not self.committed:  # stopped before a results file existed
                report.results = None
            self.finish(quietly=True)
            raise Interrupted(
                ("Interrupted: the results file lists what was done; run the same command "
                 "again to go on.") if self.committed
                else "Interrupted before the results file could be written; run again to "
                "check the file.",
                code,
            ) from None
        except BaseException as error:  # a bug, MemoryError, RecursionError: still a summary
            report.outcome, report.exit_code = "failed", 2
            report.error = f"internal error ({type(error).__name__})"
            if not self.committed:
                report.results = None
            self.finish(quietly=True)
            raise
        report.finish_exit_code()
        self.finish()
        return report

    def open(self, mapping: MappingFile | None) -> Table:
        settings = self.settings
        sheet = settings.sheet
        if sheet is None and mapping is not None and mapping.sheet is not None:
            # a mapping shared by a clinic's CSV and Excel exports: its sheet is for Excel
            sheet = mapping.sheet if is_workbook(settings.input) else None
        # a workbook is parsed in a process of its own, which a Ctrl-C kills at once
        table = open_table(
            settings.input, sheet=sheet, encoding=settings.encoding,
            recognise=header_recogniser(mapping),
        )
        info, report = table.info, self.report
        report.input_format, report.encoding = info.kind, info.encoding
        report.delimiter = info.delimiter
        report.sheet = str(info.sheet_index) if info.sheet_index else None
        report.header_row = table.header_row if table.skipped else None
        return table

    def sent(self, outcomes: Sequence[SendOutcome], stats: SendStats) -> None:
        """A few more rows of the chunk being delivered have their outcome: the progress
        bar moves while the chunk is sent (it is written whole once it is done)."""
        self.pending.update(o.kind.value for o in outcomes)
        self.report.sending = stats
        assert self.progress is not None, "told only when there is a progress bar"
        self.progress(Progressed(len(outcomes), self.report, stage="sending",
                                 pending=MappingProxyType(dict(self.pending))))

    def tell(self, stage: str) -> None:
        """Tell the progress callback what is happening (no rows finished)."""
        if self.progress:
            self.progress(Progressed(0, self.report, stage=stage))

    def notes(self, plan: Plan, table: Table) -> list[str]:
        """What the user hears about how the file is read, before any row is judged."""
        notes = list(phone_region_notes(table, plan))
        columns = plan.columns
        fallback = columns.fallbacks.get("phone")
        if fallback is not None:
            notes.insert(0, (
                f"Phone numbers are taken from {columns.column_name('phone')!r}; rows "
                f"without one use {columns.headers[fallback]!r}. To take one column only, "
                "run with --phone-column NAME."
            ))
        return notes

    def write_results(
        self, table: Table, plan: Plan, path: Path, deliverer: Deliverer | None
    ) -> None:
        """Check every row, deliver it (a live run), decide its status and write it, in
        file order; after a Ctrl-C every row not yet written is listed as not_sent
        (never lose a row)."""
        kept = plan.kept
        headers = [table.headers[i] for i in kept]
        positions = {f: kept.index(p) for f, p in plan.columns.positions.items()}
        columns = plan.columns
        writer = open_results_writer(
            path, headers, delimiter=table.info.delimiter, field_positions=positions,
            alternates={columns.headers[p]: kept.index(p) for p in columns.fallbacks.values()},
            values=plan.keep_values and _shows_values(self.settings, path),
            field_headers={f: columns.headers[p] for f, p in columns.positions.items()},
        )
        checked = None
        estimate = _TotalEstimate(table, _size(table.info.path))
        if self.progress:
            self.progress(Progressed(0, self.report, total=estimate.known))
        try:
            checked = check(table, plan, self.executor, chunk_rows=self.settings.chunk_rows)
            for chunk, verdict in checked:
                total = estimate.update(chunk)
                deliveries = None
                if deliverer is not None:
                    if self.progress:  # the total first: the bar can say how long is left
                        self.progress(Progressed(0, self.report, stage="sending", total=total))
                    deliveries = deliverer.deliver_checked(verdict)
                rows = finish_chunk(chunk, verdict, kept, deliveries, plan.columns)
                with interrupt_after_the_write():  # a chunk is written and counted whole
                    writer.write(rows)
                    self.report.add_rows(rows)
                told, self.pending = sum(self.pending.values()), Counter()
                if self.progress:
                    self.progress(Progressed(len(rows) - told, self.report, total=total))
                _stop_if_interrupted(deliverer)  # the chunk being sent is written: stop here
        except KeyboardInterrupt as stop:
            self.tell("stopping")
            if checked is not None:
                checked.close()
            with no_second_interrupt():  # finishing the results file takes a moment
                self.write_not_reached(writer, table, kept, sent=deliverer is not None)
            raise Interrupted(
                "Interrupted: the results file lists what was done; run the same command "
                "again to go on.", interrupt_exit_code(stop),
            ) from None
        except BaseException:
            writer.discard()
            raise
        with interrupt_after_the_write():  # a finished file is kept, whatever happens
            writer.commit()
            self.committed = True
            self.remember(writer)

    def write_not_reached(
        self, writer: ResultsWriter, table: Table, kept: tuple[int, ...], *, sent: bool
    ) -> None:
        try:
            after = self.report.last_row
            for chunk in table.chunks(self.settings.chunk_rows):
                rows = not_reached(chunk, kept, after, sent=sent)
                writer.write(rows)
                self.report.add_rows(rows)
        except BaseException:
            writer.discard()
            raise
        writer.commit()
        self.committed = True
        self.remember(writer)

    def remember(self, writer: ResultsWriter) -> None:
        """Record the files just written: a later run may replace them while unchanged."""
        written = [writer.path]
        extra = getattr(writer, "values_path", None)
        if isinstance(extra, Path):
            written.append(extra)
        remember_written(self.settings, *written)

    def fail(self, error: AnivaImportError) -> None:
        report = self.report
        report.outcome, report.error, report.exit_code = "not_started", str(error), 2
        report.results = None
        self.finish(quietly=True)

    def finish(self, *, quietly: bool = False) -> None:
        """Write the summary.  ``quietly``: the run already failed; a summary that cannot
        be written must not hide why."""
        self.report.finished_at = self.clock()
        if not self.settings.summary_json:
            return
        try:
            write_summary_json(self.report, self.settings.summary_json)
        except OSError as error:
            if not quietly:
                raise OutputError(
                    f"The results are written, but the summary could not be: "
                    f"{_os_message(error)}"
                ) from None


def _stop_if_interrupted(deliverer: Deliverer | None) -> None:
    """A Ctrl-C (SIGTERM, SIGHUP) during a batch stopped the sender gracefully: now stop
    the run."""
    if deliverer is not None and deliverer.interrupted:
        signum = deliverer.stopped_by
        raise KeyboardInterrupt if signum in (None, signal.SIGINT) else Terminated(signum)


def _send_settings(settings: Settings) -> SendSettings:
    """The sender's settings of a live run (refused before any work: no key, an API
    URL that is not https or loopback)."""
    if settings.api_key is None:
        raise ConfigError(
            "No API key: pass --api-key-file PATH or set ANIVA_API_KEY (or use --dry-run "
            "to check the file without sending, or --sandbox to rehearse)."
        )
    from aniva_import.send import SendSettings

    return SendSettings(
        api_url=settings.api_url, api_key=settings.api_key, rate=settings.rate,
        concurrency=settings.concurrency, read_timeout=settings.request_timeout,
        proxy=settings.proxy,
    )


class _TotalEstimate:
    """The rows a table holds in all: a workbook knows (its used range); a CSV's are
    estimated from its size and the length of the rows read so far."""

    def __init__(self, table: Table, size: int) -> None:
        self.known = table.rows_at_most
        self.size = size
        self.chars = self.sampled = self.rows = 0
        width = 2 if (table.info.encoding or "").startswith("utf-16") else 1
        self.bytes_per_char = width
        self.separators = max(1, len(table.headers))

    def update(self, chunk: Chunk) -> int | None:
        self.rows += len(chunk)
        if self.known is not None:
            return max(self.known, self.rows)
        if not self.size:
            return None
        for cells in chunk.rows[:200]:
            self.chars += self.separators + sum(len(c) if isinstance(c, str) else 10
                                                for c in cells)
            self.sampled += 1
        if not self.sampled:
            return None
        per_row = self.bytes_per_char * self.chars / self.sampled
        return max(self.rows, round(self.size / per_row))


def _shows_values(settings: Settings, results: Path) -> bool:
    """Whether the results show the values to be sent: a workbook always (a second
    sheet), CSV when asked (``show_values``: a companion file)."""
    return settings.show_values or results.suffix.lower() == ".xlsx"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # open_table says what is wrong with it


def _os_message(error: OSError) -> str:
    name = str(error.filename) if error.filename else ""
    if name.endswith(".partial") and Path(name).name.startswith("."):
        # our own temporary file: name the folder it was to be written in
        return (f"Cannot write in the folder {Path(name).parent}: "
                f"{error.strerror or error}. Choose another place with --results PATH.")
    where = f" {name}" if name else ""
    return f"Cannot write{where}: {error.strerror or error}."
