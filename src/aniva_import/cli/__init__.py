"""The ``aniva-import`` command: options → :class:`~aniva_import.settings.Settings` →
library → exit code.  Nothing else lives here.

Environment variables (``ANIVA_API_URL``, ``ANIVA_API_KEY``) are read here and only
here.  Heavy modules are imported inside the commands so that ``aniva-import --help``
starts fast.  One module per command: ``run``, ``sandbox``, ``nightly``, ``resolve``, ``ledger``.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import re
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import NoReturn, TextIO

from aniva_import import __version__
from aniva_import.cli import ledger, nightly, resolve, run, sandbox
from aniva_import.cli.console import PROG, Console, silence_broken_stdout
from aniva_import.errors import AnivaImportError, Interrupted, Terminated

__all__ = ["build_parser", "main"]


@contextlib.contextmanager
def _terminate_like_ctrl_c() -> Iterator[None]:
    """SIGTERM and SIGHUP (cron, systemd, a closed terminal) raise :class:`Terminated`,
    a KeyboardInterrupt: the run stops as on Ctrl-C, results and summary written, and
    exits 143 / 129."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    signums = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {signum: signal.signal(signum, terminate) for signum in signums}
    try:
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)
class _Parser(argparse.ArgumentParser):
    """argparse, with "did you mean --dry-run?" for a mistyped option."""

    def error(self, message: str) -> NoReturn:
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            known = self._option_strings()
            for arg in unknown[1].split():
                option = arg.split("=", 1)[0]
                if option.startswith("-"):
                    close = difflib.get_close_matches(option, known, n=1, cutoff=0.6)
                    if close:
                        message += f" (did you mean {close[0]}?)"
                        break
        super().error(message)

    def _option_strings(self) -> list[str]:
        options = list(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    options.extend(sub._option_string_actions)
        return [o for o in options if o.startswith("--")]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Create Aniva Health profiles from clinic spreadsheets (CSV, Excel), safely.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    run.add_parser(commands)
    sandbox.add_parser(commands)
    nightly.add_parser(commands)
    resolve.add_parser(commands)
    ledger.add_parser(commands)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the command line; returns the exit code (see docs/PRODUCT.md)."""
    console = Console(stdout, stderr, environ)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) if isinstance(exit_.code, int) else 2
    handler = args.handler
    try:
        if args.command == "sandbox":
            return int(handler(args))
        with _terminate_like_ctrl_c():
            return int(handler(args, console))
    except Interrupted as error:
        console.error(str(error))
        return error.exit_code
    except KeyboardInterrupt as stop:
        console.error("Interrupted.")
        return stop.exit_code if isinstance(stop, Terminated) else 130
    except AnivaImportError as error:
        console.error(str(error))
        return error.exit_code
    except BrokenPipeError:  # the reader of our output went away: nothing more to say
        silence_broken_stdout(console)
        return 2
    except Exception as error:  # a bug: say so without a traceback (it could hold patient data)
        if console.environ.get("ANIVA_IMPORT_DEBUG"):
            raise
        sends = args.command in ("run", "nightly") and not getattr(args, "dry_run", False)
        console.error(
            f"internal error ({type(error).__name__}); "
            + ("whatever was sent is recorded in the import ledger, so running the same "
               "command again goes on without creating anyone twice. " if sends
               else "nothing was sent. ")
            + "Please report it; set ANIVA_IMPORT_DEBUG=1 to see details."
        )
        return 2
