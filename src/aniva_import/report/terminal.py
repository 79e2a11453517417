"""What the terminal shows after a run: counts and the most common problems — never
patient data (row numbers, column names and problem codes only)."""

from __future__ import annotations

from aniva_import.report.run_report import RunReport
from aniva_import.types import Status


def render_summary(report: RunReport, *, top: int = 8) -> str:
    """The terminal summary: counts and the most common problems, never patient data."""
    lines = []
    what = "Dry run" if report.mode == "dry_run" else "Import"
    details = [d for d in (report.input_format, report.encoding, _delimiter_name(report.delimiter),
                           f"sheet {report.sheet}" if report.sheet else None,
                           f"header in row {report.header_row}" if report.header_row else None)
               if d]
    into = f" into {report.api_url}" if report.api_url else ""
    lines.append(f"{what} of {report.input} ({', '.join(details)}){into}")
    parts = [f"{report.counts[s.value]} {s.value}" for s in Status if report.counts[s.value]]
    noun = "row" if report.total == 1 else "rows"
    lines.append(f"  {report.total} {noun}: {', '.join(parts) if parts else 'nothing to do'}")
    lines.extend(_sending(report))
    if report.problem_counts:
        lines.append("  Most common problems:")
        for (_field, column, code), count in report.ranked_problems()[:top]:
            lines.append(f"    {count:>6} × {column or 'whole row'}: {code}")
        hidden = len(report.problem_counts) - top
        if hidden > 0:
            kinds = "kind" if hidden == 1 else "kinds"
            lines.append(f"    … and {hidden} more {kinds} (see the errors column)")
    if report.unknown_columns:
        names = ", ".join(report.unknown_columns)
        lines.append(f"  Columns not imported (kept in the results file): {names}")
    if report.results:
        lines.append(f"  Results: {report.results}")
    return "\n".join(lines)


def _sending(report: RunReport) -> list[str]:
    """The sender's figures, why it stopped, and rows an earlier crash left uncertain."""
    lines = []
    stats = report.sending
    if stats is not None and stats.requests:
        retries = f"{stats.retries} retries" if stats.retries != 1 else "1 retry"
        throttled = f"{stats.responses_429} answered 429 (too many requests)"
        lines.append(
            f"  Sent {stats.requests} requests in {stats.elapsed:.1f} s "
            f"({stats.achieved_rate:.0f} per second); {retries}, {throttled}"
        )
    if report.recovered:
        lines.append(
            f"  An earlier run was cut off with {report.recovered} requests under way: "
            "those rows are unknown until you check them"
        )
    if report.stop is not None:
        lines.append(f"  Stopped: {report.stop.message}")
    return lines


def _delimiter_name(delimiter: str | None) -> str | None:
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    return f"{names.get(delimiter, delimiter)}-separated" if delimiter else None
