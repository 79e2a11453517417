"""``aniva-import ledger [--state PATH]``: what the import ledger holds, for operators:
entries per state and the rows left ``unknown`` (file name and row, never patient data)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aniva_import.cli.console import Console
from aniva_import.errors import ConfigError


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``ledger`` command."""
    ledger = commands.add_parser(
        "ledger",
        help="show what the import ledger holds (created, unknown rows to check)",
        description="Show the import ledger: how many patients were created, and the rows "
        "whose outcome is unknown (settle them with 'aniva-import resolve').",
    )
    ledger.add_argument("--state", type=Path, metavar="PATH",
                        help="the ledger (default: the one per user)")
    ledger.set_defaults(handler=ledger_command)


def ledger_command(args: argparse.Namespace, console: Console) -> int:
    from aniva_import.ledger import Ledger, default_ledger_path

    path = args.state or default_ledger_path()
    if not path.exists():
        raise ConfigError(f"There is no import ledger at {path} yet (nothing was imported).")
    with Ledger(path) as ledger:
        summary = ledger.summary()
    out = console.stdout
    print(f"Import ledger {summary.path}", file=out)
    for state, count in summary.counts.items():
        print(f"  {count:>8} {state}", file=out)
    if summary.unknown:
        print("  Unknown rows (check them in Aniva, then 'aniva-import resolve'):", file=out)
        for entry in summary.unknown:
            where = f"{entry.source or '?'} row {entry.row if entry.row is not None else '?'}"
            print(f"    {where}, sent {entry.reserved_at:%Y-%m-%d %H:%M} UTC", file=out)
    return 0
