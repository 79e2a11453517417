"""One file, end to end: load → map → normalise → validate → (send) → report.

``import_file(settings)`` is the library's entry point; the CLI and the nightly
job call it.  Chunks of rows stream through, so memory depends on the chunk
size, not on the file.  With ``settings.workers > 1`` normalisation and
validation run in worker processes while this process reads the file, finds
duplicates (which needs file order) and writes the results file in order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from aniva_import._chunks import (
    ChunkVerdict,
    DateEvidence,
    Plan,
    warm_up,
)
from aniva_import._interrupts import interrupt_after_the_write, no_second_interrupt
from aniva_import._workers import chunk_rows, known_region, ordered_verdicts, start_pool
from aniva_import._writing import write_chunk, write_not_sent
from aniva_import.errors import (
    AnivaImportError,
    ConfigError,
    InputError,
    Interrupted,
    OutputError,
)
from aniva_import.load import Chunk, is_workbook
from aniva_import.mapping import (
    DateOrder,
    MappingFile,
    load_mapping_file,
    map_columns,
    require_columns,
)
from aniva_import.report import RunReport, write_summary_json
from aniva_import.results import (
    default_results_path,
    open_results_writer,
)
from aniva_import.rules import GROUP_SLUG_RE
from aniva_import.types import Settings

if TYPE_CHECKING:
    from aniva_import.load import Table

Clock = Callable[[], dt.datetime]
#: called with the number of rows just finished; with a negative number when rows
#: counted so far are taken back (the file is checked again, see run())
Progress = Callable[[int], None]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: files at least this large start their worker processes before the file is opened
EARLY_POOL_BYTES = 1 << 20


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # open_table says what is wrong with it


def _os_message(error: OSError) -> str:
    where = f" {error.filename}" if error.filename else ""
    return f"Cannot write{where}: {error.strerror or error}."


class FilePipeline:
    """The stages for one file, wired together; ``run()`` returns the report."""

    def __init__(
        self, settings: Settings, *, clock: Clock = utc_now, progress: Progress | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.progress = progress
        self._pool: ProcessPoolExecutor | None = None
        self._committed = False  # a results file was written
        self._warm = False  # this process warmed the stages up (workers inherit that)

    # -- set-up: everything that can fail before a single row is judged -------------------

    def _mapping(self) -> MappingFile | None:
        return load_mapping_file(self.settings.mapping) if self.settings.mapping else None

    def _open(self, mapping: MappingFile | None) -> Table:
        from aniva_import.load import open_table

        sheet = self.settings.sheet
        if sheet is None and mapping is not None and mapping.sheet is not None:
            # a mapping shared by a clinic's CSV and Excel exports: its sheet is for Excel
            sheet = mapping.sheet if is_workbook(self.settings.input) else None
        return open_table(self.settings.input, sheet=sheet)

    def _plan(self, table: Table, mapping: MappingFile | None, today: dt.date) -> Plan:
        from aniva_import.normalize import Conventions

        source = str(self.settings.input)
        columns = map_columns(table.headers, mapping=mapping, source=source)
        group = self.settings.group or (mapping.group if mapping else None)
        if group is not None and not GROUP_SLUG_RE.match(group):
            raise ConfigError(
                f"The profile group {group!r} is not a valid group name: use lower case "
                "letters, digits and dashes, e.g. acme-clinic-berlin."
            )
        require_columns(columns, default_group=group, source=source)
        region = self.settings.phone_region or (mapping.phone_region if mapping else None)
        if region is not None:
            import phonenumbers

            if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
                raise ConfigError(
                    f"The phone region {region!r} is not a country code phone numbers are "
                    "known for; use a two-letter code such as DE, FI or AT."
                )
        order = mapping.date_order if mapping else None
        conventions = Conventions(
            today=today,
            phone_region=region.upper() if region else None,
            date_order=order,
            decimal=mapping.decimal if mapping else "auto",
            file_language=columns.file_language,
            date1904=table.info.date1904,
        )
        # The slash-date order (when the mapping does not set it) is found while the
        # rows are checked: see run().  Sending must instead add up DateEvidence over
        # the whole column first, so that no row is sent on a guessed order.
        return Plan(
            columns=columns,
            conventions=conventions,
            default_group=group,
            unescape_cells=columns.is_results_file and table.info.kind == "csv",
        )

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> RunReport:
        settings = self.settings
        started = self.clock()
        report = RunReport(
            input=settings.input, mode="dry_run" if settings.dry_run else "import",
            started_at=started,
        )
        # A summary path that is itself wrong gets no summary (it might be the input).
        summary = settings.summary_json
        self._check_outputs(None, summary)
        if summary is not None:
            results_candidates = (
                [settings.results] if settings.results
                else [default_results_path(settings.input, kind) for kind in ("csv", "xlsx")]
            )
            if summary.resolve() in {p.resolve() for p in results_candidates}:
                raise ConfigError(
                    "The results file and the summary file cannot be the same file."
                )
        try:
            if not settings.dry_run:
                raise ConfigError(
                    "This version can only check files: sending to the API is not available "
                    "yet. Run again with --dry-run."
                )
            self._check_outputs(settings.results, None)
            mapping = self._mapping()
            region = settings.phone_region or (mapping.phone_region if mapping else None)
            early = settings.workers > 1 and _file_size(settings.input) >= EARLY_POOL_BYTES
            if is_workbook(settings.input):
                table = self._open_while_warming(mapping, region, early_pool=early)
            else:
                if early:  # the workers get ready while this process opens the file
                    self._start_pool(region)
                table = self._open(mapping)
            report.input_format = table.info.kind
            report.encoding = table.info.encoding
            report.delimiter = table.info.delimiter
            report.sheet = table.info.sheet
            plan = self._plan(table, mapping, started.date())
            report.unknown_columns = plan.columns.unknown
            results = settings.results or default_results_path(settings.input, table.info.kind)
            self._check_outputs(results, settings.summary_json)
            report.results = results
            if plan.infers_date_order:
                # Dry run: guess the slash-date order from the first chunk and count the
                # evidence of the whole column on the way; in the rare case the whole
                # column says otherwise, check the file again with the right order.
                used, evidence = self._process(table, plan, results, report, infer=True)
                if evidence.any and evidence.order != used:
                    if self.progress:  # take the rows back: they are checked again
                        self.progress(-report.total)
                    report.reset_rows()
                    self._process(table, plan.with_date_order(evidence.order), results, report)
            else:
                self._process(table, plan, results, report)
        except OSError as error:  # the disk, not the data: say which file and why
            failure = OutputError(_os_message(error))
            self._fail(report, failure)
            raise failure from None
        except InputError as error:
            self._fail(report, error)
            raise
        except (Interrupted, KeyboardInterrupt):
            report.outcome, report.exit_code = "interrupted", 130
            if not self._committed:  # stopped before a results file existed
                report.results = None
            self._finish(report, quietly=True)
            raise Interrupted(
                "Interrupted: the results file lists what was done." if self._committed
                else "Interrupted before the results file could be written; run again to "
                "check the file."
            ) from None
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None
        report.finish_exit_code()
        self._finish(report)
        return report

    def _fail(self, report: RunReport, error: AnivaImportError) -> None:
        report.outcome, report.error, report.exit_code = "not_started", str(error), 2
        report.results = None
        self._finish(report, quietly=True)

    def _check_outputs(self, results: Path | None, summary: Path | None) -> None:
        """Refuse, before any work, outputs that would overwrite the input or each other,
        or that live in a folder that does not exist."""
        source = self.settings.input.resolve()
        named = {"results file": results, "summary file (--summary-json)": summary}
        for what, path in named.items():
            if path is None:
                continue
            if path.resolve() == source:
                raise ConfigError(f"The {what} cannot be the input file itself.")
            if not path.parent.is_dir():
                raise ConfigError(f"The folder for the {what} does not exist: {path.parent}")
            if path.is_dir():
                raise ConfigError(f"The {what} {path} is a folder, not a file.")

    def _finish(self, report: RunReport, *, quietly: bool = False) -> None:
        """Write the summary.  ``quietly``: the run already failed; a summary that cannot
        be written must not hide why."""
        report.finished_at = self.clock()
        if not self.settings.summary_json:
            return
        try:
            write_summary_json(report, self.settings.summary_json)
        except OSError as error:
            if not quietly:
                raise OutputError(
                    f"The results are written, but the summary could not be: "
                    f"{_os_message(error)}"
                ) from None

    def _verdicts(
        self, chunks: Iterator[Chunk], plan: Plan
    ) -> Generator[tuple[Chunk, ChunkVerdict], None, None]:
        def pool() -> ProcessPoolExecutor:
            return self._pool or self._start_pool(plan.conventions.phone_region)

        return ordered_verdicts(chunks, plan, self.settings.workers, pool)

    def _open_while_warming(
        self, mapping: MappingFile | None, phone_region: str | None, *, early_pool: bool
    ) -> Table:
        """Open a workbook in a thread while this thread imports and warms up the stages.

        calamine parses a sheet without holding the GIL, so the two overlap.  The
        workers start afterwards (so no other thread runs when they fork) and inherit
        the warmed-up stages: they need no warm-up of their own.
        """
        opened: list[Table] = []
        failed: list[BaseException] = []

        def open_it() -> None:
            try:
                opened.append(self._open(mapping))
            except BaseException as error:  # noqa: BLE001 - re-raised in this thread
                failed.append(error)

        thread = threading.Thread(target=open_it, name="aniva-import-open", daemon=True)
        thread.start()
        # A Ctrl-C (or any failure) here leaves at once, without waiting for the
        # thread: it is a daemon, and no worker is forked after it.
        warm_up(self.clock().date(), known_region(phone_region))
        self._warm = True
        thread.join()
        if failed:
            raise failed[0]
        if early_pool:
            self._start_pool(phone_region)
        return opened[0]

    def _chunk_rows(self, table: Table) -> int:
        return chunk_rows(self.settings.chunk_rows, self.settings.workers, table.rows_at_most)

    def _start_pool(self, phone_region: str | None) -> ProcessPoolExecutor:
        self._pool = start_pool(self.settings.workers, self.clock().date(), phone_region,
                                warm=not self._warm)
        return self._pool

    def _process(
        self, table: Table, plan: Plan, results: Path, report: RunReport, *, infer: bool = False
    ) -> tuple[DateOrder | None, DateEvidence]:
        """One pass over the file into the results file.  With ``infer`` the date order
        is taken from the first chunk; returns it and the whole column's evidence."""
        from aniva_import.validate import DuplicateFinder

        columns = plan.columns
        kept = [i for i in range(len(table.headers)) if i not in columns.skipped]
        headers = [table.headers[i] for i in kept]
        positions = {f: kept.index(p) for f, p in columns.positions.items()}
        evidence = DateEvidence()
        used = plan.conventions.date_order
        writer = open_results_writer(
            results, headers, delimiter=table.info.delimiter, field_positions=positions
        )
        plan = replace(plan, kept=tuple(kept), renderer=writer.renderer)
        duplicates = DuplicateFinder()
        verdicts = None
        try:
            chunks = iter(table.chunks(self._chunk_rows(table)))
            if infer:
                first = list(itertools.islice(chunks, 1))
                for chunk in first:
                    evidence.add(DateEvidence.of(plan, chunk))
                used = evidence.order
                plan = replace(plan.with_date_order(used), collect_date_evidence=True)
                chunks = itertools.chain(first, chunks)
            verdicts = self._verdicts(chunks, plan)
            for number, (chunk, verdict) in enumerate(verdicts):
                if number and verdict.date_evidence is not None:
                    evidence.add(verdict.date_evidence)
                twins = duplicates.check(verdict.valid_rows, verdict.keys)
                with interrupt_after_the_write():
                    write_chunk(writer, chunk, verdict, twins, plan, report, self.progress)
        except KeyboardInterrupt:
            if verdicts is not None:
                verdicts.close()
            with no_second_interrupt():  # finishing the results file takes a moment
                try:
                    write_not_sent(writer, table, report, kept, after=report.last_row,
                                   chunk_rows=self.settings.chunk_rows)
                except BaseException:
                    writer.discard()
                    raise
                writer.commit()
                self._committed = True
            raise Interrupted("Interrupted: the results file lists what was done.") from None
        except BaseException:
            writer.discard()
            raise
        if infer and evidence.any and evidence.order != used:
            writer.discard()  # checked with the wrong order: the caller runs again
        else:
            with interrupt_after_the_write():  # a finished file is kept, whatever happens
                writer.commit()
                self._committed = True
        return used, evidence


def import_file(
    settings: Settings, *, clock: Clock = utc_now, progress: Progress | None = None
) -> RunReport:
    """Run one file through the pipeline (see :class:`FilePipeline`)."""
    return FilePipeline(settings, clock=clock, progress=progress).run()


def default_workers() -> int:
    """Worker processes worth starting on this machine (at most 2 extra)."""
    return max(1, min(2, (os.cpu_count() or 1)))
