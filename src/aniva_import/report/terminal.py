"""What the terminal shows after a run: counts, the most common problems with their
first rows, and what to do next — never patient data (row numbers, column names,
problem codes and options only).

Every problem kind an option or a mapping setting fixes says which (:data:`FIXES`);
the summary ends with the next step: fix the highlighted cells and run the results
file again, or import the checked file.
"""

from __future__ import annotations

from typing import Final

from aniva_import.problems import ProblemCode
from aniva_import.report.run_report import RunReport
from aniva_import.types import PROBLEM_STATUSES, Status

#: problem kinds fixed by an option or a mapping setting rather than cell by cell
FIXES: Final[dict[str, str]] = {
    ProblemCode.PHONE_NEEDS_REGION: "run with --phone-region CC (e.g. DE, FI)",
    ProblemCode.AMBIGUOUS_PHONE: "write these numbers with a +, or set bare_phone_numbers "
                                 "in a --mapping file",
    ProblemCode.AMBIGUOUS_DATE: "set date_order (DMY or MDY) in a --mapping file",
    ProblemCode.SERIAL_DATE: "set date_serials = true in a --mapping file if the column "
                             "holds Excel date numbers",
    ProblemCode.EARLIER_UNKNOWN: "check in Aniva, then --resend-unknown",
    ProblemCode.INTERRUPTED: "run again",
}
#: rows named per problem kind
_ROWS_SHOWN = 3


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
    for note in report.notes:
        lines.append(f"  Note: {note}")
    if report.problem_counts:
        lines.append("  Most common problems (first rows):")
        for key, count in report.ranked_problems()[:top]:
            _field, column, code = key
            rows = report.problem_rows.get(key, [])
            where = _rows(rows[:_ROWS_SHOWN], more=count > min(len(rows), _ROWS_SHOWN))
            fix = FIXES.get(code)
            if code == ProblemCode.REQUIRED and _field == "profile_group_slug":
                fix = "run with --group SLUG, or fill in the group column"
            tail = f" — {fix}" if fix else ""
            lines.append(f"    {count:>6} × {column or 'whole row'}: {code} ({where}){tail}")
        hidden = len(report.problem_counts) - top
        if hidden > 0:
            kinds = "kind" if hidden == 1 else "kinds"
            lines.append(f"    … and {hidden} more {kinds} (see the errors column)")
    if report.unknown_columns:
        names = ", ".join(report.unknown_columns)
        lines.append(f"  Columns not imported (kept in the results file): {names}")
    if report.results:
        lines.append(f"  Results: {report.results}")
    lines.extend(_next_steps(report))
    return "\n".join(lines)


def _rows(rows: list[int], *, more: bool) -> str:
    if not rows:
        return "rows: see the errors column"
    noun = "row" if len(rows) == 1 and not more else "rows"
    return f"{noun} {', '.join(map(str, rows))}{', …' if more else ''}"


def _next_steps(report: RunReport) -> list[str]:
    """The last lines: what to do now."""
    results = report.results
    if results is None or report.outcome == "not_started":
        return []
    bad = sum(report.counts[s.value] for s in PROBLEM_STATUSES)
    dry = report.mode == "dry_run"
    if report.outcome == "interrupted":
        return [f"  Next: run the same command again to go on; {results} lists what was done."]
    if not bad:
        if dry:
            return ["  Next: every row can be sent. Import it: the same command without "
                    "--dry-run (or with --sandbox to rehearse)."]
        return ["  Done: every row is in Aniva."]
    unknown = report.counts[Status.UNKNOWN.value]
    checks = [
        f"  Check: {unknown} {'row is' if unknown == 1 else 'rows are'} unknown: the API may "
        "have created them. Look each up in Aniva, then record it:",
        f"        aniva-import resolve {report.input} --row N --created-as PROFILE_ID … "
        "(or --not-created), with the run's options;",
        "        they are never sent again on their own.",
    ] if unknown else []
    if bad == unknown:  # nothing to fix in the cells
        return checks
    again = f"aniva-import run {results}" + (" --dry-run" if dry else "")
    fix = ("fix the highlighted cells (the note on each says what is wrong)"
           if results.suffix.lower() == ".xlsx"
           else "fix the cells each row's errors column names")
    steps = [
        f"  Next: open {results} and {fix};",
        f"        then run it again with the same options: {again} …",
    ]
    if not dry:
        steps.append("        Rows already created are recognised and not sent twice.")
    return steps + checks


def _sending(report: RunReport) -> list[str]:
    """The sender's figures, why it stopped, and rows an earlier crash left uncertain."""
    lines = []
    stats = report.sending
    if stats is not None and stats.requests and not stats.responses:
        lines.append(f"  Tried {stats.requests} times in {stats.elapsed:.1f} s; "
                     "no request got an answer")
    elif stats is not None and stats.requests:
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
