"""``aniva-import resolve FILE --row N (--created-as ID | --not-created)``: record what
you found out in Aniva about a row an earlier run left ``unknown``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aniva_import.cli.console import Console
from aniva_import.errors import ConfigError
from aniva_import.settings import DEFAULT_API_URL, Settings


def _row(text: str) -> int:
    if not text.isdigit() or int(text) < 2:
        raise argparse.ArgumentTypeError("a row number as your spreadsheet shows it (2 or more)")
    return int(text)


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``resolve`` command."""
    resolve = commands.add_parser(
        "resolve",
        help="record whether an 'unknown' row was created (after checking in Aniva)",
        description="A row reported 'unknown' may or may not have been created; it is never "
        "sent again on its own. Check in Aniva, then record what you found: --created-as ID "
        "(the row is already imported from now on) or --not-created (the next run sends it). "
        "Give the same file and options as the run that left it unknown.",
    )
    resolve.add_argument("file", type=Path, metavar="FILE", help="the file of that run")
    resolve.add_argument("--row", type=_row, required=True, metavar="N",
                         help="the row number, as the results file's row column says")
    found = resolve.add_mutually_exclusive_group(required=True)
    found.add_argument("--created-as", metavar="PROFILE_ID",
                       help="it was created: the id of the profile in Aniva (a UUID)")
    found.add_argument("--not-created", action="store_true",
                       help="it was not created: send it with the next run")
    resolve.add_argument("--group", metavar="SLUG", help="as for run")
    resolve.add_argument("--mapping", type=Path, metavar="PATH", help="as for run")
    resolve.add_argument("--phone-region", metavar="CC", help="as for run")
    resolve.add_argument("--sheet", metavar="NAME", help="as for run")
    resolve.add_argument("--api-url", metavar="URL",
                         help=f"as for run (default {DEFAULT_API_URL}; env ANIVA_API_URL)")
    resolve.add_argument("--sandbox", action="store_true", help="the row was sent to the sandbox")
    resolve.add_argument("--state", type=Path, metavar="PATH", help="as for run: the ledger")
    resolve.set_defaults(handler=resolve_command)


def resolve_command(args: argparse.Namespace, console: Console) -> int:
    from aniva_import.pipeline.resolve import resolve_row
    from aniva_import.sandbox import SANDBOX_API

    if args.sandbox and args.api_url:
        raise ConfigError("--sandbox names the sandbox's API: leave out --api-url.")
    api_url = (
        SANDBOX_API if args.sandbox
        else args.api_url or console.environ.get("ANIVA_API_URL") or DEFAULT_API_URL
    )
    region = args.phone_region.upper() if args.phone_region else None
    settings = Settings(input=args.file, group=args.group, mapping=args.mapping,
                        phone_region=region, sheet=args.sheet, api_url=api_url,
                        state=args.state)
    done = resolve_row(settings, args.row, profile_id=args.created_as)
    if done.created:
        print(f"Row {done.row}: recorded as created (profile {done.profile_id}); it will be "
              "reported already_imported.", file=console.stdout)
    else:
        print(f"Row {done.row}: recorded as not created; the next run sends it.",
              file=console.stdout)
    return 0
