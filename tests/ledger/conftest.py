"""Fixtures of the ledger tests: a fake clock, deterministic randomness, a ledger factory."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aniva_import.ledger import Ledger

API = "https://anivahealth.com/api/v1"
GROUP = "acme-clinic-berlin"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def body(first: str = "Maria", phone: str = "+4930123456789", **more: object) -> dict[str, object]:
    """A request body as the sender would post it."""
    return {
        "first_name": first,
        "last_name": "Schmidt",
        "sex": 2,
        "date_of_birth": "1985-03-22",
        "profile_group_slug": GROUP,
        "phone": phone,
        **more,
    }


OpenLedger = Callable[..., Ledger]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "ledger.sqlite3"


@pytest.fixture
def open_ledger(ledger_path: Path, clock: FakeClock) -> Iterator[OpenLedger]:
    """Open (or reopen) the test's ledger with the fake clock and seeded randomness."""
    opened: list[Ledger] = []
    seeded = random.Random(1234)

    def open_(path: Path | None = None) -> Ledger:
        ledger = Ledger(path or ledger_path, clock=clock, token_bytes=seeded.randbytes)
        opened.append(ledger)
        return ledger

    yield open_
    for ledger in opened:
        ledger.close()


@pytest.fixture
def ledger(open_ledger: OpenLedger) -> Ledger:
    return open_ledger()
