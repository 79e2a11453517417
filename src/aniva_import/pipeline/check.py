"""Check: every row normalised and judged against the profile rules, duplicates marked.

:func:`check_chunk` is the work for one chunk (normalise each column, validate the
frame with the schema, fingerprint the valid rows); it is pure, picklable and free
of I/O, so the executor may run it in worker processes.  :func:`check` runs it over
the whole table in file order and marks, in this process, the rows that repeat an
earlier row of the file (which needs file order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from aniva_import.load import FORMULA_WITHOUT_VALUE_MESSAGE, Chunk, Table
from aniva_import.normalize import Conventions, Issue, Value, normalize_column
from aniva_import.pipeline.executor import Executor
from aniva_import.pipeline.plan import Plan
from aniva_import.problems import Problem, ProblemCode
from aniva_import.results import unescape_formula
from aniva_import.rules import API_FIELDS
from aniva_import.types import Cell, column_letter

# imported here, not where first used: worker processes fork after this module is
# imported and so inherit pandas and pandera instead of importing them each
from aniva_import.validate import (
    DuplicateFinder,
    ProfileValidator,
    fingerprints,
    frame_from_columns,
)


@dataclass
class CheckedChunk:
    """What the check found in one chunk."""

    rows: list[int]
    #: the rows with problems (from reading or from the rules), each sorted by field
    problems: dict[int, tuple[Problem, ...]]
    #: the rows without problems, in order, and their fingerprints
    valid_rows: list[int]
    keys: npt.NDArray[np.uint64]
    #: every row's API values per field (None: empty or unreadable); only when the
    #: plan keeps values
    values: dict[str, list[Value | None]] | None = None
    #: valid rows that repeat an earlier row of the file → that row (marked by check())
    duplicates: dict[int, int] = field(default_factory=dict)


_VALIDATORS: dict[tuple[dt.date, bool], ProfileValidator] = {}


def _validator(conventions: Conventions) -> ProfileValidator:
    """The validator of a day (built once per process: building the schema is costly)."""
    key = (conventions.today, conventions.fast_paths)
    validator = _VALIDATORS.get(key)
    if validator is None:
        validator = _VALIDATORS[key] = ProfileValidator(key[0], fast=key[1])
    return validator


def _problem_order(problem: Problem) -> tuple[int, str]:
    field_name = problem.field
    return (API_FIELDS.index(field_name) if field_name in API_FIELDS else -1, problem.code)


def check_chunk(chunk: Chunk, plan: Plan) -> CheckedChunk:
    """Normalise and validate one chunk (in a worker process when the executor has any)."""
    rows = chunk.numbers
    columns = plan.columns
    found: dict[int, list[Problem]] = {}
    for problem in chunk.problems:
        found.setdefault(problem.row, []).append(problem)
    known: set[tuple[int, str]] = set()
    values: dict[str, list[Value | None]] = {}
    names = {f: columns.column_name(f) for f in API_FIELDS}
    if chunk.uncalculated:
        _report_uncalculated(chunk, plan, found, known)
    for field_name, position in columns.positions.items():
        cells = chunk.column(position)
        fallback = columns.fallbacks.get(field_name)
        used: set[int] = set()  # rows whose value came from the fallback column
        if fallback is not None:
            cells, used = _with_fallback(cells, chunk.column(fallback))
        if plan.unescape_cells:
            cells = [unescape_formula(c) if isinstance(c, str) else c for c in cells]
        column_values, issues = normalize_column(field_name, cells, plan.conventions)
        for index, issue in issues:
            row = rows[index]
            known.add((row, field_name))
            name = columns.headers[fallback] if index in used else names[field_name]  # type: ignore[index]
            found.setdefault(row, []).append(
                Problem(row, name, issue.code, issue.message, field_name)
            )
        values[field_name] = column_values
    if plan.default_group is not None:
        groups = values.get("profile_group_slug")
        if groups is None:
            values["profile_group_slug"] = [plan.default_group] * len(rows)
        else:
            for i, group in enumerate(groups):
                if group is None and (rows[i], "profile_group_slug") not in known:
                    groups[i] = plan.default_group
    frame = frame_from_columns(rows, values)
    for problem in _validator(plan.conventions).problems(frame, names, known=known):
        found.setdefault(problem.row, []).append(problem)
    problems = {row: tuple(sorted(p, key=_problem_order)) for row, p in found.items()}
    valid = frame.loc[[row not in problems for row in rows]]
    return CheckedChunk(
        rows=rows,
        problems=problems,
        valid_rows=[int(r) for r in valid.index],
        keys=fingerprints(valid),
        values=values if plan.keep_values else None,
    )


def _report_uncalculated(
    chunk: Chunk, plan: Plan, found: dict[int, list[Problem]], known: set[tuple[int, str]]
) -> None:
    """A ``formula_without_value`` problem for each cell that holds a formula without a
    saved value (its row is not imported: its empty cell would be a guess), in any
    column the results file keeps — except a fallback column (the landline beside a
    mobile) on a row whose own column has a value, and a results file's own columns."""
    columns = plan.columns
    field_at = {position: name for name, position in columns.positions.items()}
    fallback_of = {position: name for name, position in columns.fallbacks.items()}
    index_of = {row: i for i, row in enumerate(chunk.numbers)}
    for row, position in chunk.uncalculated:
        if position in columns.skipped or row not in index_of:
            continue
        field_name = field_at.get(position)
        if field_name is None and position in fallback_of:
            own = chunk.row(index_of[row])[columns.positions[fallback_of[position]]]
            if not (isinstance(own, str) and not own.strip()):
                continue  # the row's own column has a value: the fallback is not read
            field_name = fallback_of[position]
        if field_name is not None:
            known.add((row, field_name))
        name = columns.headers[position] if position < len(columns.headers) else ""
        found.setdefault(row, []).append(Problem(
            row, name or f"column {column_letter(position)}",
            ProblemCode.FORMULA_WITHOUT_VALUE, FORMULA_WITHOUT_VALUE_MESSAGE, field_name,
        ))


