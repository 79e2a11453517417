"""Helpers of the nightly tests: inboxes, patient files, configurations, the command
in-process or in a child process, and what it leaves behind (summary, logs, metrics)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT, CliResult, read_results_csv

SCHEMA = json.loads((ROOT / "schemas" / "nightly-summary.schema.json").read_text("utf-8"))
RUN_SCHEMA = json.loads((ROOT / "schemas" / "summary.schema.json").read_text("utf-8"))
GERMAN = ("Vorname", "Nachname", "Geburtsdatum", "Telefon")
FIXED_NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)

Cli = Callable[..., CliResult]


class Clock:
    """A clock that moves one second each time it is read (stamps stay distinct)."""

    def __init__(self, start: dt.datetime = FIXED_NOW) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def patient(i: int, *, prefix: str = "Pat") -> tuple[str, str, str, str]:
    """A valid German patient row: first name, last name, date of birth, phone."""
    return (f"{prefix}{i}", f"Nach{prefix}{i}", f"{1 + i % 28:02d}.03.19{50 + i % 40}",
            f"030 {1000000 + i}")


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = GERMAN) -> Path:
    lines = [";".join(header), *(";".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def patients(path: Path, indices: Sequence[int], *, prefix: str = "Pat",
             header: Sequence[str] = GERMAN) -> Path:
    return write_csv(path, [patient(i, prefix=prefix)[: len(header)] for i in indices], header)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def write_config(
    path: Path,
    inboxes: Sequence[dict[str, Any]],
    *,
    api: dict[str, Any] | None = None,
    job: dict[str, Any] | None = None,
) -> Path:
    """A nightly TOML file; ``job`` defaults to a short settle time and one worker."""
    lines = ["[api]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in (api or {}).items()]
    lines.append("[job]")
    settings = {"settle_seconds": 0.05, "workers": 1, **(job or {})}
    lines += [f"{k} = {toml_value(v)}" for k, v in settings.items()]
    for inbox in inboxes:
        lines.append("[[inbox]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in inbox.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def key_file(folder: Path, key: str, mode: int = 0o600) -> Path:
    path = folder / "api-key"
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


@dataclass
class Outcome:
    """One run of the command: its exit code, output, summary, log events, metrics."""

    code: int
    out: str
    err: str
    summary: dict[str, Any] | None
    events: list[dict[str, Any]]
    metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float]

    def files(self, inbox: str) -> dict[str, dict[str, Any]]:
        """The summary's files of an inbox by the name they were dropped under (the last
        entry wins for a name seen twice)."""
        assert self.summary is not None
        for entry in self.summary["inboxes"]:
            if entry["name"] == inbox:
                return {f["name"]: f for f in entry["file_list"]}
        raise KeyError(inbox)

    def inbox(self, name: str) -> dict[str, Any]:
        assert self.summary is not None
        return next(i for i in self.summary["inboxes"] if i["name"] == name)

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]

    def metric(self, name: str, **labels: str) -> float:
        return self.metrics[(name, tuple(sorted(labels.items())))]


def parse_events(err: str) -> list[dict[str, Any]]:
    """The JSON log lines of stderr (every non-empty line must be one)."""
    events = []
    for line in err.splitlines():
        if line.strip():
            events.append(json.loads(line))
    return events


def read_metrics(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(path.read_text("utf-8")):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def outcome_of(code: int, out: str, err: str, summary: Path | None,
               metrics: Path | None) -> Outcome:
    document = None
    if summary is not None and summary.exists():
        document = json.loads(summary.read_text("utf-8"))
        jsonschema.validate(document, SCHEMA)
        for inbox in document["inboxes"]:
            for entry in inbox["file_list"]:
                if entry["summary_file"]:
                    jsonschema.validate(json.loads(Path(entry["summary_file"]).read_text(
                        "utf-8")), RUN_SCHEMA)
    found = read_metrics(metrics) if metrics is not None and metrics.exists() else {}
    return Outcome(code, out, err, document, parse_events(err), found)


def nightly(cli: Cli, config: Path, *args: str, env: dict[str, str] | None = None,
            summary: bool = True, metrics: bool = True) -> Outcome:
    """``aniva-import nightly CONFIG`` in-process, with a summary and metrics beside the
    configuration (replaced at each run)."""
    summary_path = config.with_name("nightly-summary.json") if summary else None
    metrics_path = config.with_name("nightly.prom") if metrics else None
    for path in (summary_path, metrics_path):
        if path is not None:
            path.unlink(missing_ok=True)
    argv = ["nightly", str(config), *args]
    if summary_path is not None:
        argv += ["--summary-json", str(summary_path)]
    if metrics_path is not None:
        argv += ["--metrics", str(metrics_path)]
    result = cli(*argv, env=env)
    return outcome_of(result.code, result.out, result.err, summary_path, metrics_path)


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANIVA_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_child(config: Path, *args: str) -> subprocess.Popen[str]:
    """``python -m aniva_import nightly CONFIG`` in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "aniva_import", "nightly", str(config), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(),
        cwd=config.parent,
    )


def wait_for(condition: Callable[[], bool], *, timeout: float = 30.0,
             child: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if child is not None and child.poll() is not None:
            _out, err = child.communicate()
            raise AssertionError(f"the child ended early ({child.returncode}): {err[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and mtime (to prove nothing moved)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def statuses(results: Path) -> dict[str, str]:
    """First name → status, from a results file."""
    return {r["Vorname"]: r["status"] for r in read_results_csv(results)}


def names_in(profiles: list[dict[str, Any]]) -> list[str]:
    return sorted(p["first_name"] for p in profiles)
