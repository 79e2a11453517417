"""Report: what a run did, for people and for monitoring.

``run_report``: :class:`RunReport`, counted as finished rows arrive; ``summary``: the
``--summary-json`` document; ``terminal``: the summary printed after a run.
"""

from aniva_import.report.run_report import RunReport
from aniva_import.report.summary import is_summary_file, summary_document, write_summary_json
from aniva_import.report.terminal import render_summary

__all__ = [
    "RunReport", "is_summary_file", "render_summary", "summary_document", "write_summary_json",
]
