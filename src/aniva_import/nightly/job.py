"""The nightly job: every configured inbox in turn, one report, one summary, the metrics.

    report = run_nightly(load_config(path), JobOptions(dry_run=False, api_url=…,
                         api_key=key), log=JsonLines(sys.stderr, utc_now),
                         summary_json=Path("nightly.json"), metrics=Path("nightly.prom"))
    sys.exit(report.exit_code)

Inboxes run one after the other in the order of the configuration; an inbox that is
busy or broken is reported and the next one runs.  A Ctrl-C (or SIGTERM, which the
CLI turns into one) stops the run after the file being imported has its results
written; that file stays in working/ and resumes next run.  The summary and the
metrics are written whatever happened.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from aniva_import.errors import Interrupted
from aniva_import.nightly.config import NightlyConfig
from aniva_import.nightly.dry_run import DryInboxRun
from aniva_import.nightly.events import Emitter, EventLog
from aniva_import.nightly.importing import JobOptions
from aniva_import.nightly.inbox import ApiGate, InboxRun
from aniva_import.nightly.metrics import write_metrics
from aniva_import.nightly.outcome import NightlyReport, file_counts
from aniva_import.nightly.scan import Sleep
from aniva_import.nightly.summary import write_nightly_summary
from aniva_import.pipeline import Clock, utc_now


def dry_run_folder(summary_json: Path | None) -> Path | None:
    """Where a dry run's results files go: beside the summary, in
    ``<summary stem>.dry-run/<inbox>/`` (None without a summary: a temporary folder,
    removed at the end)."""
    if summary_json is None:
        return None
    return summary_json.with_name(f"{summary_json.stem}.dry-run")


def run_nightly(
    config: NightlyConfig,
    options: JobOptions,
    *,
    log: EventLog,
    clock: Clock = utc_now,
    sleep: Sleep = time.sleep,
    summary_json: Path | None = None,
    metrics: Path | None = None,
) -> NightlyReport:
    """Process every inbox; the report says what happened to every file (a summary or
    metrics file that could not be written: :attr:`NightlyReport.output_error`)."""
    emit = Emitter(log)
    report = NightlyReport(
        mode="dry_run" if options.dry_run else "import", config=str(config.path),
        started_at=clock(),
    )
    emit.info("run_started", mode=report.mode, config=str(config.path),
              inboxes=[inbox.name for inbox in config.inboxes])
    gate = ApiGate()
    dry_dir, temporary = _dry_dir(options, summary_json)
    if options.dry_run and not temporary:
        report.dry_run_results = str(dry_dir)
    try:
        for inbox in config.inboxes:
            run = (
                DryInboxRun(inbox, options, clock=clock, sleep=sleep, log=emit, gate=gate,
                            dry_run_dir=dry_dir) if dry_dir is not None
                else InboxRun(inbox, options, clock=clock, sleep=sleep, log=emit, gate=gate)
            )
            report.inboxes.append(run.outcome)
            run.run()
    except (Interrupted, KeyboardInterrupt):
        report.outcome = "interrupted"
        emit.warning("run_interrupted")
    finally:
        if temporary and dry_dir is not None:
            shutil.rmtree(dry_dir, ignore_errors=True)
        report.finished_at = clock()
        report.api_stop = gate.stop
    emit.info("run_finished", mode=report.mode, outcome=report.outcome,
              exit_code=report.exit_code, duration_seconds=report.duration,
              files=file_counts(report.files), rows=dict(report.rows()))
    _write_outputs(report, summary_json, metrics, emit)
    return report


def _dry_dir(options: JobOptions, summary_json: Path | None) -> tuple[Path | None, bool]:
    if not options.dry_run:
        return None, False
    chosen = options.dry_run_dir or dry_run_folder(summary_json)
    if chosen is not None:
        chosen.mkdir(mode=0o700, exist_ok=True)
        return chosen, False
    return Path(tempfile.mkdtemp(prefix="aniva-import-nightly-dry-run-")), True


def _write_outputs(
    report: NightlyReport, summary_json: Path | None, metrics: Path | None, emit: Emitter
) -> None:
    failures: list[str] = []
    for what, path, write in (("summary", summary_json, write_nightly_summary),
                              ("metrics", metrics, write_metrics)):
        if path is None:
            continue
        try:
            write(report, path)
        except OSError as error:
            message = f"The {what} {path} could not be written ({error.strerror or error})."
            emit.error("output_failed", what=what, path=str(path), message=message)
            failures.append(message)
    if failures:
        report.output_error = " ".join(failures)
