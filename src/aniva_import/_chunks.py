"""Judging one chunk of rows: normalise, validate, and render its results rows.

This is the work the pipeline hands to worker processes, so everything here is
picklable and free of I/O.  The pipeline's own process keeps what needs file
order (duplicates across chunks) and the writing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from aniva_import.mapping import ColumnMap, DateOrder
from aniva_import.results import Cell, Rendered, ResultRow, RowRenderer, unescape_formula
from aniva_import.rules import API_FIELDS
from aniva_import.types import Problem, Status

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from aniva_import.load import Chunk
    from aniva_import.normalize import Conventions
    from aniva_import.validate import ProfileValidator


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs to judge a chunk (small, picklable)."""

    columns: ColumnMap
    conventions: Conventions
    default_group: str | None
    #: positions of the input columns written to the results file, in order
    kept: tuple[int, ...] = ()
    #: renders results rows in the worker; None: the writer does it
    renderer: RowRenderer | None = None
    #: count the date column's slash-date evidence (while the order is being inferred)
    collect_date_evidence: bool = False
    #: the input is one of our CSV results files: undo its formula escaping
    unescape_cells: bool = False

    @property
    def infers_date_order(self) -> bool:
        return self.conventions.date_order is None and "date_of_birth" in self.columns.positions

    def with_date_order(self, order: DateOrder | None) -> Plan:
        return replace(self, conventions=replace(self.conventions, date_order=order))


@dataclass
class DateEvidence:
    """What a date column says about its slash dates' order, added up chunk by chunk."""

    dmy: int = 0
    mdy: int = 0
    ambiguous: int = 0

    @classmethod
    def of(cls, plan: Plan, chunk: Chunk) -> DateEvidence:
        from aniva_import.normalize import infer_date_order

        # Only text cells can be slash dates, and text cells are never converted: the
        # raw cells do (so the main process converts nothing for this).
        position = plan.columns.positions["date_of_birth"]
        cells = [row[position] for row in chunk.raw]
        if plan.unescape_cells:
            cells = [unescape_formula(c) if isinstance(c, str) else c for c in cells]
        found = infer_date_order(cells)
        return cls(found.dmy_rows, found.mdy_rows, found.ambiguous_rows)

    def add(self, other: DateEvidence) -> None:
        self.dmy += other.dmy
        self.mdy += other.mdy
        self.ambiguous += other.ambiguous

    @property
    def order(self) -> DateOrder | None:
        if self.dmy and self.mdy:
            return None
        return "DMY" if self.dmy else "MDY" if self.mdy else None

    @property
    def any(self) -> bool:
        return bool(self.dmy or self.mdy or self.ambiguous)


@dataclass(frozen=True)
class ChunkVerdict:
    """What normalisation and validation found in one chunk."""

    rows: list[int]
    problems: dict[int, list[Problem]]
    valid_rows: list[int]
    keys: npt.NDArray[np.uint64]
    #: rows per status and problems per (field, column, code), duplicates not yet known
    status_counts: Counter[str]
    problem_counts: Counter[tuple[str, str, str]]
    #: the chunk's results rows, every row judged valid or invalid (the pipeline
    #: re-renders the few that turn out to repeat an earlier chunk's row)
    rendered: Rendered | None = None
    #: output row number of the chunk's first row (the results file's own numbering)
    first_row: int = 2
    #: the chunk's slash-date evidence, when the plan asked for it
    date_evidence: DateEvidence | None = None


_VALIDATORS: dict[dt.date, ProfileValidator] = {}


def _validator(today: dt.date) -> ProfileValidator:
    from aniva_import.validate import ProfileValidator

    validator = _VALIDATORS.get(today)
    if validator is None:
        validator = _VALIDATORS[today] = ProfileValidator(today)
    return validator


def _problem_order(problem: Problem) -> tuple[int, str]:
    field = problem.field
    return (API_FIELDS.index(field) if field in API_FIELDS else -1, problem.code)


