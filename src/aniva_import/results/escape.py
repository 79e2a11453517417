"""Spreadsheet formula injection: CSV cells made safe to open in a spreadsheet program.

A CSV cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return and is
not plainly a number (a phone number such as ``+49 30 1234567`` is harmless and stays
as it is) gets a leading ``'``, which spreadsheet programs treat as "this is text".
Spaces before that first character (``" =1+1"``, a no-break space, an ideographic
space) do not make it safe: some programs trim them when they open a CSV, so such a
cell is escaped too.  A cell that already reads as escaped is escaped once more, so
that reading a results file back in (:func:`unescape_formula`) gives every text back
exactly.  XLSX cells
are written as typed text cells, which are never evaluated, so nothing there changes.
"""

from __future__ import annotations

import re
from typing import Final

DANGEROUS_START: Final = ("=", "+", "-", "@", "\t", "\r")
#: spaces a spreadsheet program may trim before it reads a cell (never tab or CR:
#: those are formula starts themselves)
LEADING_SPACES: Final = (
    " \n\x0b\x0c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)
#: the first characters after which :func:`escape_formula` must look closer
MAY_NEED_ESCAPING: Final = frozenset((*DANGEROUS_START, "'", *LEADING_SPACES))
_PLAIN_NUMBER: Final = re.compile(r"[+-]?[0-9][0-9 ()./-]*")


def escape_formula(text: str) -> str:
    """Make a CSV cell safe to open in a spreadsheet program.

    >>> escape_formula("=HYPERLINK(\\"http://x\\")"), escape_formula("+49 30 1234567")
    ('\\'=HYPERLINK("http://x")', '+49 30 1234567')
    >>> escape_formula(" @SUM(1+1)")
    "' @SUM(1+1)"
    """
    if _risky(text) or _escaped(text):
        return "'" + text
    return text


def _starts_like_a_formula(text: str) -> bool:
    return text.lstrip(LEADING_SPACES).startswith(DANGEROUS_START)


def _risky(text: str) -> bool:
    stripped = text.lstrip(LEADING_SPACES)
    return stripped.startswith(DANGEROUS_START) and not _PLAIN_NUMBER.fullmatch(stripped)


def _escaped(text: str) -> bool:
    """Whether ``text`` reads as an escaped cell: ``'`` then ``'`` or a formula start
    (after any spaces)."""
    return len(text) > 1 and text[0] == "'" and (
        text[1] == "'" or _starts_like_a_formula(text[1:])
    )


def unescape_formula(text: str) -> str:
    """Undo :func:`escape_formula` when a CSV results file is read back in
    (``unescape_formula(escape_formula(t)) == t`` for every text)."""
    return text[1:] if _escaped(text) else text
