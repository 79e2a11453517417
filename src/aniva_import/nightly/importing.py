"""One file through the pipeline, exactly as ``run`` imports it, and what came of it.

The file's settings come from its inbox (group, phone region, mapping, sheet) and
the ``[api]`` table; its ledger is the inbox's (its own, or the one the
configuration names).  What the pipeline's exceptions
mean for the file:

- an :class:`~aniva_import.errors.InputError` about the *file* (unreadable, a
  required column missing, a mapping column not in it): ``failed`` — it goes to
  failed/;
- one about the *job* (the ledger busy or damaged, a results file that cannot be
  written, a setting the configuration check should have caught): ``job_error`` —
  the file stays, the inbox stops;
- :class:`~aniva_import.errors.Interrupted`: ``interrupted`` — the file stays;
- a report whose ``stop`` is set (the API cut the import short, whatever its exit
  code): ``cut_short`` — the file stays and resumes next run (the ledger makes that
  safe: rows already created come back ``already_imported``);
- anything else unexpected: ``job_error`` (named by type only: a message could hold
  data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aniva_import.errors import (
    AnivaImportError,
    ConfigError,
    InputError,
    Interrupted,
    LedgerError,
    OutputError,
)
from aniva_import.nightly.config import InboxConfig
from aniva_import.pipeline import Clock, import_file
from aniva_import.report import RunReport
from aniva_import.send import DEFAULT_CONCURRENCY
from aniva_import.settings import ApiKey, Settings

AttemptKind = Literal["finished", "cut_short", "failed", "job_error", "interrupted"]


@dataclass(frozen=True)
class JobOptions:
    """What every file of a run shares (decided by the caller: the CLI reads the key)."""

    dry_run: bool
    api_url: str
    api_key: ApiKey | None = field(default=None, repr=False)
    rate: float | None = None
    concurrency: int | None = None
    workers: int = 1
    #: a dry run: where its results files go (None: a temporary folder, removed)
    dry_run_dir: Path | None = None
    #: the proxy to reach the API through (the CLI reads it from the environment)
    proxy: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Attempt:
    kind: AttemptKind
    report: RunReport | None = None
    error: str | None = None


def file_settings(
    inbox: InboxConfig,
    options: JobOptions,
    path: Path,
    *,
    results: Path,
    summary: Path | None,
    ledger: Path | None,
) -> Settings:
    return Settings(
        input=path,
        dry_run=options.dry_run,
        group=inbox.group,
        mapping=inbox.mapping,
        phone_region=inbox.phone_region,
        sheet=inbox.sheet,
        results=results,
        api_url=options.api_url,
        api_key=None if options.dry_run else options.api_key,
        proxy=options.proxy,
        rate=options.rate,
        concurrency=options.concurrency or DEFAULT_CONCURRENCY,
        state=ledger,
        summary_json=summary,
        workers=options.workers,
    )


def attempt_import(settings: Settings, clock: Clock) -> Attempt:
    """Import one file; never raises for the file's own problems."""
    try:
        report = import_file(settings, clock=clock, progress=None)
    except Interrupted as error:
        return Attempt("interrupted", error=str(error))
    except (ConfigError, LedgerError, OutputError) as error:
        return Attempt("job_error", error=str(error))
    except InputError as error:
        return Attempt("failed", error=str(error))
    except AnivaImportError as error:
        return Attempt("job_error", error=str(error))
    except Exception as error:  # noqa: BLE001 - a bug must not stop the other inboxes
        return Attempt("job_error", error=f"internal error ({type(error).__name__})")
    if report.stop is not None:
        return Attempt("cut_short", report=report, error=report.stop.message)
    return Attempt("finished", report=report)
