"""Property: crashes, reruns and the user's answers, in any order, never create a patient twice.

A model of import runs over a fixed set of patients, against a fake API that
counts the profiles it created per patient.  Each run follows the pipeline's
order (lookup → reserve → requests → record, batch by batch) and may crash at any
point: inside reserve's transaction, after reserve committed, after any request,
before or after record.  A crash abandons the run the way a killed process would:
what was committed stays, nothing else.  The user, between runs, settles unknown
entries correctly (they look the patient up in the Aniva app): created ones by
their id, the others by "not created" or by rerunning with --resend-unknown.
(Resending an unknown that was in fact created is the user's own error, which no
ledger can prevent; the model's user does not make it.)

Invariants: the API never creates a patient twice; a patient the API created is
never absent from the ledger; a created entry holds the id the API gave; a
rerun reports what changed since the row was sent.  At the end a clean run
leaves every patient created exactly once with a definite state.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from aniva_import.ledger import (
    Created,
    EntryState,
    Ledger,
    LedgerKey,
    Outcome,
    Released,
    Reservation,
    Unknown,
)

MEMORY_FOLDER = "/dev/shm" if Path("/dev/shm").is_dir() else None
API = "https://anivahealth.com/api/v1"
GROUP = "demo-clinic"
PATIENTS = tuple(f"patient-{number}" for number in range(5))

#: What the API does with one request, and what the sender learns.
FATES = ("created", "refused", "lost_after_create", "lost_before_create", "not_sent")
#: Where a run may die.
CRASH_POINTS = ("in_reserve", "after_reserve", "after_request", "before_record", "after_record")


class Crash(BaseException):
    """The process dies here (a BaseException: nothing in the ledger may catch it)."""


def _body(patient: str, variant: int) -> dict[str, object]:
    number = PATIENTS.index(patient)
    return {
        "first_name": f"First{number}",
        "last_name": f"Last{number}",
        "date_of_birth": f"1980-01-0{number + 1}",
        "profile_group_slug": GROUP,
        "phone": f"+49301234{variant}{number}",
    }


@dataclass(frozen=True)
class Plan:
    """One run: the file's rows (patient, body variant), batch size, the fates, a crash point."""

    rows: tuple[tuple[str, int], ...]
    batch_size: int
    fates: tuple[str, ...]
    crash: tuple[int, str, int] | None  # (batch, point, request index)
    resend_unknown: bool
    #: Offer every row to reserve and rely on its insert-if-absent, not on lookup.
    skip_lookup: bool = False


_crashes = st.tuples(st.integers(0, 1), st.sampled_from(CRASH_POINTS), st.integers(0, 2))
plans = st.builds(
    Plan,
    rows=st.lists(
        st.tuples(st.sampled_from(PATIENTS), st.integers(0, 1)),
        min_size=1,
        max_size=len(PATIENTS),
        unique_by=lambda row: row[0],
    ).map(tuple),
    batch_size=st.integers(1, 3),
    fates=st.lists(st.sampled_from(FATES), min_size=1, max_size=6).map(tuple),
    crash=st.one_of(st.none(), _crashes, _crashes),  # two runs in three crash
    resend_unknown=st.booleans(),
    skip_lookup=st.booleans(),
)