def _with_fallback(cells: list[Cell], fallback: list[Cell]) -> tuple[list[Cell], set[int]]:
    """Each row's cell, or the fallback column's where it is empty; and the rows that
    took the fallback."""
    merged: list[Cell] = []
    used: set[int] = set()
    for index, (cell, other) in enumerate(zip(cells, fallback, strict=True)):
        if isinstance(cell, str) and not cell.strip() and other != "":
            merged.append(other)
            used.add(index)
        else:
            merged.append(cell)
    return merged, used


def check(
    table: Table, plan: Plan, executor: Executor, *, chunk_rows: int
) -> Generator[tuple[Chunk, CheckedChunk], None, None]:
    """Every chunk of the table with what the check found, in file order, duplicates
    marked (the first row of a patient is kept, later ones point at it)."""
    duplicates = DuplicateFinder()
    size = executor.chunk_size(chunk_rows, table.rows_at_most)
    for chunk, checked in executor.map(check_chunk, table.chunks(size), plan):
        checked.duplicates = duplicates.check(checked.valid_rows, checked.keys)
        yield chunk, checked


def check_cell(field_name: str, cell: Cell, conventions: Conventions) -> Value | Issue | None:
    """One cell of one field, read and judged as a row would be: its API value, None
    when empty, or the Issue (from reading, or the first rule it breaks)."""
    values, issues = normalize_column(field_name, [cell], conventions)
    if issues:
        return issues[0][1]
    value = values[0]
    if value is None:
        return None
    placeholders: dict[str, list[Value | None]] = {
        "first_name": ["A"], "last_name": ["B"], "profile_group_slug": ["g"], field_name: [value],
    }  # fmt: skip
    frame = frame_from_columns([2], placeholders)
    names = {f: f for f in API_FIELDS}
    for problem in _validator(conventions).problems(frame, names):
        if problem.field == field_name:
            return Issue(problem.code, problem.message)
    return value
