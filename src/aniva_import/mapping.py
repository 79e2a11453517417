"""Map the user's column headers onto profile fields.

Headers in English, German and Finnish are recognised without configuration
(``schemas/header-aliases.toml``); case, spacing, punctuation and accents do not
matter.  A ``--mapping`` TOML file names any header explicitly and sets parsing
conventions for unusual files::

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

Nothing here reads cell values: only headers.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from aniva_import.errors import MappingError
from aniva_import.rules import API_FIELDS
from aniva_import.types import column_letter

FileLanguage = Literal["en", "de", "fi"]
DateOrder = Literal["DMY", "MDY", "YMD"]
Decimal = Literal["auto", ",", "."]

#: What a clinic admin calls each field, for messages.
FIELD_LABELS: Final = {
    "first_name": "first name",
    "last_name": "last name",
    "sex": "sex",
    "date_of_birth": "date of birth",
    "profile_group_slug": "profile group",
    "email": "e-mail",
    "phone": "phone",
    "height": "height (cm)",
    "weight": "weight (kg)",
    "language": "language",
}
#: The columns a results file adds in front; a results file fed back in is read without them.
RESULT_COLUMNS: Final = ("row", "status", "profile_id", "errors")

_UNIT_SUFFIX = re.compile(
    r"(?:\s*[(\[]\s*(?:in\s+)?(?:cm|kg|m)\s*[)\]]|[\s_-]+(?:in\s+)?(?:cm|kg|m))$", re.IGNORECASE
)
_BRACKETS = re.compile(r"[(\[][^)\]]*[)\]]")
_CONVENTION_KEYS: Final = {"date_order", "decimal", "phone_region", "group", "sheet", "language"}


def header_key(header: str) -> str:
    """The form headers are compared in: case, spacing, punctuation and accents removed.

    >>> header_key("Größe (cm)"), header_key(" GROESSE-cm "), header_key("Syntymäaika")
    ('grossecm', 'groessecm', 'syntymaaika')
    """
    text = unicodedata.normalize("NFKD", header.casefold().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in text if ch.isalnum())


def _key_candidates(header: str) -> list[str]:
    """The keys to try for one header: as written, then without units or brackets."""
    keys = [header_key(header)]
    for stripped in (_UNIT_SUFFIX.sub("", header.strip()), _BRACKETS.sub("", header)):
        key = header_key(stripped)
        if key and key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class Aliases:
    """Alias key → (field, language)."""

    by_key: dict[str, tuple[str, FileLanguage]]

    @classmethod
    def builtin(cls) -> Aliases:
        return _builtin_aliases()

    @classmethod
    def from_toml(cls, text: str) -> Aliases:
        data = tomllib.loads(text)
        by_key: dict[str, tuple[str, FileLanguage]] = {}
        for field_name, languages in data["fields"].items():
            if field_name not in API_FIELDS:
                raise ValueError(f"unknown field {field_name!r} in header aliases")
            for language, names in languages.items():
                if language not in ("en", "de", "fi"):
                    raise ValueError(f"unknown language {language!r} in header aliases")
                for name in names:
                    key = header_key(name)
                    known = by_key.get(key)
                    if known is not None and known[0] != field_name:
                        raise ValueError(f"alias {name!r} names both {known[0]} and {field_name}")
                    by_key.setdefault(key, (field_name, language))
        return cls(by_key)


@cache
def _builtin_aliases() -> Aliases:
    text = resources.files("aniva_import").joinpath("data/header-aliases.toml").read_text("utf-8")
    return Aliases.from_toml(text)


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


def _choice(path: Path, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise MappingError(
            f"{path}: [conventions] {key} must be one of {', '.join(allowed)}, not {value!r}."
        )
    return value


def load_mapping_file(path: Path) -> MappingFile:
    """Read and check a mapping file; any problem is a :class:`MappingError` naming it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise MappingError(f"The mapping file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"The mapping file {path} cannot be read ({exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"The mapping file {path} is not valid TOML: {exc}.") from None
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
    )


@dataclass(frozen=True)
class ColumnMap:
    """Which column (by position) holds each field, and what the user called it."""

    positions: dict[str, int]
    headers: tuple[str, ...]
    unknown: tuple[str, ...]
    file_language: FileLanguage | None
    #: positions of a results file's own leading columns, skipped when it is read back
    skipped: tuple[int, ...] = ()
    #: True when the input is one of our results files being fed back in
    is_results_file: bool = False

    def column_name(self, field_name: str) -> str:
        """The header as the user wrote it, or a label when the column is absent."""
        position = self.positions.get(field_name)
        if position is None:
            return FIELD_LABELS[field_name]
        return self.headers[position] or f"column {column_letter(position)}"


def _match_builtin(header: str, aliases: Aliases) -> tuple[str, FileLanguage] | None:
    for key in _key_candidates(header):
        hit = aliases.by_key.get(key)
        if hit is not None:
            return hit
    return None


def map_columns(
    headers: tuple[str, ...],
    *,
    mapping: MappingFile | None = None,
    aliases: Aliases | None = None,
    source: str = "the file",
) -> ColumnMap:
    """Decide which column holds which field.

    Raises :class:`MappingError` when a mapped header is not in the file or two
    columns claim the same field.  Missing required columns are reported by
    :func:`require_columns`, which knows whether a default group was given.
    """
    aliases = aliases or Aliases.builtin()
    explicit = dict(mapping.columns) if mapping else {}
    skipped: tuple[int, ...] = ()
    is_results = tuple(h.strip().casefold() for h in headers[:4]) == RESULT_COLUMNS
    if is_results:
        skipped = (0, 1, 2, 3)
    positions: dict[str, int] = {}
    languages: Counter[str] = Counter()
    by_header = {
        header_key(h): i for i, h in reversed(list(enumerate(headers))) if i not in skipped
    }
    for field_name, wanted in explicit.items():
        position = by_header.get(header_key(wanted))
        if position is None:
            recognised = any(_match_builtin(h, aliases) for h in headers if h.strip())
            raise MappingError(
                f"{mapping.path if mapping else 'The mapping'}: column {wanted!r} for "
                f"{FIELD_LABELS[field_name]} is not in {source}. "
                f"{describe_headers(headers, recognised=recognised)}"
            )
        positions[field_name] = position
    claimed = set(positions.values())
    unknown: list[str] = []
    for position, header in enumerate(headers):
        if position in skipped or position in claimed:
            continue
        hit = _match_builtin(header, aliases) if header.strip() else None
        if hit is None:
            if header.strip():
                unknown.append(header)
            continue
        field_name, language = hit
        if field_name in explicit:
            unknown.append(header)
            continue
        if field_name in positions:
            first = positions[field_name]
            raise MappingError(
                f"{source}: columns {column_letter(first)} ({headers[first]!r}) and "
                f"{column_letter(position)} ({header!r}) both look like "
                f"{FIELD_LABELS[field_name]}; name the right one in a --mapping file."
            )
        positions[field_name] = position
        languages[language] += 1
    file_language: FileLanguage | None = mapping.language if mapping else None
    if file_language is None and languages:
        # English aliases are often used in German and Finnish files; only a clear
        # majority of German or Finnish headers makes the file German or Finnish.
        ranked = languages.most_common()
        top, count = ranked[0]
        if len(ranked) == 1 or count > ranked[1][1]:
            file_language = top  # type: ignore[assignment]
    return ColumnMap(
        positions=positions,
        headers=headers,
        unknown=tuple(unknown),
        file_language=file_language,
        skipped=skipped,
        is_results_file=is_results,
    )


def require_columns(columns: ColumnMap, *, default_group: str | None, source: str) -> None:
    """Exit-2 check: the columns without which no row could ever be imported."""
    missing = [f for f in ("first_name", "last_name") if f not in columns.positions]
    if "profile_group_slug" not in columns.positions and not default_group:
        missing.append("profile_group_slug")
    if not missing:
        return
    labels = ", ".join(FIELD_LABELS[f] for f in missing)
    found = describe_headers(columns.headers, recognised=bool(columns.positions))
    hint = (
        " Pass --group SLUG (or set group in a --mapping file) for files without a group column."
        if "profile_group_slug" in missing
        else " Rename the header or name it in a --mapping file."
    )
    raise MappingError(f"{source} has no column for: {labels}. {found}{hint}")


def describe_headers(headers: tuple[str, ...], *, recognised: bool) -> str:
    """The headers found, for an error message — but only when the first row really is
    a header row (some header was recognised): in a file without one, the "headers"
    are a patient's data, which never goes to the terminal."""
    if not recognised:
        return (
            f"None of the {len(headers)} headers in the first row is a known column name; "
            "if the file has no header row, add one (e.g. Vorname, Nachname, Geburtsdatum)."
        )
    found = ", ".join(repr(h) for h in headers if h.strip()) or "none"
    return f"Headers found: {found}."
