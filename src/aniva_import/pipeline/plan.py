"""The plan of one file: which column holds which field, and how its values are read.

Everything here is decided from the settings, the mapping file and the headers,
before a single row is checked; anything wrong is one sentence and exit 2.  The
plan is small and picklable: it is what a worker needs to check a chunk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from aniva_import.errors import ConfigError
from aniva_import.load import Table
from aniva_import.mapping import ColumnMap, MappingFile, map_columns, require_columns
from aniva_import.normalize import Conventions
from aniva_import.rules import GROUP_SLUG_RE
from aniva_import.settings import Settings
from aniva_import.types import DateOrder


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs to check a chunk (small, picklable)."""

    columns: ColumnMap
    conventions: Conventions
    default_group: str | None
    #: the input is one of our CSV results files: undo its formula escaping
    unescape_cells: bool = False
    #: send every row's API values back from the check (they are sent or shown)
    keep_values: bool = False

    @property
    def kept(self) -> tuple[int, ...]:
        """Positions of the input columns written to the results file, in order."""
        skipped = self.columns.skipped
        return tuple(i for i in range(len(self.columns.headers)) if i not in skipped)

    def with_date_order(self, order: DateOrder | None) -> Plan:
        return replace(self, conventions=replace(self.conventions, date_order=order))


def plan_file(
    settings: Settings, mapping: MappingFile | None, table: Table, today: dt.date
) -> Plan:
    """Map the columns and settle the conventions the settings and mapping give."""
    source = str(settings.input)
    columns = map_columns(
        table.headers, mapping=mapping, source=source, phone_column=settings.phone_column,
        trusted=table.header_trusted,
    )
    group = settings.group or (mapping.group if mapping else None)
    if group is not None and not GROUP_SLUG_RE.match(group):
        raise ConfigError(
            f"The profile group {group!r} is not a valid group name: use lower case "
            "letters, digits and dashes, e.g. acme-clinic-berlin."
        )
    require_columns(columns, default_group=group, source=source)
    region = phone_region(settings, mapping)
    conventions = Conventions(
        today=today,
        phone_region=region,
        date_order=mapping.date_order if mapping else None,
        decimal=mapping.decimal if mapping else "auto",
        file_language=columns.file_language,
        date1904=table.info.date1904,
        fast_paths=settings.fast_paths,
        bare_phone_numbers=mapping.bare_phone_numbers if mapping else None,
        date_serials=table.info.kind != "csv" or bool(mapping and mapping.date_serials),
    )
    return Plan(
        columns=columns,
        conventions=conventions,
        default_group=group,
        unescape_cells=columns.is_results_file and table.info.kind == "csv",
        keep_values=not settings.dry_run,
    )


def phone_region(settings: Settings, mapping: MappingFile | None) -> str | None:
    """The phone region of the run (option over mapping), checked against phonenumbers."""
    region = settings.phone_region or (mapping.phone_region if mapping else None)
    if region is None:
        return None
    import phonenumbers

    if region.upper() == "UK":
        raise ConfigError(
            "The phone region is an ISO country code: the United Kingdom is GB, not UK."
        )
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            f"The phone region {region!r} is not a country code phone numbers are "
            "known for; use a two-letter code such as DE, FI or AT."
        )
    return region.upper()