def judge_chunk(chunk: Chunk, plan: Plan, first_row: int = 2) -> ChunkVerdict:
    """Normalise and validate one chunk (runs in a worker process when asked to).
    ``first_row`` is where the chunk's rows start in the results file."""
    from aniva_import.normalize import normalize_column
    from aniva_import.validate import fingerprints, frame_from_columns

    rows = chunk.numbers
    columns = plan.columns
    problems: dict[int, list[Problem]] = {}
    for problem in chunk.problems:
        problems.setdefault(problem.row, []).append(problem)
    known: set[tuple[int, str]] = set()
    values: dict[str, list[object]] = {}
    names = {f: columns.column_name(f) for f in API_FIELDS}
    for field_name, position in columns.positions.items():
        cells = chunk.column(position)
        if plan.unescape_cells:
            cells = [unescape_formula(c) if isinstance(c, str) else c for c in cells]
        column_values, issues = normalize_column(field_name, cells, plan.conventions)
        for index, issue in issues:
            row = rows[index]
            known.add((row, field_name))
            problems.setdefault(row, []).append(
                Problem(row, names[field_name], issue.code, issue.message, field_name)
            )
        values[field_name] = list(column_values)
    if plan.default_group is not None:
        groups = values.get("profile_group_slug")
        if groups is None:
            values["profile_group_slug"] = [plan.default_group] * len(rows)
        else:
            for i, group in enumerate(groups):
                if group is None and (rows[i], "profile_group_slug") not in known:
                    groups[i] = plan.default_group
    normalised = frame_from_columns(rows, values)
    validator = _validator(plan.conventions.today)
    for problem in validator.problems(normalised, names, known=known):
        problems.setdefault(problem.row, []).append(problem)
    problem_counts: Counter[tuple[str, str, str]] = Counter()
    for row_problems in problems.values():
        row_problems.sort(key=_problem_order)
        problem_counts.update((p.field or "", p.column, p.code) for p in row_problems)
    valid = normalised.loc[[row not in problems for row in rows]]
    status_counts: Counter[str] = Counter(
        {Status.INVALID: len(problems), Status.VALID: len(rows) - len(problems)}
    )
    rendered = None
    if plan.renderer is not None:
        rendered = _render(chunk, plan, rows, problems, first_row)
    return ChunkVerdict(
        rows=rows,
        problems=problems,
        valid_rows=[int(r) for r in valid.index],
        keys=fingerprints(valid),
        status_counts=status_counts,
        problem_counts=problem_counts,
        rendered=rendered,
        first_row=first_row,
        date_evidence=DateEvidence.of(plan, chunk) if plan.collect_date_evidence else None,
    )


def result_cells(chunk: Chunk, kept: tuple[int, ...]) -> list[list[Cell]]:
    """The input cells of every row of ``chunk`` that go into the results file."""
    if len(kept) == chunk.width:
        return chunk.rows
    return [[row[k] for k in kept] for row in chunk.rows]


def _render(
    chunk: Chunk, plan: Plan, rows: list[int], problems: dict[int, list[Problem]], first_row: int
) -> Rendered:
    assert plan.renderer is not None
    empty: tuple[Problem, ...] = ()
    results = [
        ResultRow(
            row,
            Status.INVALID if row in problems else Status.VALID,
            None,
            tuple(problems[row]) if row in problems else empty,
            cells,
        )
        for row, cells in zip(rows, result_cells(chunk, plan.kept), strict=True)
    ]
    return plan.renderer.render(results, first_row)


def warm_up(today: dt.date, phone_region: str | None) -> None:
    """Judge one made-up row, so that a fresh worker process has its compiled
    patterns and schema ready before the first real chunk arrives."""
    from aniva_import.load import Chunk
    from aniva_import.normalize import Conventions

    columns = ColumnMap(
        positions={name: i for i, name in enumerate(API_FIELDS)},
        headers=API_FIELDS,
        unknown=(),
        file_language=None,
    )
    plan = Plan(columns, Conventions(today=today, phone_region=phone_region), None)
    row: list[Cell] = ["Maria", "Schmidt", "2", "22.03.1985", "demo-clinic",
                       "maria.schmidt@example.com", "030 1234567", "168", "65,5", "de"]
    judge_chunk(Chunk([row], [2], len(row)), plan)
