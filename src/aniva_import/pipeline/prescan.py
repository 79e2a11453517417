"""The pre-scan: conventions the whole file must agree on, settled before any row is
checked, so that no row is ever read on a guess.

Today that is the order of slash dates (``03/04/1985``): when the mapping does not
set it, the whole date column is read first; a value that can only be read one way
(a day above 12) decides the order, unless values of both orders occur (then no
order: only dates with a single reading are read, the others are ``ambiguous_date``).
Only cells that look like slash dates are read, and a file whose text holds none
(most exports write ``22.03.1985`` or ISO dates) is not read at all.
"""

from __future__ import annotations

import re

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
