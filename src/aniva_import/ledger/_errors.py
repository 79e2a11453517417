"""The ledger's own refusal: another run holds it."""

from __future__ import annotations

from aniva_import.errors import LedgerError


class LedgerBusy(LedgerError):
    """Another aniva-import run holds the ledger; nothing was done (exit 2, try again later)."""

    transient = True
