"""kill -9 at any moment, then rerun: no patient is created twice (real processes, real disk).

Child processes run a small import loop (lookup → reserve → requests → record)
against a fake API that is an append-only file of created profiles, and are
killed with SIGKILL after a random delay: before, inside or after any commit or
request.  Between the rounds, and at the end, the user settles the unknown
entries as they would, by looking the patient up (here: in the API's file).  A
last clean run must then create everyone who is left, exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aniva_import.ledger import EntryState, Ledger
from tests.ledger.conftest import API, GROUP

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")

PATIENTS = 100
ROUNDS = 8
#: Each round's export: a window of the patients, overlapping the last round's.
EXPORT_SIZE, EXPORT_STEP = 40, 8

#: argv: ledger, API file, seed ("clean": every request succeeds), API, group, rows.
IMPORT_LOOP = """
import os, random, sys, time
from aniva_import.ledger import Created, Ledger, Released, Reservation, Unknown
ledger_path, api_path, seed = sys.argv[1:4]
api, group, first, count = sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
rng = random.Random(seed)
api_file = os.open(api_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
made = 0

def create(patient):
    global made
    made += 1
    profile_id = f"{patient}/{seed}/{made}"
    os.write(api_file, f"{patient} {profile_id}\\n".encode())
    return profile_id

with Ledger(ledger_path) as ledger:
    print("ready", flush=True)
    patients = [f"patient-{number}" for number in range(first, first + count)]
    for start in range(0, count, 4):
        keys = {ledger.key(api, group, patient): patient for patient in patients[start:start + 4]}
        found = ledger.lookup(keys)
        wanted = [Reservation(key, {"first_name": patient}, source="export.csv", row=2 + start)
                  for key, patient in keys.items() if key not in found]
        outcomes = []
        for key in ledger.reserve(wanted).reserved:
            fate = 1.0 if seed == "clean" else rng.random()
            time.sleep(0.001)
            if fate < 0.1:
                outcomes.append(Released(key))
            elif fate < 0.2:
                outcomes.append(Unknown(key))
            else:
                profile_id = create(keys[key])
                outcomes.append(Unknown(key) if fate < 0.3 else Created(key, profile_id))
        ledger.record(outcomes)
print("done", flush=True)
"""


def _created(api_file: Path) -> dict[str, list[str]]:
    created: dict[str, list[str]] = {}
    if api_file.exists():
        for line in api_file.read_text().splitlines():
            patient, profile_id = line.split(" ")
            created.setdefault(patient, []).append(profile_id)
    return created


def _import(
    ledger: Path, api_file: Path, seed: str, rows: range, kill_after: float | None
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", IMPORT_LOOP, str(ledger), str(api_file), seed, API, GROUP,
         str(rows.start), str(len(rows))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        if kill_after is None:
            assert child.wait(timeout=60) == 0
            assert child.stdout.read().strip() == "done"
        else:
            time.sleep(kill_after)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def _settle(ledger_path: Path, api_file: Path) -> None:
    """What the user does: look each unknown patient up, record what they found."""
    created = _created(api_file)
    with Ledger(ledger_path) as ledger:
        keys = {ledger.key(API, GROUP, f"patient-{n}"): f"patient-{n}" for n in range(PATIENTS)}
        for entry in ledger.summary().unknown:
            ids = created.get(keys[entry.key], [])
            if ids:
                ledger.resolve(entry.key, profile_id=ids[0])
            else:
                ledger.resolve(entry.key, created=False)


def test_sigkill_at_random_moments_never_creates_a_patient_twice(tmp_path: Path) -> None:
    ledger_path, api_file = tmp_path / "ledger.sqlite3", tmp_path / "api.log"
    chance = random.Random(20240607)
    for round_ in range(ROUNDS):
        rows = range(round_ * EXPORT_STEP, round_ * EXPORT_STEP + EXPORT_SIZE)
        _import(ledger_path, api_file, str(round_), rows, kill_after=chance.uniform(0, 0.06))
        assert all(len(ids) == 1 for ids in _created(api_file).values())
        if chance.random() < 0.5:
            _settle(ledger_path, api_file)
    _settle(ledger_path, api_file)
    _import(ledger_path, api_file, "clean", range(PATIENTS), kill_after=None)

    created = _created(api_file)
    assert sorted(created) == sorted(f"patient-{n}" for n in range(PATIENTS))
    assert all(len(ids) == 1 for ids in created.values())
    with Ledger(ledger_path) as ledger:
        assert ledger.recovered == 0
        for patient, ids in created.items():
            entry = ledger.lookup([ledger.key(API, GROUP, patient)])
            assert [e.state for e in entry.values()] == [EntryState.CREATED]
            assert [e.profile_id for e in entry.values()] == ids
