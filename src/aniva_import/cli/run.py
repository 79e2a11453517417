"""``aniva-import run FILE``: options → :class:`Settings` → ``pipeline.import_file`` →
the terminal summary and the exit code."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aniva_import.cli.console import Console, silence_broken_stdout
from aniva_import.errors import ConfigError
from aniva_import.settings import DEFAULT_API_URL, ApiKey, Settings

if TYPE_CHECKING:
    from aniva_import.pipeline import Progressed


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"takes a whole number such as 2, not {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"takes a whole number of 1 or more, not {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"takes a number such as 10 or 2.5, not {text!r}"
        ) from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"takes a number above 0, not {text!r}")
    return value


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``run`` command."""
    run = commands.add_parser(
        "run",
        help="import one file (or check it with --dry-run)",
        description="Import one spreadsheet, or check it with --dry-run. "
        "Exit codes: 0 all rows fine, 1 some rows need attention, 2 nothing was done, "
        "3 aborted part-way, 130 interrupted.",
    )
    run.add_argument("file", type=Path, metavar="FILE",
                     help="CSV, TXT, XLSX, XLSM, XLS or ODS file")
    run.add_argument("--dry-run", action="store_true", help="validate only; no network, no key")
    run.add_argument("--group", metavar="SLUG",
                     help="profile group for rows that do not name one in a column of their own")
    run.add_argument("--mapping", type=Path, metavar="PATH",
                     help="TOML file: column mapping and parsing conventions for unusual files")
    run.add_argument("--phone-region", metavar="CC",
                     help="ISO country (DE, FI, …) for phone numbers without a country code")
    run.add_argument("--sheet", metavar="NAME",
                     help="worksheet to read, by name or position (default: the first)")
    run.add_argument("--encoding", metavar="NAME",
                     help="a text file's encoding (cp1252, cp1250, iso8859-7, mac-roman …), "
                          "when it cannot be told for certain")
    run.add_argument("--results", type=Path, metavar="PATH",
                     help="results file (default: <input stem>.results.<csv or xlsx> beside it)")
    run.add_argument("--overwrite", action="store_true",
                     help="replace an existing results file even if it is not one of ours or "
                          "was edited after a run wrote it")
    run.add_argument("--show-values", action="store_true",
                     help="CSV results: also write <input stem>.values.csv, the values as they "
                          "go to the API (Excel results always have them on a second sheet)")
    run.add_argument("--phone-column", metavar="NAME",
                     help="the column to take phone numbers from (default: a mobile column, "
                          "falling back to the landline on rows without one)")
    run.add_argument("--api-url", metavar="URL",
                     help=f"API base (default {DEFAULT_API_URL}; env ANIVA_API_URL)")
    run.add_argument("--api-key-file", type=Path, metavar="PATH",
                     help="file holding the API key; otherwise env ANIVA_API_KEY")
    run.add_argument("--rate", type=_positive_float, metavar="N",
                     help="requests per second at most")
    run.add_argument("--concurrency", type=_positive_int, default=4, metavar="N",
                     help="requests in flight at most (default 4)")
    run.add_argument("--timeout", type=_positive_float, default=30.0, metavar="SECONDS",
                     help="wait at most this long for the API's answer to one request; past it "
                          "the row is reported unknown (default 30)")
    run.add_argument("--state", type=Path, metavar="PATH",
                     help="the import ledger (SQLite) that remembers what was already created")
    run.add_argument("--resend-unknown", action="store_true",
                     help="send again the rows an earlier run left unknown (only after "
                          "checking in Aniva that they were not created)")
    run.add_argument("--sandbox", action="store_true",
                     help="start the built-in sandbox API on loopback and import into it")
    run.add_argument("--summary-json", type=Path, metavar="PATH",
                     help="write a machine-readable summary of the run")
    run.add_argument("--workers", type=_positive_int, metavar="N",
                     help="processes used to check rows (default: up to 2, by CPU count)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    run.add_argument("--no-fast-paths", action="store_true",
                     help="check e-mails and phone numbers with the libraries alone (slower; "
                          "the answers are the same), e.g. after upgrading phonenumbers")
    run.set_defaults(handler=run_command)


def _read_key(args: argparse.Namespace, console: Console) -> ApiKey | None:
    if args.api_key_file is not None:
        try:
            text = args.api_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"The API key file {args.api_key_file} cannot be read "
                              f"({exc.strerror}).") from None
        mode = args.api_key_file.stat().st_mode
        if mode & 0o077:
            raise ConfigError(
                f"The API key file {args.api_key_file} can be read by other users of this "
                f"computer; make it yours alone (chmod 600 {args.api_key_file}) and try again."
            )
        try:
            return ApiKey(text)
        except ValueError:
            raise ConfigError(f"The API key file {args.api_key_file} is empty.") from None
    value = console.environ.get("ANIVA_API_KEY", "")
    return ApiKey(value) if value.strip() else None


