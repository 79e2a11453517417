"""Spreadsheet formula injection: CSV cells made safe to open in a spreadsheet program.

A CSV cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return and is
not plainly a number (a phone number such as ``+49 30 1234567`` is harmless and stays
as it is) gets a leading ``'``, which spreadsheet programs treat as "this is text".
A cell that already reads as escaped is escaped once more, so that reading a results
file back in (:func:`unescape_formula`) gives every text back exactly.  XLSX cells
are written as typed text cells, which are never evaluated, so nothing there changes.
"""

from __future__ import annotations

import re
from typing import Final

DANGEROUS_START: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER: Final = re.compile(r"[+-]?[0-9][0-9 ()./-]*")


def escape_formula(text: str) -> str:
    """Make a CSV cell safe to open in a spreadsheet program.

    >>> escape_formula("=HYPERLINK(\\"http://x\\")"), escape_formula("+49 30 1234567")
    ('\\'=HYPERLINK("http://x")', '+49 30 1234567')
    """
    if (text.startswith(DANGEROUS_START) and not _PLAIN_NUMBER.fullmatch(text)) or _escaped(
        text
    ):
        return "'" + text
    return text


def _escaped(text: str) -> bool:
    """Whether ``text`` reads as an escaped cell: ``'`` then a formula start or ``'``."""
    return len(text) > 1 and text[0] == "'" and (text[1] == "'" or text[1] in DANGEROUS_START)


def unescape_formula(text: str) -> str:
    """Undo :func:`escape_formula` when a CSV results file is read back in
    (``unescape_formula(escape_formula(t)) == t`` for every text)."""
    return text[1:] if _escaped(text) else text
