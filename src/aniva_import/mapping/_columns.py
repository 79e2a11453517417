"""Which column holds which profile field, decided from the headers alone.

Nothing here reads cell values: only headers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from aniva_import.errors import MappingError
from aniva_import.mapping._aliases import Aliases, header_key, match_alias
from aniva_import.mapping._file import MappingFile
from aniva_import.types import RESULT_COLUMNS, FileLanguage, column_letter

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
#: phone headers that name a mobile number: with a landline column beside it, the
#: mobile number is taken and the landline is the fallback on rows without one
MOBILE_HEADERS: Final = frozenset(header_key(h) for h in (
    "mobile", "mobile phone", "mobile number", "cell", "cell phone", "handy",
    "handynummer", "mobil", "mobiltelefon", "mobilnummer", "matkapuhelin", "kännykkä", "gsm",
))


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
    #: field → a second column read on rows where the field's own column is empty
    #: (the landline beside a mobile number)
    fallbacks: dict[str, int] = field(default_factory=dict)
    #: the header row is certainly one (see ``load``): its names may appear in messages
    headers_trusted: bool = True

    def column_name(self, field_name: str) -> str:
        """The header as the user wrote it, or a label when the column is absent."""
        position = self.positions.get(field_name)
        if position is None:
            return FIELD_LABELS[field_name]
        return self.headers[position] or f"column {column_letter(position)}"


def map_columns(
    headers: tuple[str, ...],
    *,
    mapping: MappingFile | None = None,
    aliases: Aliases | None = None,
    source: str = "the file",
    phone_column: str | None = None,
    trusted: bool = True,
) -> ColumnMap:
    """Decide which column holds which field.

    Raises :class:`MappingError` when a mapped header is not in the file or two
    columns claim the same field — except a mobile and a landline column (``Mobil``
    and ``Telefon``): the mobile one is the phone, the landline its fallback, unless
    ``phone_column`` names the one to take (the other is then not imported).
    Missing required columns are reported by
    :func:`require_columns`, which knows whether a default group was given.
    ``trusted``: the headers are certainly a header row; when not (the load stage
    could not tell), messages name columns by letter only — the "headers" may be a
    patient's data.
    """
    aliases = aliases or Aliases.builtin()
    explicit = dict(mapping.columns) if mapping else {}
    if phone_column is not None:
        explicit["phone"] = phone_column
    skipped: tuple[int, ...] = ()
    is_results = tuple(h.strip().casefold() for h in headers[:4]) == RESULT_COLUMNS
    if is_results:
        skipped = (0, 1, 2, 3)
    positions: dict[str, int] = {}
    fallbacks: dict[str, int] = {}
    languages: Counter[str] = Counter()
    by_header = {
        header_key(h): i for i, h in reversed(list(enumerate(headers))) if i not in skipped
    }
    for field_name, wanted in explicit.items():
        position = by_header.get(header_key(wanted))
        if position is None:
            recognised = any(match_alias(h, aliases) for h in headers if h.strip())
            if mapping is None or field_name not in mapping.columns:  # --phone-column
                raise MappingError(
                    f"--phone-column: there is no column {wanted!r} in {source}. "
                    f"{describe_headers(headers, recognised=recognised and trusted)}"
                )
            raise MappingError(
                f"{mapping.path if mapping else 'The mapping'}: column {wanted!r} for "
                f"{FIELD_LABELS[field_name]} is not in {source}. "
                f"{describe_headers(headers, recognised=recognised and trusted)}"
            )
        positions[field_name] = position
    claimed = set(positions.values())
    unknown: list[str] = []
    for position, header in enumerate(headers):
        if position in skipped or position in claimed:
            continue
        hit = match_alias(header, aliases) if header.strip() else None
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
            pair = _mobile_and_landline(headers, first, position)
            if field_name == "phone" and pair is not None and "phone" not in fallbacks:
                positions["phone"], fallbacks["phone"] = pair
                languages[language] += 1
                continue
            named = (f" ({headers[first]!r})", f" ({header!r})") if trusted else ("", "")
            raise MappingError(
                f"{source}: columns {column_letter(first)}{named[0]} and "
                f"{column_letter(position)}{named[1]} both look like "
                f"{FIELD_LABELS[field_name]}; "
                + ("choose one with --phone-column NAME (or in a --mapping file)."
                   if field_name == "phone" else "name the right one in a --mapping file.")
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
        fallbacks=fallbacks,
        headers_trusted=trusted,
    )


def _mobile_and_landline(headers: tuple[str, ...], a: int, b: int) -> tuple[int, int] | None:
    """(mobile, landline) when exactly one of two phone columns names a mobile number."""
    mobile_a = header_key(headers[a]) in MOBILE_HEADERS
    mobile_b = header_key(headers[b]) in MOBILE_HEADERS
    if mobile_a == mobile_b:
        return None
    return (a, b) if mobile_a else (b, a)


def require_columns(columns: ColumnMap, *, default_group: str | None, source: str) -> None:
    """Exit-2 check: the columns without which no row could ever be imported."""
    missing = [f for f in ("first_name", "last_name") if f not in columns.positions]
    if "profile_group_slug" not in columns.positions and not default_group:
        missing.append("profile_group_slug")
    if not missing:
        return
    labels = ", ".join(FIELD_LABELS[f] for f in missing)
    found = describe_headers(
        columns.headers, recognised=bool(columns.positions) and columns.headers_trusted
    )
    hint = (
        " Pass --group SLUG (or set group in a --mapping file) for files without a group column."
        if "profile_group_slug" in missing
        else " Rename the header or name it in a --mapping file."
    )
    raise MappingError(f"{source} has no column for: {labels}. {found}{hint}")


def describe_headers(headers: tuple[str, ...], *, recognised: bool) -> str:
    """The headers found, for an error message — but only when the header row really is
    one (``recognised``: some header was recognised and the row is trusted): in a file
    without one, the "headers" are a patient's data, which never goes to the terminal."""
    if not recognised:
        return (
            f"None of the {len(headers)} headers in the header row is a known column name; "
            "if the file has no header row, add one (e.g. Vorname, Nachname, Geburtsdatum)."
        )
    found = ", ".join(repr(h) for h in headers if h.strip()) or "none"
    return f"Headers found: {found}."


def header_recogniser(
    mapping: MappingFile | None = None, aliases: Aliases | None = None
) -> Callable[[str], bool]:
    """Whether a header text names a known column: a built-in alias, a header the
    mapping file names, or one of a results file's own columns.  The load stage uses it
    to find the header row (the row where known headers are)."""
    aliases = aliases or Aliases.builtin()
    named = {header_key(h) for h in mapping.columns.values()} if mapping else set()
    named |= {header_key(h) for h in RESULT_COLUMNS}

    def recognise(header: str) -> bool:
        return header_key(header) in named or match_alias(header, aliases) is not None

    return recognise
