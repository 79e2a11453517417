"""``aniva-import nightly CONFIG``: every new file in the configured inbox folders."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aniva_import.cli.console import Console
from aniva_import.errors import ConfigError


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``nightly`` command."""
    nightly = commands.add_parser(
        "nightly", help="process every new file in the configured inbox folders"
    )
    nightly.add_argument("config", type=Path, metavar="CONFIG", help="nightly TOML configuration")
    nightly.add_argument("--dry-run", action="store_true", help="validate only")
    nightly.add_argument("--summary-json", type=Path, metavar="PATH")
    nightly.set_defaults(handler=nightly_command)


def nightly_command(args: argparse.Namespace, console: Console) -> int:
    raise ConfigError("The nightly job is not available in this version yet.")
