"""The phone fast path: the plain shapes most numbers have, answered with one
precompiled regex call instead of ``phonenumbers.parse`` + ``is_valid_number``,
with provably the library's answer.  It is one of the fast paths that
``Conventions.fast_paths`` (``--no-fast-paths``) switches off.

Why it gives the library's answer: docs/fast-paths.md (the tests:
tests/normalize/test_phones_fast.py and test_phones_fast_paths.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber

from aniva_import.normalize._base import Issue
from aniva_import.normalize._phone_patterns import valid_nsn
from aniva_import.problems import ProblemCode

INVALID_PHONE = Issue(
    ProblemCode.INVALID_PHONE,
    "This is not a valid phone number; write it with the country code, e.g. +49 30 1234567.",
)
_SIMPLE_RE: Final = re.compile(r"(\+?)([0-9](?:[ /-]?[0-9]){3,19})")
_DROP_SEPARATORS: Final = str.maketrans("", "", " /-")
_COUNTRY_CODES: Final = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@lru_cache(maxsize=512)
def _region_info(region: str) -> tuple[int, re.Pattern[str] | None] | None:
    """(country code, international prefix pattern) when the national fast path applies."""
    md = PhoneMetadata.metadata_for_region(region, None)
    if md is None or md.country_code is None or md.national_prefix_for_parsing != "0":
        return None
    if md.national_prefix_transform_rule:
        return None
    idd = re.compile(md.international_prefix) if md.international_prefix else None
    return int(md.country_code), idd


@lru_cache(maxsize=512)
def _country_prefix(cc: int) -> tuple[bool, re.Pattern[str] | None]:
    """(usable for the fast path, national-prefix-for-parsing pattern or None)."""
    region = phonenumbers.region_code_for_country_code(cc)
    if region in ("ZZ", "001"):
        return False, None
    md = PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
    if md is None:
        return False, None
    npp = md.national_prefix_for_parsing
    return True, (re.compile(npp) if npp else None)


def _e164(cc: int, nsn: str) -> str | None:
    """E.164 when (cc, nsn) is valid, None if invalid.

    For a valid number ``format_number(num, E164)`` is ``"+" + cc + nsn``."""
    valid = valid_nsn(cc, nsn)
    if valid is None:  # not decided by the precompiled patterns: ask the library
        num = PhoneNumber(country_code=cc, national_number=int(nsn))
        valid = bool(phonenumbers.is_valid_number(num))
    if not valid:
        return None
    return f"+{cc}{nsn}"


def _national(cc: int, digits: str) -> str | Issue | None:
    stripped = _e164(cc, digits[1:])  # digits[1] is 1-9: the NSN is digits[1:]
    if stripped is not None:
        return stripped  # valid, so parse did strip the national prefix
    # The unstripped number: italian_leading_zero with one zero, so its NSN is digits.
    unstripped = valid_nsn(cc, digits)
    if unstripped is None:
        unstripped = bool(
            phonenumbers.is_valid_number(
                PhoneNumber(country_code=cc, national_number=int(digits), italian_leading_zero=True)
            )
        )
    if unstripped:
        return None  # which one parse returned is not known here: ask the library
    return INVALID_PHONE  # parse returns one of the two (or raises): invalid either way


def _international(rest: str) -> str | Issue | None:
    if not rest or rest[0] == "0":
        return None
    for n in (1, 2, 3):
        if len(rest) <= n:
            return None
        cc = int(rest[:n])
        if cc in _COUNTRY_CODES:
            nsn = rest[n:]
            if len(nsn) <= 2 or nsn[0] == "0":
                return None
            usable, npp = _country_prefix(cc)
            if not usable or (npp is not None and npp.match(nsn)):
                return None
            out = _e164(cc, nsn)
            return INVALID_PHONE if out is None else out
    return None


def fast_phone(s: str, region: str | None) -> str | Issue | None:
    """The library's answer (E.164 or INVALID_PHONE) when the fast path can prove it,
    else None (= "ask the library")."""
    m = _SIMPLE_RE.fullmatch(s)
    if m is None:
        return None
    digits = m.group(2).translate(_DROP_SEPARATORS)
    if m.group(1):
        return _international(digits)
    if region is None:
        return None
    info = _region_info(region)
    if info is None:
        return None
    cc, idd = info
    if idd is not None:
        im = idd.match(digits)
        if im is not None:
            if im.end() == 2 and digits[:2] == "00" and digits[2:3] != "0":
                return _international(digits[2:])
            return None
    if digits[0] != "0" or digits[1] == "0":
        return None
    return _national(cc, digits)


