"""The files a run writes, checked before any work: never onto the input, never onto
each other, never into a folder that does not exist."""

from __future__ import annotations

from pathlib import Path

from aniva_import.errors import ConfigError
from aniva_import.results import default_results_path
from aniva_import.settings import Settings


def check_summary_path(settings: Settings) -> None:
    """Refuse a summary path that would overwrite the input or a results file."""
    summary = settings.summary_json
    if summary is None:
        return
    check_output(settings, "summary file (--summary-json)", summary)
    candidates = (
        [settings.results] if settings.results
        else [default_results_path(settings.input, kind) for kind in ("csv", "xlsx")]
    )
    if summary.resolve() in {p.resolve() for p in candidates}:
        raise ConfigError("The results file and the summary file cannot be the same file.")


def check_output(settings: Settings, what: str, path: Path) -> None:
    """Refuse an output path that is any file the run reads (the input, the mapping
    file, the ledger), a folder, or in a missing folder."""
    resolved = path.resolve()
    inputs = (
        ("input file", settings.input), ("mapping file (--mapping)", settings.mapping),
        ("import ledger (--state)", settings.state),
    )
    for name, source in inputs:
        if source is not None and (resolved == source.resolve() or _same_file(path, source)):
            raise ConfigError(f"The {what} cannot be the {name}: it would be overwritten.")
    if not path.parent.is_dir():
        raise ConfigError(f"The folder for the {what} does not exist: {path.parent}")
    if path.is_dir():
        raise ConfigError(f"The {what} {path} is a folder, not a file.")


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (a hard link, another spelling)."""
    try:
        return a.samefile(b)
    except OSError:
        return False
