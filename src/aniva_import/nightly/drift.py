"""The header-drift alarm: did this export's columns change since the last one imported?

A clinic system's export changes shape after an update, or someone edits its column
list: a header renamed (``Telefon`` → ``Handy``, still phone; or ``Telefon`` →
``Tel. privat``, which nothing recognises, so phone numbers would silently stop
arriving), a column gone, a column new.  :func:`compare` tells, against the header
set of the inbox's last imported file, which headers were added, removed or
renamed (the same field now under another header), which fields are no longer
recognised, and which required fields are missing (that file fails on its own).

Headers are compared as the pipeline reads them (case, spacing, punctuation and
accents do not matter); a different order is not drift.  Only headers are read,
never a cell.  A file none of whose headers is a known column name probably has no
header row: its first row is a patient, so its "headers" are never reported or
kept (``recognised`` is False).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aniva_import.errors import MappingError
from aniva_import.load import is_workbook, open_table
from aniva_import.mapping import MappingFile, header_key, header_recogniser, map_columns


@dataclass(frozen=True, slots=True)
class HeaderSet:
    """A file's headers (non-empty, as written) and the field each recognised one holds."""

    headers: tuple[str, ...]
    #: field → header, as mapped (empty when mapping failed)
    fields: dict[str, str]
    recognised: bool


@dataclass(frozen=True, slots=True)
class Renamed:
    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Drift:
    """How a file's headers differ from the previous imported file's."""

    previous: str | None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    renamed: tuple[Renamed, ...] = ()
    #: fields the previous file's headers held that this file's do not
    fields_lost: tuple[str, ...] = ()
    #: required fields this file lacks (it fails on its own)
    required_missing: tuple[str, ...] = ()
    #: False: the first row names no known column (its values are never reported)
    recognised: bool = True

    @property
    def drifted(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.required_missing
                    or not self.recognised)

    def to_json(self) -> dict[str, Any]:
        return {
            "previous_file": self.previous,
            "headers_recognised": self.recognised,
            "added": list(self.added),
            "removed": list(self.removed),
            "renamed": [{"field": r.field, "from": r.before, "to": r.after}
                        for r in self.renamed],
            "fields_lost": list(self.fields_lost),
            "required_missing": list(self.required_missing),
        }


def read_headers(path: Path, *, sheet: str | None, mapping: MappingFile | None) -> HeaderSet:
    """The header set of a file (raises the loader's :class:`InputError` when the file
    cannot be read); ``sheet`` and ``mapping`` as the import uses them."""
    if sheet is None and mapping is not None and is_workbook(path):
        sheet = mapping.sheet
    table = open_table(path, sheet=sheet, recognise=header_recogniser(mapping))  # as run does
    return header_set(table.headers, mapping)


def header_set(headers: tuple[str, ...], mapping: MappingFile | None) -> HeaderSet:
    named = tuple(h for h in headers if h.strip())
    try:
        columns = map_columns(headers, mapping=mapping)
    except MappingError:
        return HeaderSet(named, {}, recognised=_any_known(named))
    fields = {f: headers[p] for f, p in columns.positions.items()}
    return HeaderSet(named, fields, recognised=bool(fields))


def _any_known(headers: tuple[str, ...]) -> bool:
    """Some header is a known column name on its own (the mapping failed for another
    reason, e.g. two columns claim one field): one header alone never clashes."""
    return any(map_columns((h,)).positions for h in headers)


REQUIRED_FIELDS = ("first_name", "last_name")


def required_missing(current: HeaderSet, *, group: str | None) -> tuple[str, ...]:
    """The required fields no header holds (the profile group only without a default)."""
    missing = [f for f in REQUIRED_FIELDS if f not in current.fields]
    if "profile_group_slug" not in current.fields and not group:
        missing.append("profile_group_slug")
    return tuple(missing)


def compare(
    previous: tuple[str, ...] | None,
    previous_name: str | None,
    current: HeaderSet,
    *,
    mapping: MappingFile | None = None,
    group: str | None = None,
) -> Drift | None:
    """The drift of ``current`` from the ``previous`` header set (None: nothing to
    report — no baseline yet and nothing required missing, or no difference)."""
    if not current.recognised:
        return Drift(previous=previous_name, recognised=False,
                     required_missing=required_missing(current, group=group))
    missing = required_missing(current, group=group)
    if previous is None:
        return Drift(previous=None, required_missing=missing) if missing else None
    before = header_set(previous, mapping)
    old = {header_key(h): h for h in before.headers}
    new = {header_key(h): h for h in current.headers}
    renamed = []
    for field_name, header in before.fields.items():
        now = current.fields.get(field_name)
        if now is not None and header_key(now) != header_key(header):
            renamed.append(Renamed(field_name, header, now))
    moved = {header_key(r.before) for r in renamed} | {header_key(r.after) for r in renamed}
    added = tuple(h for k, h in new.items() if k not in old and k not in moved)
    removed = tuple(h for k, h in old.items() if k not in new and k not in moved)
    lost = tuple(f for f in before.fields if f not in current.fields)
    drift = Drift(
        previous=previous_name, added=added, removed=removed, renamed=tuple(renamed),
        fields_lost=lost, required_missing=missing,
    )
    return drift if drift.drifted else None
