"""Warming up a fresh worker: one made-up row checked, so that its compiled patterns
and schema are ready before the first real chunk arrives."""

from __future__ import annotations

import datetime as dt

from aniva_import.load import Chunk
from aniva_import.mapping import ColumnMap
from aniva_import.normalize import Conventions
from aniva_import.pipeline.check import check_chunk
from aniva_import.pipeline.plan import Plan
from aniva_import.rules import API_FIELDS
from aniva_import.types import Cell


def warm_up(today: dt.date, phone_region: str | None) -> None:
    columns = ColumnMap(
        positions={name: i for i, name in enumerate(API_FIELDS)},
        headers=API_FIELDS,
        unknown=(),
        file_language=None,
    )
    plan = Plan(columns, Conventions(today=today, phone_region=phone_region), None)
    row: list[Cell] = ["Maria", "Schmidt", "2", "22.03.1985", "demo-clinic",
                       "maria.schmidt@example.com", "030 1234567", "168", "65,5", "de"]
    check_chunk(Chunk([row], [2], len(row)), plan)
