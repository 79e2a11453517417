"""What ``aniva-import nightly`` prints on stdout when it ends (what cron mails): per
inbox, each file and what became of it; counts, file names, codes, never patient data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from aniva_import.nightly.drift import Drift
from aniva_import.nightly.outcome import FileOutcome, InboxOutcome, NightlyReport, file_counts

_ACTION_WORDS = {
    "imported": "imported",
    "failed": "failed",
    "cut_short": "cut short, resumes next run",
    "left_for_later": "left for later",
    "duplicate_content": "already imported (same bytes)",
    "error": "not processed (error)",
    "checked": "checked",
}
_DRY_WORDS = {
    "failed": "would fail",
    "duplicate_content": "would be skipped: same bytes as an imported file",
    "checked": "would be imported",
}
_ROW_ORDER = ("created", "already_imported", "valid", "invalid", "duplicate", "failed",
              "unknown", "not_sent")


def _rows(counts: Counter[str]) -> str:
    parts = [f"{counts[s]} {s.replace('_', ' ')}" for s in _ROW_ORDER if counts[s]]
    return ", ".join(parts) if parts else "no rows"


def describe_drift(drift: Drift) -> str:
    if not drift.recognised:
        return "the first row names no known column (is the header row missing?)"
    parts = [f"renamed {r.before!r} → {r.after!r} ({r.field})" for r in drift.renamed]
    if drift.removed:
        parts.append("gone: " + ", ".join(repr(h) for h in drift.removed))
    if drift.added:
        parts.append("new: " + ", ".join(repr(h) for h in drift.added))
    if drift.fields_lost:
        parts.append("no longer imported: " + ", ".join(drift.fields_lost))
    if drift.required_missing:
        parts.append("required and missing: " + ", ".join(drift.required_missing))
    return "; ".join(parts)


def _file_line(out: FileOutcome, dry: bool) -> list[str]:
    words = (_DRY_WORDS.get(out.action) if dry else None) or _ACTION_WORDS[out.action]
    line = f"    {out.name}: {words}"
    if out.action in ("imported", "cut_short", "checked") or out.rows:
        line += f" ({_rows(out.rows)})"
    if out.reason and out.action in ("left_for_later", "cut_short"):
        line += f" [{out.reason}]"
    if out.moved_to:
        moved = Path(out.moved_to)
        line += f" → {moved.parent.name}/{moved.name}"
    elif out.action == "cut_short" and out.taken_as:
        line += f" → working/{out.taken_as}"
    lines = [line]
    if out.error and out.action in ("failed", "error", "cut_short"):
        lines.append(f"      {out.error}")
    if out.drift is not None:
        lines.append(f"      header drift: {describe_drift(out.drift)}")
    return lines


def _inbox_lines(inbox: InboxOutcome, dry: bool) -> list[str]:
    counts = file_counts(inbox.files)
    if inbox.state == "busy":
        head = f"  {inbox.name}: busy — {inbox.error}"
    elif inbox.state == "error" and not inbox.files:
        head = f"  {inbox.name}: not processed — {inbox.error}"
    else:
        head = f"  {inbox.name}: {counts['seen']} file(s)"
    lines = [head]
    for out in inbox.files:
        lines.extend(_file_line(out, dry))
    return lines


def render_nightly(report: NightlyReport) -> str:
    dry = report.mode == "dry_run"
    counts = file_counts(report.files)
    title = "Nightly dry run" if dry else "Nightly import"
    done = "checked" if dry else "imported"
    lines = [
        f"{title} of {len(report.inboxes)} inbox(es): {counts['seen']} file(s) seen, "
        f"{counts['checked'] if dry else counts['imported']} {done}, {counts['failed']} failed, "
        f"{counts['left_for_later']} left for later"
        + (f", {counts['duplicate_content']} already imported"
           if counts["duplicate_content"] else "")
    ]
    for inbox in report.inboxes:
        lines.extend(_inbox_lines(inbox, dry))
    lines.append(f"  Rows: {_rows(report.rows())}")
    if report.api_stop is not None:
        lines.append(f"  The API stopped the run ({report.api_stop.code}): "
                     f"{report.api_stop.message} The files not reached wait for the next run.")
    if report.outcome == "interrupted":
        lines.append("  Interrupted: the file being imported resumes next run.")
    if dry:
        lines.append(f"  Results: {report.dry_run_results}" if report.dry_run_results else
                     "  Results files were not kept (pass --summary-json PATH to keep them "
                     "beside the summary).")
    return "\n".join(lines)
