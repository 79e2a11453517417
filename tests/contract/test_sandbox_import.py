"""``run --sandbox``: the quick start's import into the built-in sandbox, as a user runs it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, read_results_csv

pytestmark = pytest.mark.integration


def _quick_start(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aniva_import", "run", "praxis-berlin.csv", "--sandbox",
         "--group", "acme-clinic-berlin", "--phone-region", "DE"],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "XDG_STATE_HOME": str(folder / "state")},
    )


def _statuses(folder: Path) -> list[str]:
    return [r["status"] for r in read_results_csv(folder / "praxis-berlin.results.csv")]


def _occupy(port: int) -> socket.socket | None:
    """A listener on ``port`` that is not a sandbox (None when the port is taken already)."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", port))
    except OSError:
        holder.close()
        return None
    holder.listen(1)
    return holder


@pytest.mark.parametrize("default_port_taken", [False, True])
def test_the_quick_start_imports_the_sample_and_a_second_run_sends_nothing(
    tmp_path: Path, default_port_taken: bool
) -> None:
    shutil.copy(SAMPLES / "praxis-berlin.csv", tmp_path)
    holder = _occupy(8787) if default_port_taken else None
    try:
        first = _quick_start(tmp_path)
        assert first.returncode == 1, first.stderr  # the sample holds deliberate problems
        assert "6 created" in first.stdout
        assert _statuses(tmp_path).count("created") == 6
        second = _quick_start(tmp_path)
        assert second.returncode == 1, second.stderr
        assert "6 already_imported" in second.stdout
        assert "Sent" not in second.stdout  # nothing was sent again
        assert _statuses(tmp_path).count("already_imported") == 6
    finally:
        if holder is not None:
            holder.close()
    assert (tmp_path / "state" / "aniva-import" / "ledger.sqlite3").exists()
