"""One finished row: what the results file says about one input row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from aniva_import.problems import Problem
from aniva_import.types import Cell, Status

#: One API value of a row (text, a number, or None: empty or unreadable).
SentValue = str | int | float | None


class FinishedRow(NamedTuple):
    """A row whose status is decided: the results file's ``row``, ``status``,
    ``profile_id`` and ``errors`` columns, then the input's own cells unchanged.
    (A tuple: a file's rows are many, and a tuple is the cheapest immutable record.)

    ``values``, when the run keeps them, are the row's values as they go (or would
    go) to the API, one per field of ``rules.API_FIELDS`` in that order."""

    row: int
    status: Status
    profile_id: str | None
    problems: tuple[Problem, ...]
    cells: Sequence[Cell]
    values: tuple[SentValue, ...] | None = None

    @property
    def errors(self) -> str:
        return "; ".join(p.render() for p in self.problems)
