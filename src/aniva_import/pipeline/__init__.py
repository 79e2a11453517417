"""Pipeline: one file through every stage, ``import_file(settings) -> RunReport``.

Read ``run`` first: it is the data path.  Then, in the order a row meets them:
``plan`` (columns and conventions), ``prescan`` (what the whole file must agree on),
``check`` (normalise + validate + duplicates, through the ``executor`` seam),
``decide`` (the one place a row's status is decided); ``outputs`` and ``interrupts``
keep the results file safe.
"""

from aniva_import.pipeline.check import CheckedChunk, check, check_cell, check_chunk
from aniva_import.pipeline.executor import (
    Executor,
    InProcessExecutor,
    ProcessExecutor,
    default_workers,
    executor_for,
)
from aniva_import.pipeline.plan import Plan
from aniva_import.pipeline.run import Clock, Progress, Progressed, import_file, utc_now

__all__ = [
    "CheckedChunk",
    "Clock",
    "Executor",
    "InProcessExecutor",
    "Plan",
    "ProcessExecutor",
    "Progress",
    "Progressed",
    "check",
    "check_cell",
    "check_chunk",
    "default_workers",
    "executor_for",
    "import_file",
    "utc_now",
]
