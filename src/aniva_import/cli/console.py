"""Where the CLI writes: stdout, stderr and the environment, replaceable in tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

PROG = "aniva-import"


class Console:
    """Where the CLI writes; tests pass their own streams and environment."""

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.environ = os.environ if environ is None else environ

    def error(self, message: str) -> None:
        print(f"{PROG}: {message}", file=self.stderr)

    def note(self, message: str) -> None:
        """A line on stderr about what the tool does (never patient data)."""
        print(message, file=self.stderr)


def silence_broken_stdout(console: Console) -> None:
    """After a broken pipe, point stdout at /dev/null so that Python's final flush
    does not complain on stderr."""
    if console.stdout is sys.stdout:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


