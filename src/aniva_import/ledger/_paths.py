"""Where the ledger lives by default: one per user, in the platform's user state folder."""

from __future__ import annotations

from pathlib import Path

import platformdirs

#: The file name of the default ledger.
LEDGER_FILE_NAME = "ledger.sqlite3"


def default_ledger_path() -> Path:
    """The user's own ledger, e.g. ``~/.local/state/aniva-import/ledger.sqlite3`` on Linux.

    One ledger per user covers every file that user imports.  (platformdirs
    follows the platform's conventions, e.g. ``XDG_STATE_HOME``; this package
    itself reads no environment variable.)  The folder is created when the
    ledger is first opened, not here.
    """
    return platformdirs.user_state_path("aniva-import", appauthor=False) / LEDGER_FILE_NAME
