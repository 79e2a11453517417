"""``--metrics PATH``: the run's counts in the Prometheus text format, for node_exporter's
textfile collector (``--collector.textfile.directory``).

The text is made by prometheus_client; the file is written to a temporary file in
the same folder and renamed into place (the collector never reads half a file),
mode 0644 so that node_exporter, running as another user, can read it: it holds
counts, inbox names and codes only, never a file name or any patient data.

Metrics (all gauges, for the last run):

=====================================================  ===================================
``aniva_import_nightly_last_run_timestamp_seconds``    when it finished (Unix time)
``aniva_import_nightly_last_run_duration_seconds``     how long it took
``aniva_import_nightly_last_run_exit_code``            its exit code (0, 1, 2, 3, 130)
``aniva_import_nightly_last_run_dry_run``              1 for a dry run
``aniva_import_nightly_files{inbox,action}``           files per action (``seen`` too)
``aniva_import_nightly_rows{inbox,status}``            rows per results-file status
``aniva_import_nightly_header_drift_files{inbox}``     files whose headers drifted
``aniva_import_nightly_inbox_exit_code{inbox}``        each inbox's worst exit code
``aniva_import_nightly_inbox_busy{inbox}``             1: another run held its lock
``aniva_import_nightly_api_stopped{code}``             1: the API stopped the run (code)
=====================================================  ===================================

Alert on, for example: the last run older than a day and a bit, an exit code of 2
or more, ``rows{status="unknown"} > 0``, ``header_drift_files > 0``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from aniva_import.nightly.outcome import FILE_ACTIONS, ROW_STATUSES, NightlyReport, file_counts

_PREFIX = "aniva_import_nightly"


def metrics_text(report: NightlyReport) -> str:
    registry = CollectorRegistry(auto_describe=True)

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(f"{_PREFIX}_{name}", doc, labels, registry=registry)

    finished = report.finished_at or report.started_at
    gauge("last_run_timestamp_seconds", "When the last nightly run finished (Unix time).").set(
        finished.timestamp())
    gauge("last_run_duration_seconds", "How long the last nightly run took.").set(
        report.duration or 0.0)
    gauge("last_run_exit_code", "Exit code of the last nightly run.").set(report.exit_code)
    gauge("last_run_dry_run", "1 when the last run was a dry run.").set(
        1 if report.mode == "dry_run" else 0)
    files = gauge("files", "Files of the last run per inbox and action.", ("inbox", "action"))
    rows = gauge("rows", "Rows of the last run per inbox and results status.",
                 ("inbox", "status"))
    drift = gauge("header_drift_files", "Files whose headers differ from the inbox's "
                  "previous imported file.", ("inbox",))
    inbox_exit = gauge("inbox_exit_code", "Worst exit code of the inbox's files.", ("inbox",))
    busy = gauge("inbox_busy", "1 when another run held the inbox's lock.", ("inbox",))
    for inbox in report.inboxes:
        counts = file_counts(inbox.files)
        for action in ("seen", *FILE_ACTIONS):
            files.labels(inbox.name, action).set(counts[action])
        inbox_rows = inbox.rows()
        for status in ROW_STATUSES:
            rows.labels(inbox.name, status).set(inbox_rows[status])
        drift.labels(inbox.name).set(counts["header_drift"])
        inbox_exit.labels(inbox.name).set(inbox.exit_code)
        busy.labels(inbox.name).set(1 if inbox.state == "busy" else 0)
    stopped = gauge("api_stopped", "1 when the API stopped the last run (by stop code).",
                    ("code",))
    if report.api_stop is not None:
        stopped.labels(report.api_stop.code).set(1)
    return generate_latest(registry).decode("utf-8")


def write_metrics(report: NightlyReport, path: Path) -> None:
    """Write :func:`metrics_text` atomically, mode 0644."""
    text = metrics_text(report)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    temp = Path(name)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def is_metrics_file(path: Path) -> bool:
    """Whether ``path`` holds metrics this job wrote (an earlier night's, to be replaced)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    return b"# HELP aniva_import_nightly_" in head
