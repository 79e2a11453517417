"""E-mail addresses: syntax checked by email-validator (no DNS), with a fast
path for the common plain-ASCII shape that provably gives the same answer."""

from __future__ import annotations

import re
from typing import Final

import email_validator
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from . import rules
from ._normalize_base import Cell, Conventions, Issue

_HINT = "write one address like name@example.com"
INVALID_EMAIL = Issue("invalid_email", f"This is not a valid e-mail address; {_HINT}.")
EMAIL_NO_AT = Issue("invalid_email", f"This e-mail address has no @ sign; {_HINT}.")
EMAIL_SPACES = Issue(
    "invalid_email", f"This e-mail address contains spaces or several addresses; {_HINT}."
)
EMAIL_TOO_LONG = Issue(
    "too_long",
    f"This e-mail address is longer than {rules.MAX_EMAIL_LENGTH} characters, "
    "which e-mail does not allow.",
)

# The fast path: a conservative subset of what email-validator accepts unchanged
# (apart from lower-casing the domain):
#  * local part: dot-atom of RFC 5322 atext (email_validator's DOT_ATOM_TEXT), <= 64;
#  * domain: LDH labels of 1..63, none with "--" in positions 3-4 (the library
#    refuses "ab--" labels and decodes "xn--" ones), a last label of >= 2 letters;
#  * not a special-use domain, not a role mailbox the library lower-cases
#    (info@, postmaster@, ...), total <= 254.
_ATEXT: Final = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL: Final = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FAST_RE: Final = re.compile(
    rf"({_ATEXT}+(?:\.{_ATEXT}+)*)@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})"
)
_SPECIAL: Final = tuple(str(d).lower() for d in email_validator.SPECIAL_USE_DOMAIN_NAMES)
_ROLE_NAMES: Final = frozenset(n.lower() for n in CASE_INSENSITIVE_MAILBOX_NAMES)


def fast_email(s: str) -> str | None:
    """The library's normalised form of ``s`` if ``s`` has the plain shape, else None
    (None = "ask the library", not "invalid")."""
    if len(s) > rules.MAX_EMAIL_LENGTH:
        return None
    m = _FAST_RE.fullmatch(s)
    if m is None:
        return None
    local, domain = m.group(1), m.group(2)
    if len(local) > 64 or "--" in domain:
        return None
    if local.lower() in _ROLE_NAMES:
        return None
    domain = domain.lower()
    for special in _SPECIAL:
        if domain == special or domain.endswith("." + special):
            return None
    return f"{local}@{domain}"


def library_email(s: str) -> str | Issue:
    """email-validator's verdict on ``s`` (syntax only, no DNS)."""
    try:
        info = validate_email(s, check_deliverability=False)
    except EmailNotValidError:
        return _explain(s)
    return str(info.normalized)


def _explain(s: str) -> Issue:
    if "@" not in s:
        return EMAIL_NO_AT
    if any(c.isspace() for c in s) or "," in s or ";" in s:
        return EMAIL_SPACES
    return INVALID_EMAIL


def normalize_email(cell: Cell, conv: Conventions) -> str | Issue | None:
    """The address as email-validator normalises it (domain lower-cased, local part kept)."""
    if not isinstance(cell, str):
        return INVALID_EMAIL
    s = cell.strip()
    if not s:
        return None
    if len(s) > rules.MAX_EMAIL_LENGTH:
        return EMAIL_TOO_LONG
    fast = fast_email(s)
    if fast is not None:
        return fast
    return library_email(s)
