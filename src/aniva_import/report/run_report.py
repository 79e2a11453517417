"""The run report: what happened in one run, counted as the finished rows arrive."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aniva_import.results import FinishedRow
from aniva_import.types import PROBLEM_STATUSES

if TYPE_CHECKING:
    from aniva_import.send import SendStats, StopReason

#: rows remembered per problem kind (the summary names the first few)
FIRST_ROWS = 5


@dataclass
class RunReport:
    """What happened in one run: counts, common problems, where the results are."""

    input: Path
    mode: str
    results: Path | None = None
    input_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    #: a workbook's sheet by position ("2"): a sheet's name may be a patient's
    sheet: str | None = None
    #: the header's row number when title lines above it were passed over
    header_row: int | None = None
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
    #: a live run: the API, what the sender did, and why it stopped sending (if it did)
    api_url: str | None = None
    sending: SendStats | None = None
    stop: StopReason | None = None
    #: a live run: requests an earlier, crashed run left in flight (now unknown)
    recovered: int = 0
    #: a live run: seconds spent delivering rows (the ledger's writes and the requests)
    delivery_seconds: float = 0.0
    #: what the user should know about how the file was read (said once, before the
    #: rows are judged; column names and options only)
    notes: list[str] = field(default_factory=list)
    #: the first few rows of each problem kind (row numbers are not patient data)
    problem_rows: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)

    def ranked_problems(self) -> list[tuple[tuple[str, str, str], int]]:
        """Problem kinds, most common first; ties in the order of the profile's fields
        (whole-row problems last), so the same file always reads the same."""
        from aniva_import.rules import API_FIELDS

        def rank(item: tuple[tuple[str, str, str], int]) -> tuple[int, int, str]:
            (field_name, _column, code), count = item
            place = API_FIELDS.index(field_name) if field_name in API_FIELDS else len(API_FIELDS)
            return (-count, place, code)

        return sorted(self.problem_counts.items(), key=rank)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add_rows(self, rows: Sequence[FinishedRow]) -> None:
        """Count finished rows (as they are written: a row counts once it is in the
        results file)."""
        counts = self.counts
        for status, count in Counter(row.status for row in rows).items():
            counts[status.value] += count  # one enum lookup per status, not per row
        problem_counts, problem_rows = self.problem_counts, self.problem_rows
        for row in rows:
            for problem in row.problems:
                key = (problem.field or "", problem.column, problem.code)
                problem_counts[key] += 1
                first = problem_rows.setdefault(key, [])
                if len(first) < FIRST_ROWS and row.row not in first:
                    first.append(row.row)
        if rows:
            self.last_row = rows[-1].row

    def finish_exit_code(self) -> int:
        """0 when every row is fine, 1 when some rows need attention; a run the API
        stopped part-way: 3 (or 2 when nothing reached the API)."""
        if self.stop is not None:
            self.outcome, self.error = "aborted", self.stop.message
            self.exit_code = self.stop.exit_code
            return self.exit_code
        bad = sum(self.counts[s.value] for s in PROBLEM_STATUSES)
        self.exit_code = 1 if bad else 0
        return self.exit_code
