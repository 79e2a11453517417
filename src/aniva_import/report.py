"""The run report: counts, the most common problems, the summary JSON and what the
terminal shows (never patient data: row numbers, column names and codes only)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aniva_import.results import write_private_text
from aniva_import.types import PROBLEM_STATUSES, Problem, Status


@dataclass
class RunReport:
    """What happened in one run: counts, common problems, where the results are."""

    input: Path
    mode: str
    results: Path | None = None
    input_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    problem_counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    unknown_columns: tuple[str, ...] = ()
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    outcome: str = "finished"
    error: str | None = None
    exit_code: int = 0
    #: the last row written to the results file so far
    last_row: int = 0

    def ranked_problems(self) -> list[tuple[tuple[str, str, str], int]]:
        """Problem kinds, most common first; ties in the order of the profile's fields
        (whole-row problems last), so the same file always reads the same."""
        from aniva_import.rules import API_FIELDS

        def rank(item: tuple[tuple[str, str, str], int]) -> tuple[int, int, str]:
            (field_name, _column, code), count = item
            place = API_FIELDS.index(field_name) if field_name in API_FIELDS else len(API_FIELDS)
            return (-count, place, code)

        return sorted(self.problem_counts.items(), key=rank)

    def reset_rows(self) -> None:
        """Forget every row counted so far (the file is being checked again)."""
        self.counts.clear()
        self.problem_counts.clear()
        self.last_row = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, status: Status, problems: Sequence[Problem]) -> None:
        self.counts[status] += 1
        for problem in problems:
            self.problem_counts[(problem.field or "", problem.column, problem.code)] += 1

    def finish_exit_code(self) -> int:
        """0 when every row is fine, 1 when some rows need attention."""
        bad = sum(self.counts[s.value] for s in PROBLEM_STATUSES)
        self.exit_code = 1 if bad else 0
        return self.exit_code

    def to_json(self) -> dict[str, Any]:
        """The ``--summary-json`` document (``schemas/summary.schema.json``)."""
        from aniva_import import __version__

        duration = (
            (self.finished_at - self.started_at).total_seconds()
            if self.started_at and self.finished_at
            else None
        )
        return {
            "schema_version": 1,
            "tool": "aniva-import",
            "version": __version__,
            "mode": self.mode,
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "error": self.error,
            "input": {
                "path": str(self.input),
                "format": self.input_format,
                "encoding": self.encoding,
                "delimiter": self.delimiter,
                "sheet": self.sheet,
            },
            "results_file": str(self.results) if self.results else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_seconds": duration,
            "rows": {"total": self.total, **{s.value: self.counts[s.value] for s in Status}},
            "problems": [
                {"field": f or None, "column": column, "code": code, "count": count}
                for (f, column, code), count in self.ranked_problems()
            ],
            "unknown_columns": list(self.unknown_columns),
        }


def write_summary_json(report: RunReport, path: Path) -> None:
    write_private_text(path, json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")


def render_summary(report: RunReport, *, top: int = 8) -> str:
    """The terminal summary: counts and the most common problems, never patient data."""
    lines = []
    what = "Dry run" if report.mode == "dry_run" else "Import"
    details = [d for d in (report.input_format, report.encoding, _delimiter_name(report.delimiter),
                           f"sheet {report.sheet!r}" if report.sheet else None) if d]
    lines.append(f"{what} of {report.input} ({', '.join(details)})")
    parts = [f"{report.counts[s.value]} {s.value}" for s in Status if report.counts[s.value]]
    noun = "row" if report.total == 1 else "rows"
    lines.append(f"  {report.total} {noun}: {', '.join(parts) if parts else 'nothing to do'}")
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


def _delimiter_name(delimiter: str | None) -> str | None:
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    return f"{names.get(delimiter, delimiter)}-separated" if delimiter else None