def settings_from_args(args: argparse.Namespace, console: Console) -> Settings:
    """Turn ``run`` options (and the environment) into frozen settings."""
    from aniva_import.cli.proxy import proxy_for
    from aniva_import.pipeline import default_workers

    if args.sandbox and (args.api_url or args.api_key_file):
        raise ConfigError("--sandbox imports into the local sandbox with its demo key: "
                          "leave out --api-url and --api-key-file.")
    api_key = None if args.dry_run or args.sandbox else _read_key(args, console)
    api_url = args.api_url or console.environ.get("ANIVA_API_URL") or DEFAULT_API_URL
    region = args.phone_region
    if region is not None and not (len(region) == 2 and region.isalpha()):
        raise ConfigError(f"--phone-region takes a two-letter country code such as DE or FI, "
                          f"not {region!r}.")
    if region is not None and region.upper() == "UK":
        raise ConfigError("--phone-region takes ISO country codes: the United Kingdom is GB, "
                          "not UK (run with --phone-region GB).")
    return Settings(
        input=args.file,
        dry_run=args.dry_run,
        group=args.group,
        mapping=args.mapping,
        phone_region=region.upper() if region else None,
        sheet=args.sheet,
        encoding=_encoding(args.encoding),
        results=args.results,
        api_url=api_url,
        api_key=api_key,
        proxy=None if args.dry_run else proxy_for(api_url, console.environ),
        rate=args.rate,
        concurrency=args.concurrency,
        state=args.state,
        summary_json=args.summary_json,
        workers=args.workers or default_workers(),
        progress=not args.no_progress and console.stderr.isatty(),
        fast_paths=not args.no_fast_paths,
        resend_unknown=args.resend_unknown,
        request_timeout=args.timeout,
        overwrite=args.overwrite,
        show_values=args.show_values,
        phone_column=args.phone_column,
    )


def _encoding(name: str | None) -> str | None:
    if name is None:
        return None
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        raise ConfigError(f"--encoding {name!r} is not a text encoding this program knows; "
                          "use e.g. utf-8, cp1252, cp1250, iso8859-7 or mac-roman.") from None
    return name


def run_command(args: argparse.Namespace, console: Console) -> int:
    settings = settings_from_args(args, console)
    if args.sandbox and not settings.dry_run:
        from aniva_import.sandbox import DEMO_FULL_KEY, SANDBOX_API, sandbox_for_import

        with sandbox_for_import() as sandbox:
            if sandbox.started:
                console.note(f"Started the sandbox at {sandbox.base_url} for this import.")
            else:
                console.note(f"Importing into the sandbox already running at "
                             f"{sandbox.base_url} (its faults, if any, apply).")
            sandboxed = replace(settings, api_url=sandbox.base_url, ledger_api=SANDBOX_API,
                                api_key=ApiKey(DEMO_FULL_KEY), proxy=None)
            return _import(sandboxed, console)
    return _import(settings, console)


def _import(settings: Settings, console: Console) -> int:
    from aniva_import.pipeline import import_file
    from aniva_import.report import render_summary

    show = _Progress(settings, console) if settings.progress else None
    try:
        report = import_file(settings, progress=show)
    finally:
        if show is not None:
            show.close()
    try:
        print(render_summary(report), file=console.stdout)
        console.stdout.flush()
    except BrokenPipeError:  # `aniva-import run … | head`: the reader went away early
        silence_broken_stdout(console)
    return report.exit_code


#: files at least this large get a line saying they are being opened
_BIG_FILE = 5 << 20


class _Progress:
    """The progress bar on stderr: a line while a big file opens, the notes as soon as
    they are known, a bar with a total (a workbook's rows, a CSV's estimated from its
    size), and "stopping…" the moment a Ctrl-C arrives."""

    def __init__(self, settings: Settings, console: Console) -> None:
        self.settings, self.console = settings, console
        self.bar: Any = None
        self.noted = 0

    def __call__(self, step: Progressed) -> None:
        stderr = self.console.stderr
        if step.stage == "opening":
            size = _file_size(self.settings.input)
            if size >= _BIG_FILE:
                print(f"Opening {self.settings.input.name} ({size / (1 << 20):.0f} MB)…",
                      file=stderr, flush=True)
            return
        if step.stage == "notes":
            for note in step.report.notes[self.noted:]:
                print(f"Note: {note}", file=stderr, flush=True)
            self.noted = len(step.report.notes)
            return
        if step.stage == "stopping":
            self.close()
            print("Stopping… finishing the results file (rows not reached are listed as "
                  "not_sent).", file=stderr, flush=True)
            return
        bar = self.bar
        if bar is None:
            from tqdm import tqdm

            # no monitor thread: worker processes are forked, best from a lone thread
            tqdm.monitor_interval = 0
            what = "checking" if self.settings.dry_run else "importing"
            bar = self.bar = tqdm(file=stderr, unit=" rows", desc=what, leave=False,
                                  total=step.total)
        if step.total is not None and step.total != bar.total:
            bar.total = step.total
        if not self.settings.dry_run:  # before the update, which draws the bar
            bar.set_postfix_str(_live_figures(step), refresh=False)
        bar.update(step.rows)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _live_figures(step: Progressed) -> str:
    """Created / failed / unknown so far (the rows written, and those of the chunk being
    sent) and the current rate, for the progress bar."""
    counts, sending = step.report.counts + Counter(step.pending), step.report.sending
    parts = [f"{counts[s]} {s}" for s in ("created", "already_imported", "failed", "unknown")
             if counts[s]]
    if sending is not None and sending.achieved_rate:
        parts.append(f"{sending.achieved_rate:.0f} req/s")
    return ", ".join(parts)
