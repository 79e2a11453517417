"""The run's ``--summary-json`` document (``schemas/nightly-summary.schema.json``).

Counts, file names, header names (of recognised header rows), problem codes and the
pipeline's one-sentence errors: never a cell value, never the API key.  Each file
imported also has the summary ``run --summary-json`` writes
(``schemas/summary.schema.json``) beside its results file.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from aniva_import.files import write_private_text
from aniva_import.nightly.outcome import (
    ROW_STATUSES,
    FileOutcome,
    InboxOutcome,
    NightlyReport,
    file_counts,
)


def _iso(report: NightlyReport) -> tuple[str, str | None]:
    finished = report.finished_at.isoformat() if report.finished_at else None
    return report.started_at.isoformat(), finished


def _rows(counts: Counter[str]) -> dict[str, int]:
    return {"total": sum(counts.values()), **{s: counts[s] for s in ROW_STATUSES}}


def nightly_summary_document(report: NightlyReport) -> dict[str, Any]:
    """The summary as a JSON-ready dict."""
    from aniva_import import __version__

    started, finished = _iso(report)
    rows = report.rows()
    files = report.files
    return {
        "schema_version": 1,
        "tool": "aniva-import",
        "command": "nightly",
        "version": __version__,
        "mode": report.mode,
        "config": report.config,
        "outcome": report.outcome,
        "exit_code": report.exit_code,
        "started_at": started,
        "finished_at": finished,
        "duration_seconds": report.duration,
        "files": file_counts(files),
        "rows": _rows(rows),
        "unknown_rows": rows["unknown"],
        "header_drift": [
            {"inbox": f.inbox, "file": f.name, "taken_as": f.taken_as, **f.drift.to_json()}
            for f in files if f.drift is not None
        ],
        "api_stop": None if report.api_stop is None else {
            "code": report.api_stop.code, "message": report.api_stop.message,
        },
        "dry_run_results": report.dry_run_results,
        "inboxes": [_inbox(inbox) for inbox in report.inboxes],
    }


def _inbox(inbox: InboxOutcome) -> dict[str, Any]:
    return {
        "name": inbox.name,
        "folder": inbox.folder,
        "state": inbox.state,
        "error": inbox.error,
        "exit_code": inbox.exit_code,
        "recovered": inbox.recovered,
        "files": file_counts(inbox.files),
        "rows": _rows(inbox.rows()),
        "file_list": [_file(f) for f in inbox.files],
    }


def _file(out: FileOutcome) -> dict[str, Any]:
    return {
        "name": out.name,
        "action": out.action,
        "exit_code": out.exit_code,
        "taken_as": out.taken_as,
        "resumed": out.resumed,
        "reason": out.reason,
        "sha256": out.sha256,
        "rows": _rows(out.rows),
        "header_drift": None if out.drift is None else out.drift.to_json(),
        "moved_to": out.moved_to,
        "results_file": out.results_file,
        "summary_file": out.summary_file,
        "error": out.error,
        "stop": None if out.stop is None else {"code": out.stop.code,
                                               "message": out.stop.message},
        "duplicate_of": out.duplicate_of,
    }


def write_nightly_summary(report: NightlyReport, path: Path) -> None:
    """Write the summary, owner-only and atomically."""
    text = json.dumps(nightly_summary_document(report), indent=2, ensure_ascii=False) + "\n"
    write_private_text(path, text)
