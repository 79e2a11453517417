"""Shared test helpers: run the CLI in-process and read results files."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from aniva_import.cli import main

pytest_plugins = ["aniva_import.testing.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


class _NoTty(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def cli() -> object:
    """Call ``aniva-import`` in-process with its own streams and environment."""

    def run(*argv: str, env: dict[str, str] | None = None) -> CliResult:
        out, err = _NoTty(), _NoTty()
        code = main(list(argv), stdout=out, stderr=err, environ=env or {})
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def read_results_csv(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
