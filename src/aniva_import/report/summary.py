"""The ``--summary-json`` document (``schemas/summary.schema.json``): machine-readable,
for monitoring; counts, codes and column names only, never patient data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aniva_import.files import write_private_text
from aniva_import.report.run_report import RunReport
from aniva_import.types import Status


def summary_document(report: RunReport) -> dict[str, Any]:
    """The summary as a JSON-ready dict."""
    from aniva_import import __version__

    duration = (
        (report.finished_at - report.started_at).total_seconds()
        if report.started_at and report.finished_at
        else None
    )
    return {
        "schema_version": 1,
        "tool": "aniva-import",
        "version": __version__,
        "mode": report.mode,
        "outcome": report.outcome,
        "exit_code": report.exit_code,
        "error": report.error,
        "input": {
            "path": str(report.input),
            "format": report.input_format,
            "encoding": report.encoding,
            "delimiter": report.delimiter,
            "sheet": report.sheet,
            "header_row": report.header_row,
        },
        "results_file": str(report.results) if report.results else None,
        "started_at": report.started_at.isoformat() if report.started_at else None,
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "duration_seconds": duration,
        "rows": {"total": report.total, **{s.value: report.counts[s.value] for s in Status}},
        "problems": [
            {"field": f or None, "column": column, "code": code, "count": count}
            for (f, column, code), count in report.ranked_problems()
        ],
        "unknown_columns": list(report.unknown_columns),
        "sending": _sending(report),
    }


def _sending(report: RunReport) -> dict[str, Any] | None:
    """What the sender did in a live run (None for a dry run)."""
    stats = report.sending
    if report.mode == "dry_run" or stats is None:
        return None
    stop = report.stop
    return {
        "api_url": report.api_url,
        "requests": stats.requests,
        "retries": stats.retries,
        "responses_429": stats.responses_429,
        "unknowns": stats.unknown,
        "elapsed_seconds": round(stats.elapsed, 3),
        "delivery_seconds": round(report.delivery_seconds, 3),
        "achieved_rate": round(stats.achieved_rate, 2),
        "rate_limit": stats.rate_limit,
        "slowdowns": stats.slowdowns,
        "by_status": {str(status): count for status, count in stats.by_status.items()},
        "recovered_in_flight": report.recovered,
        "stop": None if stop is None else {"code": str(stop.code), "message": stop.message},
    }


def is_summary_file(path: Path) -> bool:
    """Whether ``path`` holds a summary this tool wrote (a JSON object saying so), which a later
    run may replace; any other file there is the user's."""
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(1 << 20))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == "aniva-import" and (
        "schema_version" in data
    )


def write_summary_json(report: RunReport, path: Path) -> None:
    """Write the summary, owner-only and atomically."""
    text = json.dumps(summary_document(report), indent=2, ensure_ascii=False) + "\n"
    write_private_text(path, text)
