"""The e-mail fast path: the plain ASCII shape most addresses have, answered without
email-validator, with provably the library's answer (tests/normalize/test_emails_fast.py
compares the two; the argument: docs/fast-paths.md).

It is one of the fast paths that ``Conventions.fast_paths`` (``--no-fast-paths``)
switches off.
"""

from __future__ import annotations

import re
from typing import Final

import email_validator
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from aniva_import import rules

# Which shapes it takes, and why that is the library's answer: docs/fast-paths.md.
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


