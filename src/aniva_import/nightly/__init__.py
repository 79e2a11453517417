"""The nightly job: every new file in the configured inbox folders, imported once.

    config = load_config(Path("/etc/aniva-import/nightly.toml"))
    key = read_api_key_file(config.api.key_file)
    report = run_nightly(config, JobOptions(dry_run=False, api_url=..., api_key=key),
                         log=JsonLines(sys.stderr, utc_now))

Read :mod:`.job` first, then :mod:`.inbox` (one inbox: lock, recover, resume, scan,
take, import, move).  One concept per module: :mod:`.config` (the TOML file, checked),
:mod:`.keyfile` (the API key file), :mod:`.folders` (the layout and the moves),
:mod:`.scan` (which files are ready), :mod:`.state` (the content-hash registry, the
last accepted headers, the journal of working/), :mod:`.lock` (one run per inbox),
:mod:`.drift` (the header-drift alarm), :mod:`.dry_run` (one inbox, changing nothing),
:mod:`.importing` (one file through the pipeline), :mod:`.outcome` (what happened, the
exit code), :mod:`.summary`, :mod:`.terminal` (stdout), :mod:`.metrics`, :mod:`.events`
(the structured log).
"""

from aniva_import.nightly.config import (
    DEFAULT_PATTERNS,
    ApiConfig,
    InboxConfig,
    NightlyConfig,
    load_config,
)
from aniva_import.nightly.drift import Drift, compare, read_headers
from aniva_import.nightly.events import Event, EventLog, JsonLines, PlainLines, Recorder
from aniva_import.nightly.folders import InboxFolders
from aniva_import.nightly.importing import JobOptions
from aniva_import.nightly.job import dry_run_folder, run_nightly
from aniva_import.nightly.keyfile import read_api_key_file
from aniva_import.nightly.lock import InboxBusy, InboxLock
from aniva_import.nightly.metrics import metrics_text, write_metrics
from aniva_import.nightly.outcome import FileOutcome, InboxOutcome, NightlyReport
from aniva_import.nightly.scan import Scan, scan_inbox
from aniva_import.nightly.state import StateError, StateStore, content_hash
from aniva_import.nightly.summary import nightly_summary_document, write_nightly_summary

__all__ = [
    "DEFAULT_PATTERNS",
    "ApiConfig",
    "Drift",
    "Event",
    "EventLog",
    "FileOutcome",
    "InboxBusy",
    "InboxConfig",
    "InboxFolders",
    "InboxLock",
    "InboxOutcome",
    "JobOptions",
    "JsonLines",
    "NightlyConfig",
    "NightlyReport",
    "PlainLines",
    "Recorder",
    "Scan",
    "StateError",
    "StateStore",
    "compare",
    "content_hash",
    "dry_run_folder",
    "load_config",
    "metrics_text",
    "nightly_summary_document",
    "read_api_key_file",
    "read_headers",
    "run_nightly",
    "scan_inbox",
    "write_metrics",
    "write_nightly_summary",
]
