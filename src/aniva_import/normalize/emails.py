"""E-mail addresses: syntax checked by email-validator (no DNS).

The common plain-ASCII shape takes a fast path beside this (``_emails_fast``) that
gives the library's answer without calling it.  Whether an address may be sent (its
length) is judged by the schema.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from aniva_import import rules
from aniva_import.normalize._base import Conventions, Issue
from aniva_import.normalize._emails_fast import fast_email
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell

_HINT = "write one address like name@example.com"
INVALID_EMAIL = Issue(ProblemCode.INVALID_EMAIL, f"This is not a valid e-mail address; {_HINT}.")
EMAIL_NO_AT = Issue(ProblemCode.INVALID_EMAIL, f"This e-mail address has no @ sign; {_HINT}.")
EMAIL_SPACES = Issue(
    ProblemCode.INVALID_EMAIL, f"This e-mail address contains spaces or several addresses; {_HINT}."
)


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
        return s  # too long to be an address at all: the schema says so
    if conv.fast_paths:
        fast = fast_email(s)
        if fast is not None:
            return fast
    return library_email(s)
