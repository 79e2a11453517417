"""Phone numbers to E.164 with phonenumbers: ``parse``, ``is_valid_number``,
``format_number(E164)``.

The plain shapes most numbers have take a fast path beside this (``_phones_fast``)
that gives the library's answer without calling ``parse``.  Whether the E.164 form
may be sent (at most 15 digits) is judged by the schema.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

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
    if conv.fast_paths:
        fast = fast_phone(s, conv.phone_region)
        if fast is not None:
            return fast
    return library_phone(s, conv.phone_region)
