"""The ``aniva-import sandbox`` command: options → config and faults → ``sandbox.serve``.

Starlette and uvicorn are imported only when the command runs, so
``aniva-import --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aniva_import.sandbox import DEFAULT_HOST, DEFAULT_PORT  # the contract's defaults; cheap

_KNOWN_STATUSES = frozenset(status.value for status in HTTPStatus)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction between 0 and 1")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def _non_negative(text: str) -> float:
    return 0.0 if text.strip() in ("0", "0.0") else _positive(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def _statuses(text: str) -> tuple[int, ...]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(
        p.isdigit() and 500 <= int(p) <= 599 and int(p) in _KNOWN_STATUSES for p in parts
    ):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of 5xx statuses, e.g. 500,503"
        )
    return tuple(int(p) for p in parts)


def _group_error(text: str) -> tuple[str, int]:
    slug, _, status = text.partition("=")
    if (
        not slug.strip()
        or not status.strip().isdigit()
        or not 400 <= int(status) <= 599
        or int(status) not in _KNOWN_STATUSES
    ):
        raise argparse.ArgumentTypeError(f"{text!r} is not SLUG=STATUS, e.g. demo-clinic=503")
    return slug.strip(), int(status)


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """Register the ``sandbox`` command (handler: :func:`run`)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sandbox",
        help="run the local stand-in of the Aniva profiles API (demo keys, loopback)",
        description=(
            "Run a local stand-in of the Aniva profiles API over HTTP, with demo keys "
            "(sandbox-full-key, sandbox-noscope-key) and groups, and switchable faults "
            "for rehearsals and tests. Stop it with Ctrl-C."
        ),
    )
    server = parser.add_argument_group("server")
    server.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}; loopback only "
                             "unless --allow-remote)")
    server.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    server.add_argument("--allow-remote", action="store_true",
                        help="allow a non-loopback --host (the demo keys become reachable "
                             "from the network)")
    server.add_argument("--config", type=Path, metavar="FILE",
                        help="TOML file of keys and groups replacing the built-in demo ones")
    server.add_argument("--store", type=Path, metavar="FILE",
                        help="keep created profiles in this SQLite file (default: in memory)")
    server.add_argument("--access-log", action="store_true",
                        help="log one line per request (method, path, status; never bodies)")
    faults = parser.add_argument_group("faults (off by default)")
    faults.add_argument("--seed", type=int, metavar="N",
                        help="seed for the random faults, to make a run repeatable")
    faults.add_argument("--rate-limit", type=_positive, metavar="N",
                        help="allow N requests per second; beyond that answer 429 with "
                             "Retry-After")
    faults.add_argument("--retry-after-format", choices=("seconds", "http-date"),
                        default="seconds",
                        help="form of the Retry-After header on 429 (default seconds)")
    faults.add_argument("--latency", type=_non_negative, default=0.0, metavar="MS",
                        help="add MS milliseconds to every profiles request")
    faults.add_argument("--error-rate", type=_fraction, default=0.0, metavar="FRACTION",
                        help="answer this fraction of requests (0-1) with a 5xx; nothing stored")
    faults.add_argument("--error-statuses", type=_statuses, default=(500, 502, 503, 504),
                        metavar="LIST",
                        help="the 5xx statuses --error-rate picks from (default 500,502,503,504)")
    faults.add_argument("--drop-before-rate", type=_fraction, default=0.0, metavar="FRACTION",
                        help="close this fraction of connections without a response before "
                             "processing (nothing stored)")
    faults.add_argument("--drop-after-rate", type=_fraction, default=0.0, metavar="FRACTION",
                        help="store the profile, then close this fraction of connections "
                             "without a response")
    faults.add_argument("--group-error", type=_group_error, action="append", default=[],
                        metavar="SLUG=STATUS",
                        help="answer every request for group SLUG with STATUS (repeatable)")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; 0 after a clean stop, 2 for bad options or configuration."""
    from aniva_import.errors import ConfigError

    try:
        from aniva_import.sandbox import Faults, default_config, load_config, serve
    except ModuleNotFoundError as missing:
        print(f"aniva-import sandbox: the sandbox needs {missing.name}, which comes with "
              "the sandbox extra: pip install 'aniva-import[sandbox]'", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config) if args.config else default_config()
        faults = Faults(
            rate_limit=args.rate_limit,
            retry_after_format=args.retry_after_format,
            latency_ms=args.latency,
            error_rate=args.error_rate,
            error_statuses=args.error_statuses,
            drop_before_rate=args.drop_before_rate,
            drop_after_rate=args.drop_after_rate,
            group_errors=dict(args.group_error),
            seed=args.seed,
        )
        serve(
            config,
            faults,
            host=args.host,
            port=args.port,
            store_path=args.store,
            allow_remote=args.allow_remote,
            access_log=args.access_log,
        )
    except (ConfigError, ValueError) as error:
        print(f"aniva-import sandbox: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m aniva_import.cli.sandbox [options]``: the command on its own."""
    parser = argparse.ArgumentParser(prog="aniva-import")
    commands = parser.add_subparsers(dest="command", required=True)
    add_parser(commands)
    args = parser.parse_args(["sandbox", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
