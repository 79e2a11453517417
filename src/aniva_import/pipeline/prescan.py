"""The pre-scan: conventions the whole file must agree on, settled before any row is
checked, so that no row is ever read on a guess.

Today that is the order of slash dates (``03/04/1985``): when the mapping does not
set it, the whole date column is read first; a value that can only be read one way
(a day above 12) decides the order, unless values of both orders occur (then no
order: only dates with a single reading are read, the others are ``ambiguous_date``).
Only cells that look like slash dates are read, and a file whose text holds none
(most exports write ``22.03.1985`` or ISO dates) is not read at all.

It also says (:func:`phone_region_notes`) when the phone region disagrees with the
headers' language or with the country codes the column's numbers carry.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from aniva_import.load import Table
from aniva_import.normalize import SLASH_DATE_NEEDLES, infer_date_order
from aniva_import.pipeline.plan import Plan
from aniva_import.results import unescape_formula

_SLASH = re.compile("[/-]")


def settle_conventions(table: Table, plan: Plan) -> Plan:
    """The plan with the slash-date order the whole column shows (if it was open)."""
    position = plan.columns.positions.get("date_of_birth")
    if position is None or plan.conventions.date_order is not None:
        return plan
    if not table.may_contain(SLASH_DATE_NEEDLES):
        return plan.with_date_order(None)
    cells = (cell for _row, cell in table.column_values(position, like=_SLASH))
    if plan.unescape_cells:
        cells = (unescape_formula(c) if isinstance(c, str) else c for c in cells)
    return plan.with_date_order(infer_date_order(cells).order)


#: the countries whose phone region fits a file whose headers are in that language
_REGIONS_OF_LANGUAGE: Final = {"de": frozenset({"DE", "AT", "CH", "LI", "LU", "BE", "IT"}),
                               "fi": frozenset({"FI", "AX"})}
_LANGUAGE_NAMES: Final = {"de": "German", "fi": "Finnish"}
_INTERNATIONAL = re.compile(r"^\s*(?:\+|00)\s*([1-9][0-9 ]{0,4})")
#: numbers with a country code read at most (the first ones of the column)
_SAMPLE = 1000


def phone_region_notes(table: Table, plan: Plan) -> tuple[str, ...]:
    """What the user must hear before the rows are judged: the phone region disagrees
    with the language of the headers, or with most of the numbers that carry a
    country code (a wrong region turns every national number into a valid number of
    another country)."""
    region = plan.conventions.phone_region
    position = plan.columns.positions.get("phone")
    if region is None or position is None:
        return ()
    import phonenumbers

    own = phonenumbers.country_code_for_region(region)
    option = f"The phone region is {region} (+{own})"
    notes = []
    language = plan.columns.file_language
    fitting = _REGIONS_OF_LANGUAGE.get(language or "")
    if fitting is not None and language is not None and region not in fitting:
        notes.append(
            f"{option}, but the headers are {_LANGUAGE_NAMES[language]}: numbers without a "
            f"country code are read as {region} numbers. If that is wrong, run again with "
            "the right --phone-region."
        )
    codes: Counter[int] = Counter()
    if table.may_contain(_PLUS_NEEDLES):
        known = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
        for _row, cell in table.column_values(position, like=_INTERNATIONAL):
            match = _INTERNATIONAL.match(cell) if isinstance(cell, str) else None
            if match is None:
                continue
            digits = match[1].replace(" ", "")
            code = next((int(digits[:n]) for n in (1, 2, 3) if int(digits[:n]) in known), None)
            if code is not None:
                codes[code] += 1
            if codes.total() >= _SAMPLE:
                break
    if codes.total() >= 3:
        top, count = codes.most_common(1)[0]
        if top != own and count * 2 > codes.total():
            column = plan.columns.column_name("phone")
            notes.append(
                f"{option}, but most numbers in {column!r} that carry a country code are "
                f"+{top} numbers ({count} of {codes.total()}): numbers without one are read "
                f"as {region} numbers. If that is wrong, run again with the right "
                "--phone-region."
            )
    return tuple(notes)


_PLUS_NEEDLES: Final = (re.compile(r"\+[0-9]"),)
