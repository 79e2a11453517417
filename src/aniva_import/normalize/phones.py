"""Phone numbers to E.164 with phonenumbers: ``parse``, ``is_valid_number``,
``format_number(E164)``.

**Digits that read two ways.**  A phone stored as a number in Excel loses its ``+``:
``491701234567`` with the region DE reads as the national number +49 491701234567,
and as +49 170 1234567 once the ``+`` is put back — libphonenumber calls both
valid.  A number written without ``+``, without the region's trunk prefix (``0`` in
DE) and without an international prefix (``00``) that is also a valid number when
read with a ``+`` is therefore ``ambiguous_phone`` (never a guess), unless the
mapping settles it (``bare_phone_numbers = "international"`` or ``"national"``).

The plain shapes most numbers have take a fast path beside this (``_phones_fast``)
that gives the library's answer without calling ``parse``.  Whether the E.164 form
may be sent (at most 15 digits) is judged by the schema.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberFormat

from aniva_import.normalize._base import Conventions, Issue
from aniva_import.normalize._phones_fast import INVALID_PHONE, fast_phone
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell

UNKNOWN_REGION = Issue(
    ProblemCode.PHONE_NEEDS_REGION,
    "This phone number has no country code, and the phone region given (option or "
    "mapping) is not a known ISO country code; use e.g. DE or FI, or write the number "
    "with the country code, e.g. +49 30 1234567.",
)
PHONE_NEEDS_REGION = Issue(
    ProblemCode.PHONE_NEEDS_REGION,
    "This phone number has no country code, so its country is unknown; write it with "
    "the country code (e.g. +49 30 1234567), or run with --phone-region (e.g. DE) or "
    "set the phone region in the mapping.",
)


AMBIGUOUS_PHONE = Issue(
    ProblemCode.AMBIGUOUS_PHONE,
    "These digits read as two different valid phone numbers: with the phone region, and "
    "as an international number whose + was lost (Excel drops it from numbers stored as "
    "numbers). Write the number with + and the country code (e.g. +49 170 1234567), or set "
    'bare_phone_numbers = "international" (or "national") in the mapping.',
)
INVALID_WITH_CODE = Issue(
    ProblemCode.INVALID_PHONE,
    "This phone number has a country code, but the digits after it are not a valid "
    "number of that country (a digit too many or too few, or a range not in use, such as "
    "numbers reserved for films and TV); check the number.",
)
_BARE: Final = re.compile(r"[0-9](?:[ /-]?[0-9]){3,19}")
_SEPARATORS: Final = str.maketrans("", "", " /-")
_TRUNK: dict[str, str] = {}


@lru_cache(maxsize=256)
def _prefixes(region: str) -> tuple[str, re.Pattern[str] | None]:
    """The region's trunk prefix and international-prefix pattern."""
    md = PhoneMetadata.metadata_for_region(region, None)
    if md is None:
        return "", None
    idd = re.compile(md.international_prefix) if md.international_prefix else None
    return md.national_prefix or "", idd


def international_reading(s: str, region: str) -> str | None:
    """The E.164 number that bare digits ``s`` are when read with a ``+`` in front, if
    that is valid and they carry neither the region's trunk prefix nor an
    international prefix; else None."""
    if _BARE.fullmatch(s) is None:
        return None
    digits = s.translate(_SEPARATORS)
    trunk, idd = _prefixes(region)
    if (trunk and digits.startswith(trunk)) or (idd is not None and idd.match(digits)):
        return None
    plus = "+" + digits
    read = fast_phone(plus, None)
    if read is None:
        read = library_phone(plus, None)
    return read if isinstance(read, str) else None


def library_phone(s: str, region: str | None) -> str | Issue:
    """The plain library answer: parse, is_valid_number, format E.164."""
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        if "+" in s or "\uff0b" in s:
            region = None
        else:
            return UNKNOWN_REGION
    try:
        num = phonenumbers.parse(s, region)
    except NumberParseException as e:
        if (
            region is None
            and e.error_type == NumberParseException.INVALID_COUNTRY_CODE
            and "+" not in s
            and "\uff0b" not in s
        ):
            return PHONE_NEEDS_REGION
        return INVALID_PHONE
    if not phonenumbers.is_valid_number(num):
        return INVALID_PHONE
    return str(phonenumbers.format_number(num, PhoneNumberFormat.E164))


def normalize_phone(cell: Cell, conv: Conventions) -> str | Issue | None:
    """E.164; national numbers need ``conv.phone_region``."""
    if not isinstance(cell, str):
        return INVALID_PHONE
    s = cell.strip()
    if not s:
        return None
    if len(s) > 64:
        return INVALID_PHONE
    region = conv.phone_region
    bare = conv.bare_phone_numbers
    if bare == "international" and s[0] != "0" and _BARE.fullmatch(s):
        s = "+" + s
    read = fast_phone(s, region) if conv.fast_paths else None
    if read is None:
        read = library_phone(s, region)
    if isinstance(read, str):
        if bare is None and region is not None and s[0] != "+":
            trunk = _TRUNK.get(region)
            if trunk is None:
                trunk = _TRUNK[region] = _prefixes(region)[0]
            # most national numbers start with the trunk prefix: nothing to ask then
            if not (trunk and s.startswith(trunk)):
                other = international_reading(s, region)
                if other is not None and other != read:
                    return AMBIGUOUS_PHONE
        return read
    if read is INVALID_PHONE and ("+" in s or "\uff0b" in s):
        return INVALID_WITH_CODE
    return read