class Tokens:
    """Randomness for the ledger that can crash the run inside reserve's transaction."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self.crash_after: int | None = None

    def __call__(self, size: int) -> bytes:
        if self.crash_after is not None:
            if self.crash_after == 0:
                raise Crash
            self.crash_after -= 1
        return self._random.randbytes(size)


class FakeApi:
    """Counts the profiles created per patient (the truth the user can look up)."""

    def __init__(self) -> None:
        self.created: dict[str, list[str]] = {patient: [] for patient in PATIENTS}
        self._next = 0

    def create(self, patient: str) -> str:
        self._next += 1
        profile_id = f"profile-{self._next}"
        self.created[patient].append(profile_id)
        return profile_id

    def profile_of(self, patient: str) -> str | None:
        ids = self.created[patient]
        return ids[0] if ids else None


def _chunks(rows: tuple[tuple[str, int], ...], size: int) -> Iterator[tuple[tuple[str, int], ...]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class LedgerRuns(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # The model tests the order of writes, not the disk: memory-backed files where
        # there are any, so thousands of synced commits cost no disk waits.
        self.folder = Path(tempfile.mkdtemp(prefix="ledger-model-", dir=MEMORY_FOLDER))
        self.path = self.folder / "ledger.sqlite3"
        self.api = FakeApi()
        self.tokens = Tokens(seed=7)
        #: The body variant last reserved for each patient (what its digests describe).
        self.sent_variant: dict[str, int] = {}
        self.keys: dict[LedgerKey, str] = {}
        self.crash_point: str | None = None

    def _open(self) -> Ledger:
        ledger = Ledger(self.path, token_bytes=self.tokens)
        if not self.keys:
            self.keys = {ledger.key(API, GROUP, patient): patient for patient in PATIENTS}
        return ledger

    def _key(self, patient: str) -> LedgerKey:
        return next(key for key, name in self.keys.items() if name == patient)

    # -- the user --------------------------------------------------------------------

    def _settle_unknown(self, ledger: Ledger, *, leave_uncreated: bool) -> None:
        """The user looks each unknown patient up and records what they found."""
        for entry in ledger.summary().unknown:
            profile_id = self.api.profile_of(self.keys[entry.key])
            if profile_id is not None:
                ledger.resolve(entry.key, profile_id=profile_id)
                event("user: unknown was created")
            elif not leave_uncreated:
                ledger.resolve(entry.key, created=False)
                event("user: unknown was not created")

    @rule()
    def user_resolves_unknown_entries(self) -> None:
        with self._open() as ledger:
            self._settle_unknown(ledger, leave_uncreated=False)

    # -- a run -----------------------------------------------------------------------

    @rule(plan=plans)
    def run(self, plan: Plan) -> None:
        fates = iter(plan.fates * 10)
        ledger = self._open()
        try:
            if plan.resend_unknown:
                # Before passing --resend-unknown the user settles what was created.
                self._settle_unknown(ledger, leave_uncreated=True)
            for number, batch in enumerate(_chunks(plan.rows, plan.batch_size)):
                crash = plan.crash if plan.crash and plan.crash[0] == number else None
                self._batch(ledger, batch, fates, crash, plan)
        except Crash:
            event(f"crash {self.crash_point}")
        finally:
            self.tokens.crash_after = None
            ledger.close()

    def _batch(
        self,
        ledger: Ledger,
        batch: tuple[tuple[str, int], ...],
        fates: Iterator[str],
        crash: tuple[int, str, int] | None,
        plan: Plan,
    ) -> None:
        resend = plan.resend_unknown
        point = crash[1] if crash else None
        self.crash_point = point
        variants = dict(batch)
        keys = [self._key(patient) for patient, _ in batch]
        found = ledger.lookup(keys)
        for key, entry in found.items():
            assert entry.state is not EntryState.IN_FLIGHT  # recovered at open
            patient = self.keys[key]
            if entry.state is EntryState.CREATED:
                assert entry.profile_id == self.api.profile_of(patient)
                changed = ledger.changed_fields(entry, _body(patient, variants[patient]))
                same = variants[patient] == self.sent_variant[patient]
                assert changed == (() if same else ("phone",))
        wanted = [
            Reservation(key, _body(self.keys[key], variants[self.keys[key]]))
            for key in keys
            if plan.skip_lookup
            or key not in found
            or (resend and found[key].state is EntryState.UNKNOWN)
        ]
        if point == "in_reserve":
            self.tokens.crash_after = crash[2] if crash else 0
        result = ledger.reserve(wanted, resend_unknown=resend)
        self.tokens.crash_after = None
        assert set(result.reserved) <= {reservation.key for reservation in wanted}
        for key in result.reserved:
            assert key not in found or found[key].state is EntryState.UNKNOWN
            if result.reserved[key].attempts > 1:
                event("unknown resent")
            self.sent_variant[self.keys[key]] = variants[self.keys[key]]
        if point == "after_reserve":
            raise Crash
        outcomes: list[Outcome] = []
        for index, key in enumerate(result.reserved):
            outcomes.append(self._send(key, next(fates)))
            if point == "after_request" and crash and index == crash[2]:
                raise Crash
        if point == "before_record":
            raise Crash
        ledger.record(outcomes)
        if point == "after_record":
            raise Crash

    def _send(self, key: LedgerKey, fate: str) -> Outcome:
        patient = self.keys[key]
        if fate == "created":
            return Created(key, self.api.create(patient))
        if fate == "lost_after_create":
            self.api.create(patient)
            return Unknown(key)
        if fate == "lost_before_create":
            return Unknown(key)
        return Released(key)  # refused with a 4xx, or never sent

    # -- invariants --------------------------------------------------------------------

    @invariant()
    def no_patient_is_created_twice(self) -> None:
        for patient, ids in self.api.created.items():
            assert len(ids) <= 1, f"{patient} created {len(ids)} times"

    @precondition(lambda self: self.path.exists())
    @invariant()
    def every_created_patient_has_an_entry_with_its_id(self) -> None:
        with self._open() as ledger:
            entries = ledger.lookup(self.keys)
        for key, patient in self.keys.items():
            profile_id = self.api.profile_of(patient)
            entry = entries.get(key)
            if profile_id is not None:
                assert entry is not None, f"{patient} was created but the ledger forgot it"
            if entry is not None and entry.state is EntryState.CREATED:
                assert entry.profile_id == profile_id

    def teardown(self) -> None:
        try:
            self._clean_rerun_settles_everything()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _clean_rerun_settles_everything(self) -> None:
        everyone = tuple((patient, 0) for patient in PATIENTS)
        with self._open() as ledger:
            self._settle_unknown(ledger, leave_uncreated=False)
        self.run(Plan(everyone, 2, ("created",), None, resend_unknown=False))
        with self._open() as ledger:
            entries = ledger.lookup(self.keys)
            assert ledger.summary().counts[EntryState.CREATED] == len(PATIENTS)
        for key, patient in self.keys.items():
            assert self.api.created[patient] == [entries[key].profile_id]
        before = {patient: list(ids) for patient, ids in self.api.created.items()}
        self.run(Plan(everyone, 3, ("created",), None, resend_unknown=True))
        assert self.api.created == before  # a rerun sends nothing


LedgerRuns.TestCase.settings = settings(
    max_examples=120, stateful_step_count=6, deadline=None, derandomize=True
)
test_no_patient_is_ever_created_twice = LedgerRuns.TestCase
