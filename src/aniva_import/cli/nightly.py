"""``aniva-import nightly CONFIG``: every new file in the configured inbox folders.

Options → :func:`aniva_import.nightly.load_config` and
:class:`~aniva_import.nightly.JobOptions` (the API key read here: ``[api] key_file``,
else ``ANIVA_API_KEY``) → :func:`~aniva_import.nightly.run_nightly` → the report on
stdout, the log on stderr (JSON lines unless stderr is a terminal), the exit code.
SIGTERM (systemd stopping the service) is handled like Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from aniva_import.cli.console import Console, silence_broken_stdout
from aniva_import.errors import AnivaImportError, ConfigError
from aniva_import.settings import DEFAULT_API_URL, ApiKey

if TYPE_CHECKING:
    from aniva_import.nightly import JobOptions, NightlyConfig


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``nightly`` command."""
    nightly = commands.add_parser(
        "nightly",
        help="process every new file in the configured inbox folders",
        description="Import every new file in the inbox folders a TOML file configures, "
        "each once; processed files go to done/ or failed/ with their results. "
        "Exit codes (the worst of the files'): 0 all fine, 1 some rows need attention, "
        "2 a file or inbox could not be processed, 3 the API cut an import short "
        "(it resumes next run), 130 interrupted.",
    )
    nightly.add_argument("config", type=Path, metavar="CONFIG", help="nightly TOML configuration")
    nightly.add_argument("--dry-run", action="store_true",
                         help="check what would be imported; no network, nothing moved")
    nightly.add_argument("--summary-json", type=Path, metavar="PATH",
                         help="write a machine-readable summary of the run "
                              "(a dry run keeps its results files beside it)")
    nightly.add_argument("--metrics", type=Path, metavar="PATH",
                         help="write the run's counts in the Prometheus text format "
                              "(node_exporter textfile collector)")
    nightly.set_defaults(handler=nightly_command)


def _check_output(option: str, path: Path | None, config: Path) -> None:
    if path is None:
        return
    if path.resolve() == config.resolve():
        raise ConfigError(f"{option} cannot be the configuration file itself.")
    if not path.parent.is_dir():
        raise ConfigError(f"The folder for {option} does not exist: {path.parent}")
    if path.is_dir():
        raise ConfigError(f"{option} {path} is a folder, not a file.")
    if path.exists() and not _ours(option, path):
        raise ConfigError(
            f"{path} already exists and was not written by aniva-import's {option}, so it "
            f"is left as it is. Choose another path for {option}."
        )


def _ours(option: str, path: Path) -> bool:
    """Whether an existing output file is an earlier run's (replaced each night)."""
    if option == "--summary-json":
        from aniva_import.report import is_summary_file

        return is_summary_file(path)
    from aniva_import.nightly.metrics import is_metrics_file

    return is_metrics_file(path)


def _api_key(key_file: Path | None, console: Console) -> ApiKey:
    from aniva_import.nightly import read_api_key_file

    if key_file is not None:
        return read_api_key_file(key_file)
    value = console.environ.get("ANIVA_API_KEY", "")
    if not value.strip():
        raise ConfigError(
            "No API key: set key_file in the [api] table of the configuration (a file "
            "readable by the service user alone), or the environment variable ANIVA_API_KEY."
        )
    return ApiKey(value)


def nightly_command(args: argparse.Namespace, console: Console) -> int:
    from aniva_import.nightly import Event, JsonLines, PlainLines, run_nightly
    from aniva_import.nightly.terminal import render_nightly
    from aniva_import.pipeline import utc_now

    stream = console.stderr
    tty = stream.isatty()
    log = PlainLines(stream, utc_now) if tty else JsonLines(stream, utc_now)
    try:
        config, options = _prepare(args, console)
    except AnivaImportError as error:
        if tty:
            raise  # one plain sentence, as every command says it
        log.emit(Event("config_error", "error", {"message": str(error),
                                                 "exit_code": error.exit_code}))
        return error.exit_code
    with _sigterm_as_ctrl_c():
        report = run_nightly(config, options, log=log, summary_json=args.summary_json,
                             metrics=args.metrics)
    try:
        print(render_nightly(report), file=console.stdout)
        console.stdout.flush()
    except BrokenPipeError:
        silence_broken_stdout(console)
    if report.output_error and tty:  # off a terminal the log has said it (output_failed)
        console.error(report.output_error)
    return report.exit_code


def _prepare(args: argparse.Namespace, console: Console) -> tuple[NightlyConfig, JobOptions]:
    """The configuration and the run's options, every check done before any file is
    touched or any request made (a problem: :class:`ConfigError`, exit 2)."""
    from aniva_import.cli.proxy import proxy_for
    from aniva_import.nightly import JobOptions, load_config
    from aniva_import.pipeline import default_workers
    from aniva_import.send import check_api_url, check_proxy_url

    config = load_config(args.config, writable=not args.dry_run)
    _check_output("--summary-json", args.summary_json, args.config)
    _check_output("--metrics", args.metrics, args.config)
    if args.summary_json and args.metrics and args.summary_json.resolve() == \
            args.metrics.resolve():
        raise ConfigError("--summary-json and --metrics cannot be the same file.")
    api_url = config.api.url or check_api_url(
        console.environ.get("ANIVA_API_URL") or DEFAULT_API_URL
    )
    key = None if args.dry_run else _api_key(config.api.key_file, console)
    proxy = None if args.dry_run else proxy_for(api_url, console.environ)
    if proxy is not None:
        check_proxy_url(proxy)
    options = JobOptions(
        dry_run=args.dry_run, api_url=api_url, api_key=key, proxy=proxy,
        rate=config.api.rate,
        concurrency=config.api.concurrency, workers=config.workers or default_workers(),
    )
    return config, options


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (``systemctl stop``, a shutdown) stops the run as Ctrl-C does: the file
    being imported gets its results written and resumes next run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        signal.raise_signal(signal.SIGINT)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
