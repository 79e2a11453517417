"""Resolve: record what the user found out about a row an earlier run left ``unknown``.

A request whose answer never arrived may or may not have created the profile; the
tool never sends it again on its own.  The user checks in Aniva and tells the ledger:
created (with the profile's id: the row is ``already_imported`` from then on) or not
created (the next run sends it).  The row is found as a run finds it — the same
file, mapping, options and identity — so the user names it by its row number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aniva_import.errors import ConfigError
from aniva_import.ledger import EntryState, Ledger, default_ledger_path
from aniva_import.load import is_workbook, open_table
from aniva_import.mapping import load_mapping_file
from aniva_import.pipeline.check import check
from aniva_import.pipeline.deliver import body_of
from aniva_import.pipeline.executor import InProcessExecutor
from aniva_import.pipeline.plan import plan_file
from aniva_import.pipeline.prescan import settle_conventions
from aniva_import.rules import profile_id_of
from aniva_import.settings import Settings
from aniva_import.validate import identity_of


@dataclass(frozen=True, slots=True)
class Resolved:
    """What was recorded for the row."""

    row: int
    created: bool
    profile_id: str | None


def resolve_row(
    settings: Settings, row: int, *, profile_id: str | None, today: dt.date | None = None
) -> Resolved:
    """Settle the ``unknown`` ledger entry of ``row`` of ``settings.input``: created with
    ``profile_id`` (a UUID, recorded in lower case), or (``profile_id=None``) not
    created.  Raises :class:`ConfigError` when ``profile_id`` is not a UUID or the row is
    not one that was sent, :class:`~aniva_import.errors.LedgerError`
    when the ledger holds no unknown entry for it."""
    if profile_id is not None:
        profile_id = profile_id_of(profile_id)
        if profile_id is None:
            raise ConfigError(
                "The profile id given with --created-as is not a profile id: Aniva's ids "
                "are UUIDs such as a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d. Copy the id from "
                "Aniva and run resolve again."
            )
    today = today or dt.datetime.now(dt.UTC).date()
    mapping = load_mapping_file(settings.mapping) if settings.mapping else None
    sheet = settings.sheet or (mapping.sheet if mapping else None)
    table = open_table(settings.input, sheet=sheet if is_workbook(settings.input) else None)
    plan = settle_conventions(table, plan_file(settings, mapping, table, today))
    for _chunk, checked in check(table, plan, InProcessExecutor(),
                                 chunk_rows=settings.chunk_rows):
        if row not in checked.rows:
            continue
        if row in checked.problems or row in checked.duplicates:
            raise ConfigError(
                f"Row {row} of {settings.input} is not a row that is sent (it is invalid or "
                "repeats an earlier row), so there is nothing to resolve."
            )
        assert checked.values is not None
        body = body_of(checked.values, checked.rows.index(row))
        group = str(body["profile_group_slug"])
        with Ledger(settings.state or default_ledger_path()) as ledger:
            key = ledger.key(settings.ledger_api or settings.api_url, group, identity_of(body))
            entry = ledger.lookup([key]).get(key)
            if entry is None:
                raise ConfigError(
                    f"The ledger has no record of row {row} being sent to {settings.api_url} "
                    "(it failed, or was never sent): there is nothing to resolve."
                )
            if entry.state is not EntryState.UNKNOWN:
                raise ConfigError(
                    f"Row {row} is recorded as {entry.state}"
                    + (f" (profile {entry.profile_id})" if entry.profile_id else "")
                    + ", not unknown: there is nothing to resolve."
                )
            if profile_id is None:
                ledger.resolve(key, created=False)
            else:
                ledger.resolve(key, profile_id=profile_id)
        return Resolved(row, profile_id is not None, profile_id)
    raise ConfigError(f"{settings.input} has no data row {row}.")
