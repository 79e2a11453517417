"""``--mapping`` files: a TOML file naming columns and the conventions of an unusual file.

::

    [columns]                       # field = "header as written in the file"
    first_name = "Patient Vorname"
    date_of_birth = "Geb."

    [conventions]
    date_order = "DMY"              # for slash dates such as 03/04/1985: DMY, MDY or YMD
    decimal = ","                   # "," or "." (default: either, when unambiguous)
    phone_region = "DE"             # for numbers written without a country code
    group = "acme-clinic-berlin"    # for rows that do not name a group themselves
    sheet = "Patienten"             # worksheet to read
    language = "de"                 # language of the file (en, de, fi); "fi" reads sex M/N
    bare_phone_numbers = "international"  # 491701234567 is +49 170 1234567 (Excel lost the +)
    date_serials = true             # a CSV's date column holds Excel date numbers (31128)
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from aniva_import.errors import MappingError
from aniva_import.mapping._aliases import header_key
from aniva_import.rules import API_FIELDS
from aniva_import.types import DateOrder, FileLanguage

#: a mapping file is a dozen lines; more is refused before it is parsed (a TOML parser
#: takes quadratic time on long dotted keys)
MAX_MAPPING_BYTES = 32 << 10

Decimal = Literal["auto", ",", "."]
_CONVENTION_KEYS: Final = {
    "date_order", "decimal", "phone_region", "group", "sheet", "language",
    "bare_phone_numbers", "date_serials",
}


@dataclass(frozen=True)
class MappingFile:
    """A parsed ``--mapping`` file."""

    path: Path
    columns: dict[str, str] = field(default_factory=dict)
    date_order: DateOrder | None = None
    decimal: Decimal = "auto"
    phone_region: str | None = None
    group: str | None = None
    sheet: str | None = None
    language: FileLanguage | None = None
    #: phone digits without + or trunk prefix: "international" or "national"
    bare_phone_numbers: Literal["national", "international"] | None = None
    #: plain numbers in a CSV's date column are Excel serial dates
    date_serials: bool = False


def _choice(path: Path, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise MappingError(
            f"{path}: [conventions] {key} must be one of {', '.join(allowed)}, not {value!r}."
        )
    return value


def _read(path: Path) -> str:
    """The mapping file's text: a regular file (never a device or a pipe, which could
    be read forever or hang), at most :data:`MAX_MAPPING_BYTES`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise MappingError(f"The mapping file {path} does not exist.") from None
    except OSError as exc:
        raise MappingError(
            f"The mapping file {path} cannot be read ({exc.strerror or exc})."
        ) from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise MappingError(
                f"The mapping file {path} is not a regular file (a folder, device or pipe "
                "cannot be a mapping file)."
            )
        data = f.read(MAX_MAPPING_BYTES + 1)
    if len(data) > MAX_MAPPING_BYTES:
        raise MappingError(
            f"The mapping file {path} is larger than {MAX_MAPPING_BYTES >> 10} KB; a "
            "mapping file names a few columns and conventions."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError(f"The mapping file {path} is not UTF-8 text.") from None


def load_mapping_file(path: Path) -> MappingFile:
    """Read and check a mapping file; any problem is a :class:`MappingError` naming it."""
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(
            f"The mapping file {path} is not valid TOML: {exc}. Text values need quotes, "
            'e.g. phone_region = "DE" or first_name = "Pt First".'
        ) from None
    except (RecursionError, MemoryError):
        raise MappingError(
            f"The mapping file {path} is nested too deeply to be a mapping file."
        ) from None
    unknown = set(data) - {"columns", "conventions"}
    if unknown:
        raise MappingError(
            f"{path}: unknown section(s) {', '.join(sorted(unknown))}; "
            "a mapping file has [columns] and [conventions]."
        )
    columns_raw = data.get("columns", {})
    conventions = data.get("conventions", {})
    if not isinstance(columns_raw, dict) or not isinstance(conventions, dict):
        raise MappingError(f"{path}: [columns] and [conventions] must be tables.")
    columns: dict[str, str] = {}
    for field_name, header in columns_raw.items():
        if field_name not in API_FIELDS:
            raise MappingError(
                f"{path}: [columns] names an unknown field {field_name!r}; "
                f"the fields are {', '.join(API_FIELDS)}."
            )
        if not isinstance(header, str) or not header.strip():
            raise MappingError(f"{path}: [columns] {field_name} must be a column header (text).")
        columns[field_name] = header
    by_column: dict[str, str] = {}
    for field_name, header in columns.items():
        other = by_column.setdefault(header_key(header) or header, field_name)
        if other != field_name:
            raise MappingError(
                f"{path}: [columns] maps both {other} and {field_name} to the column "
                f"{header!r}; a column holds one field, so name the right column for each."
            )
    bad = set(conventions) - _CONVENTION_KEYS
    if bad:
        raise MappingError(
            f"{path}: unknown setting(s) {', '.join(sorted(bad))} in [conventions]; "
            f"known settings are {', '.join(sorted(_CONVENTION_KEYS))}."
        )
    for key in ("phone_region", "group", "sheet"):
        if key in conventions and not isinstance(conventions[key], str):
            raise MappingError(f"{path}: [conventions] {key} must be text.")
    date_order = conventions.get("date_order")
    decimal = conventions.get("decimal", "auto")
    language = conventions.get("language")
    bare = conventions.get("bare_phone_numbers")
    serials = conventions.get("date_serials", False)
    if not isinstance(serials, bool):
        raise MappingError(f"{path}: [conventions] date_serials must be true or false.")
    region = conventions.get("phone_region")
    if region is not None and not re.fullmatch(r"[A-Za-z]{2}", region):
        raise MappingError(f"{path}: [conventions] phone_region must be a two-letter country code.")
    return MappingFile(
        path=path,
        columns=columns,
        date_order=(
            None if date_order is None
            else _choice(path, "date_order", date_order, ("DMY", "MDY", "YMD"))  # type: ignore[arg-type]
        ),
        decimal=_choice(path, "decimal", decimal, ("auto", ",", ".")),  # type: ignore[arg-type]
        phone_region=region.upper() if region else None,
        group=conventions.get("group"),
        sheet=conventions.get("sheet"),
        language=(
            None if language is None
            else _choice(path, "language", language, ("en", "de", "fi"))  # type: ignore[arg-type]
        ),
        bare_phone_numbers=(
            None if bare is None
            else _choice(path, "bare_phone_numbers", bare,  # type: ignore[arg-type]
                         ("international", "national"))
        ),
        date_serials=serials,
    )


