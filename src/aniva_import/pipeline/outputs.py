"""The files a run writes, checked before any work: never onto the input (unless it is
one of our results files fed back in), never onto each other, never into a folder
that does not exist or cannot be written, and never over the user's work.

**Never overwrite what is not ours.**  An existing file at a results path is replaced
only when it is one of our results files *and* unchanged since a run of this tool
wrote it (``settings.overwrite`` replaces anything).  "Ours" is read from the file
itself (a CSV whose header starts ``row, status, profile_id, errors``; a workbook
carrying our document property); "unchanged" from the record this module keeps of
every results file it wrote (size and modification time, in the tool's state folder
beside the ledger: ``results-files.json``).  A file edited after the run wrote it —
the clinic fixed cells in it, as the README invites — has another modification
time, so it is left alone and the message says what to run instead: feed the edited
file back in (its results then replace it, carrying its cells over), or choose
another name.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from aniva_import.errors import ConfigError
from aniva_import.files import write_private_text
from aniva_import.ledger import default_ledger_path
from aniva_import.report import is_summary_file
from aniva_import.results import XLSX_MARKER, default_results_path
from aniva_import.settings import Settings
from aniva_import.types import RESULT_COLUMNS

#: the record of the results files this tool wrote (in the state folder)
REGISTRY_NAME = "results-files.json"
#: results files remembered at most (the oldest are forgotten first)
REGISTRY_LIMIT = 2000


def check_summary_path(settings: Settings) -> None:
    """Refuse a summary path that would overwrite the input, a results file, or an
    existing file that is not an earlier summary of ours (unless ``settings.overwrite``)."""
    summary = settings.summary_json
    if summary is None:
        return
    check_output(settings, "summary file (--summary-json)", summary)
    if not settings.overwrite and summary.exists() and not is_summary_file(summary):
        raise ConfigError(
            f"{summary} already exists and is not a summary written by aniva-import, so "
            "it is left as it is. Choose another name with --summary-json PATH, or pass "
            "--overwrite to replace it."
        )
    candidates = (
        [settings.results] if settings.results
        else [default_results_path(settings.input, kind, delimiter)
              for kind, delimiter in (("csv", None), ("csv", "\t"), ("xlsx", None))]
    )
    if summary.resolve() in {p.resolve() for p in candidates}:
        raise ConfigError("The results file and the summary file cannot be the same file.")


def check_output(
    settings: Settings, what: str, path: Path, *, input_is_results: bool = False
) -> None:
    """Refuse an output path that is any file the run reads — the input (unless
    ``input_is_results``: a results file fed back in is replaced by its new results),
    the mapping file, the ledger — a folder, or in a folder that is missing or cannot
    be written."""
    resolved = path.resolve()
    inputs = (
        ("input file", None if input_is_results else settings.input),
        ("mapping file (--mapping)", settings.mapping),
        ("import ledger (--state)", settings.state),
    )
    for name, source in inputs:
        if source is not None and (resolved == source.resolve() or _same_file(path, source)):
            raise ConfigError(f"The {what} cannot be the {name}: it would be overwritten.")
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"The folder for the {what} does not exist: {folder}")
    if path.is_dir():
        raise ConfigError(f"The {what} {path} is a folder, not a file.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"The {what} cannot be written: you have no permission to write in the folder "
            f"{folder or '.'}. Choose another place with --results PATH (or ask for write "
            "access to that folder)."
        )


def check_results_target(settings: Settings, path: Path, *, input_is_results: bool) -> None:
    """Refuse to replace a file at ``path`` that is not one of our results files, or one
    that was changed after this tool wrote it (unless ``settings.overwrite``)."""
    check_output(settings, "results file", path, input_is_results=input_is_results)
    if settings.overwrite or not path.exists():
        return
    if input_is_results and path.resolve() == settings.input.resolve():
        return  # its cells are carried over into the new results
    if not is_results_file(path):
        raise ConfigError(
            f"{path} already exists and is not a results file of aniva-import, so it is "
            "left as it is. Choose another name with --results PATH, or pass --overwrite "
            "to replace it."
        )
    if not _unchanged_since_written(settings, path):
        raise ConfigError(
            f"{path} was changed after aniva-import wrote it (edited?), so it is not "
            f"overwritten. To check your edited file, run it instead: aniva-import run "
            f"{path} … (its new results replace it, keeping your cells). Or choose another "
            "name with --results PATH, or pass --overwrite to replace it."
        )


def is_results_file(path: Path) -> bool:
    """Whether ``path`` reads as one of our results files (or a values file beside one)."""
    if path.suffix.lower() == ".xlsx":
        try:
            with zipfile.ZipFile(path) as book:
                custom = book.read("docProps/custom.xml")
        except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
            return False
        return XLSX_MARKER.encode() in custom
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    text = head.decode("utf-8-sig", errors="replace").lstrip("\ufeff")
    first = text.splitlines()[0] if text else ""
    for delimiter in (",", ";", "\t", "|"):
        cells = [c.strip().strip('"').casefold() for c in first.split(delimiter)]
        if tuple(cells[:4]) == RESULT_COLUMNS or tuple(cells[:2]) == ("row", "status"):
            return True
    return False


def registry_path(settings: Settings) -> Path:
    """Where the record of written results files lives: the tool's state folder."""
    ledger = settings.state or default_ledger_path()
    return ledger.parent / REGISTRY_NAME


def _fingerprint(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns]


def _read_registry(path: Path) -> dict[str, list[int]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _unchanged_since_written(settings: Settings, path: Path) -> bool:
    record = _read_registry(registry_path(settings)).get(str(path.resolve()))
    try:
        return record == _fingerprint(path)
    except OSError:
        return False


def remember_written(settings: Settings, *paths: Path) -> None:
    """Record files this run just wrote, so that a later run may replace them as long
    as nobody changed them.  Best effort: without the record, a later run asks for
    --overwrite instead of replacing the file."""
    registry = registry_path(settings)
    try:
        registry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        entries = _read_registry(registry)
        for path in paths:
            key = str(path.resolve())
            entries.pop(key, None)
            entries[key] = _fingerprint(path)
        kept = dict(list(entries.items())[-REGISTRY_LIMIT:])
        write_private_text(registry, json.dumps(kept, indent=0))
    except OSError:
        pass


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (a hard link, another spelling)."""
    try:
        return a.samefile(b)
    except OSError:
        return False
