"""``phonenumbers.is_valid_number`` with one precompiled regex call per number.

How the folding works and why it is the library's answer: docs/fast-paths.md
(tests/normalize/test_phones_fast.py compares the two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import phonenumbers
from phonenumbers import PhoneMetadata

_NON_GEO: Final = "001"
# The order of _number_type_helper; mobile is added unless it equals fixed_line.
_TYPES: Final = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)
# A pattern that could change meaning inside an alternation or look-ahead.
_UNSAFE: Final = re.compile(r"\\[1-9]|\(\?(?![:=!])|\\[AZbBzG]")


class _Unsupported(Exception):
    """A metadata feature this module does not replicate: use the library."""


@dataclass(frozen=True, slots=True)
class _Table:
    """The type helper of one region: NSN length -> combined regex (None: never)."""

    by_length: dict[int, re.Pattern[str] | None]
    other: re.Pattern[str] | None  # lengths not in by_length

    def valid(self, nsn: str) -> bool:
        p = self.by_length.get(len(nsn), self.other)
        return p is not None and p.fullmatch(nsn) is not None


_NEVER: Final = _Table({}, None)


def _desc(md: Any, name: str) -> tuple[frozenset[int], str | None] | None:
    d = getattr(md, name)
    if d is None:
        return None
    # An empty pattern matches nothing (``_match_national_number``).
    return frozenset(d.possible_length), _safe(d.national_number_pattern or None)


def _safe(pattern: str | None) -> str | None:
    """``pattern``, when it means the same inside an alternation and a look-ahead."""
    if pattern is not None and (_UNSAFE.search(pattern) or re.compile(pattern).groups):
        raise _Unsupported(pattern)
    return pattern


def _combine(general: str, alternatives: list[str]) -> re.Pattern[str] | None:
    alts = list(dict.fromkeys(alternatives))  # same answer without repeats
    if not alts:
        return None
    body = "|".join(f"(?:{a})" for a in alts)
    if alts == [general]:
        return re.compile(general)
    return re.compile(f"(?=(?:{general})\\Z)(?:{body})")


def _table(md: Any) -> _Table:
    """The type helper of ``md`` as a _Table (raises _Unsupported)."""
    general = _desc(md, "general_desc")
    if general is None:
        return _NEVER  # the general description never matches
    g_lengths, g_pattern = general
    if g_pattern is None:
        return _NEVER
    names = list(_TYPES) if md.same_mobile_and_fixed_line_pattern else [*_TYPES, "mobile"]
    types: list[tuple[frozenset[int], str]] = []
    for name in names:
        d = _desc(md, name)
        if d is not None and d[1] is not None:
            types.append((d[0], d[1]))

    def at(length: int | None) -> re.Pattern[str] | None:
        alts = [p for lens, p in types if not lens or (length is not None and length in lens)]
        return _combine(g_pattern, alts)

    if g_lengths:
        return _Table({n: at(n) for n in sorted(g_lengths)}, None)
    lengths = sorted(set().union(*(lens for lens, _ in types)))
    return _Table({n: at(n) for n in lengths}, at(None))


@dataclass(frozen=True, slots=True)
class _Choice:
    """One region of a shared calling code, as region selection sees it."""

    leading_digits: re.Pattern[str] | None
    table: _Table  # for selection (type helper on metadata_for_region)
    valid: _Table  # for is_valid_number_for_region (_NEVER if it would refuse)


_Country = _Table | tuple[_Choice, ...] | None  # None: ask the library
_COUNTRIES: dict[int, _Country] = {}


def _for_region(cc: int, region: str) -> _Table:
    """What ``is_valid_number_for_region`` decides for numbers of ``cc`` in ``region``."""
    md = PhoneMetadata.metadata_for_region_or_calling_code(cc, region.upper())
    if md is None:
        return _NEVER
    if region != _NON_GEO:
        geo = PhoneMetadata.metadata_for_region(region.upper(), None)
        if geo is None or geo.country_code != cc:
            return _NEVER
    return _table(md)


def _build(cc: int) -> _Country:
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if regions is None:
        return _NEVER  # region_code_for_number is None: invalid
    try:
        if len(regions) == 1:
            return _for_region(cc, regions[0])
        choices = []
        for region in regions:
            md = PhoneMetadata.metadata_for_region(region.upper(), None)
            if md is None:
                continue  # skipped by _region_code_for_number_from_list
            ld = md.leading_digits
            choices.append(
                _Choice(
                    re.compile(ld) if ld is not None else None,
                    _table(md),
                    _for_region(cc, region),
                )
            )
        return tuple(choices)
    except _Unsupported:
        return None


def _country(cc: int) -> _Country:
    try:
        return _COUNTRIES[cc]
    except KeyError:
        out = _COUNTRIES[cc] = _build(cc)
        return out


def valid_nsn(cc: int, nsn: str) -> bool | None:
    """``is_valid_number`` of the number with calling code ``cc`` whose national
    significant number (leading zeros included) is ``nsn``; None when this module
    does not decide (then ask the library)."""
    country = _country(cc)
    if isinstance(country, _Table):
        return country.valid(nsn)
    if country is None:
        return None
    for choice in country:
        if choice.leading_digits is not None:
            if choice.leading_digits.match(nsn):
                return choice.valid.valid(nsn)
        elif choice.table.valid(nsn):
            return choice.valid.valid(nsn)
    return False  # no region: region_code_for_number is None

