"""The one place where a row's status is decided.

Every fact about a row arrives here — the problems the check found, the earlier row
of the file it repeats, and in a live run what the ledger knew and what the API
answered — and :func:`finish_chunk` turns them into the finished rows the results
file and the report receive, in file order.  Nothing downstream changes a status.
"""

from __future__ import annotations

from collections.abc import Mapping

from aniva_import.ledger import EntryState
from aniva_import.load import Chunk
from aniva_import.mapping import ColumnMap
from aniva_import.pipeline.check import CheckedChunk
from aniva_import.pipeline.deliver import NO_ID, Delivery
from aniva_import.problems import Problem, ProblemCode
from aniva_import.results import FinishedRow, SentValue
from aniva_import.rules import API_FIELDS
from aniva_import.send import OutcomeKind, SendOutcome, StopReason
from aniva_import.types import Cell, Status

_NONE: tuple[Problem, ...] = ()
_FIELDS = frozenset(API_FIELDS)


def duplicate_problem(row: int, first: int) -> Problem:
    return Problem(
        row, "", ProblemCode.DUPLICATE_ROW,
        f"Repeats row {first} (same name, date of birth and group); not sent.",
    )


def not_reached_problem(row: int, *, sent: bool = False) -> Problem:
    what = "sent" if sent else "checked"
    return Problem(
        row, "", ProblemCode.INTERRUPTED, f"The run was interrupted before this row was {what}."
    )


def result_cells(chunk: Chunk, kept: tuple[int, ...]) -> list[list[Cell]]:
    """The input cells of every row of ``chunk`` that go into the results file."""
    if len(kept) == chunk.width:
        return chunk.rows
    return [[row[k] for k in kept] for row in chunk.rows]


def finish_chunk(
    chunk: Chunk,
    checked: CheckedChunk,
    kept: tuple[int, ...],
    deliveries: Mapping[int, Delivery] | None = None,
    columns: ColumnMap | None = None,
) -> list[FinishedRow]:
    """The finished rows of a checked chunk.  Without ``deliveries`` (a dry run) a row
    is valid, invalid or a duplicate; with them, what happened when it was sent (or
    why it was not) decides, its problems named by ``columns`` (the user's headers)."""
    problems, duplicates = checked.problems, checked.duplicates
    finished = []
    sent = _sent_values(checked)
    for index, (row, cells) in enumerate(zip(checked.rows, result_cells(chunk, kept),
                                             strict=True)):
        values = sent[index] if sent is not None else None
        found = problems.get(row)
        if found:
            finished.append(FinishedRow(row, Status.INVALID, None, found, cells, values))
        elif row in duplicates:
            repeat = (duplicate_problem(row, duplicates[row]),)
            finished.append(FinishedRow(row, Status.DUPLICATE, None, repeat, cells, values))
        elif deliveries is None:
            finished.append(FinishedRow(row, Status.VALID, None, _NONE, cells, values))
        else:
            status, profile_id, said = _delivered(row, deliveries.get(row), columns)
            finished.append(FinishedRow(row, status, profile_id, said, cells, values))
    return finished


def _sent_values(checked: CheckedChunk) -> list[tuple[SentValue, ...]] | None:
    """Each row's API values in the order of ``API_FIELDS`` (when the check kept them)."""
    if checked.values is None:
        return None
    empty: list[SentValue] = [None] * len(checked.rows)
    columns = [checked.values.get(f) or empty for f in API_FIELDS]
    return list(zip(*columns, strict=True))


def _delivered(
    row: int, delivery: Delivery | None, columns: ColumnMap | None
) -> tuple[Status, str | None, tuple[Problem, ...]]:
    """A checked row of a live run: its status, profile id and problems."""
    if delivery is None or (delivery.earlier is None and delivery.outcome is None):
        stop = delivery.stop if delivery is not None else None
        return Status.NOT_SENT, None, (_stopped_problem(row, stop),)
    earlier = delivery.earlier
    if earlier is not None:
        if earlier.state is EntryState.CREATED:
            notes: tuple[Problem, ...] = ()
            if delivery.changed:
                notes = (_changed_problem(row, delivery.changed, columns),)
            profile_id = None if earlier.profile_id == NO_ID else earlier.profile_id
            return Status.ALREADY_IMPORTED, profile_id, notes
        return Status.UNKNOWN, None, (_earlier_unknown_problem(row),)
    outcome = delivery.outcome
    assert outcome is not None
    return _sent(row, outcome, columns)


_KIND_STATUS = {
    OutcomeKind.CREATED: Status.CREATED,
    OutcomeKind.FAILED: Status.FAILED,
    OutcomeKind.UNKNOWN: Status.UNKNOWN,
    OutcomeKind.NOT_SENT: Status.NOT_SENT,
}


def _sent(
    row: int, outcome: SendOutcome, columns: ColumnMap | None
) -> tuple[Status, str | None, tuple[Problem, ...]]:
    status = _KIND_STATUS[outcome.kind]
    if status is Status.CREATED and outcome.profile_id:
        return status, outcome.profile_id, _NONE
    code = outcome.code or ProblemCode.API_REJECTED
    said: list[Problem] = []
    for field_name, api_message in outcome.field_errors.items():
        column = columns.column_name(field_name) if columns and field_name in _FIELDS else ""
        said.append(Problem(row, column or field_name, code,
                            f"The API refused this value: {_clean(api_message)}", field_name))
    message = outcome.message or "The API refused this row."
    if outcome.api_message and not said:
        message = f"{message} The API said: {_clean(outcome.api_message)}"
    said.insert(0, Problem(row, "", code, message))
    return status, outcome.profile_id, tuple(said)


def _clean(text: str, limit: int = 300) -> str:
    """The API's own words, on one line and cut short (they go to the results file only)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stopped_problem(row: int, stop: StopReason | None) -> Problem:
    if stop is None:
        return Problem(row, "", ProblemCode.INTERRUPTED,
                       "The run stopped before this row was sent; run again to send it.")
    code = ProblemCode.of(stop.code, ProblemCode.INTERRUPTED)
    return Problem(row, "", code, f"Not sent: {stop.message} Run again to send it.")


def _changed_problem(row: int, changed: tuple[str, ...], columns: ColumnMap | None) -> Problem:
    names = ", ".join(columns.column_name(f) if columns and f in _FIELDS else f for f in changed)
    return Problem(
        row, "", ProblemCode.ALREADY_IMPORTED_CHANGED,
        f"An earlier run created this patient; these values differ from what it sent: "
        f"{names}. The API cannot update a profile: change them in Aniva if they matter.",
    )


def _earlier_unknown_problem(row: int) -> Problem:
    return Problem(
        row, "", ProblemCode.EARLIER_UNKNOWN,
        "An earlier run sent this patient but never learnt whether the profile was created, "
        "so it is not sent again on its own. Check in Aniva, then record what you found with "
        "aniva-import resolve, or run again with --resend-unknown.",
    )


def not_reached(
    chunk: Chunk, kept: tuple[int, ...], after: int, *, sent: bool = False
) -> list[FinishedRow]:
    """The rows of ``chunk`` past row ``after``, which the run stopped before (``sent``:
    a live run, which stopped before sending them)."""
    return [
        FinishedRow(row, Status.NOT_SENT, None, (not_reached_problem(row, sent=sent),), cells)
        for row, cells in zip(chunk.numbers, result_cells(chunk, kept), strict=True)
        if row > after
    ]
