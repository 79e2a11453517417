"""The collector tuned for one run, and put back as it was afterwards."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from aniva_import.pipeline import ProcessExecutor, collector, import_file
from aniva_import.pipeline.collector import tuned_collector
from aniva_import.settings import Settings


@pytest.fixture(autouse=True)
def own_thresholds() -> Iterator[tuple[int, int, int]]:
    """Thresholds of this test's own (not the defaults), restored afterwards."""
    before = gc.get_threshold()
    mine = (123, 4, 5)
    gc.set_threshold(*mine)
    try:
        yield mine
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def test_within_a_run_the_collector_runs_less_often_and_is_put_back_after(
    own_thresholds: tuple[int, int, int],
) -> None:
    assert collector.RUN_THRESHOLDS is not None
    with tuned_collector():
        assert gc.get_threshold() == collector.RUN_THRESHOLDS
        assert gc.get_freeze_count() > 0  # what the run started with is frozen
    assert gc.get_threshold() == own_thresholds
    assert gc.get_freeze_count() == 0


def test_an_error_in_the_run_still_puts_the_collector_back(
    own_thresholds: tuple[int, int, int],
) -> None:
    with pytest.raises(RuntimeError), tuned_collector():
        raise RuntimeError("boom")
    assert gc.get_threshold() == own_thresholds
    assert gc.get_freeze_count() == 0


def test_objects_frozen_by_the_caller_stay_frozen() -> None:
    mine: list[object] = []  # tracked by the collector until frozen
    gc.freeze()
    with tuned_collector():
        pass
    # (the count itself may fall: a frozen object is still freed when its last reference goes)
    assert gc.get_freeze_count() > 0
    assert not any(o is mine for o in gc.get_objects())  # still in the permanent generation


def test_cycles_made_during_the_run_are_still_collected_as_the_run_goes() -> None:
    class Node:
        other: object = None

    assert collector.RUN_THRESHOLDS is not None
    with tuned_collector():
        first, second = Node(), Node()
        first.other, second.other = second, first
        alive = weakref.ref(first)
        del first, second  # a cycle: only the collector frees it
        # enough new objects for the collector to walk the young ones on its own
        kept: list[list[object]] = [[] for _ in range(2 * collector.RUN_THRESHOLDS[0])]
        assert alive() is None  # without anyone calling gc.collect()
        del kept


def test_overlapping_runs_share_the_tuning_and_the_last_one_puts_it_back(
    own_thresholds: tuple[int, int, int],
) -> None:
    first, second = tuned_collector(), tuned_collector()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == collector.RUN_THRESHOLDS  # the second run goes on tuned
    assert gc.get_freeze_count() > 0
    second.__exit__(None, None, None)
    assert gc.get_threshold() == own_thresholds
    assert gc.get_freeze_count() == 0


def test_the_switch_leaves_the_collector_alone(
    monkeypatch: pytest.MonkeyPatch, own_thresholds: tuple[int, int, int]
) -> None:
    monkeypatch.setattr(collector, "RUN_THRESHOLDS", None)
    with tuned_collector():
        assert gc.get_threshold() == own_thresholds
        assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_an_import_leaves_the_collector_as_it_found_it(
    tmp_path: Path, workers: int, own_thresholds: tuple[int, int, int]
) -> None:
    source = tmp_path / "list.csv"
    rows = ["Vorname;Nachname;Geburtsdatum"] + [
        f"Vor{i};Nach{i};{1 + i % 28:02d}.03.1980" for i in range(300)
    ]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_file(
        Settings(input=source, dry_run=True, group="g", chunk_rows=50, workers=workers,
                 results=tmp_path / "out.csv"),
        clock=lambda: dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
        executor=ProcessExecutor(workers),
    )
    assert report.counts["valid"] == 300
    assert gc.get_threshold() == own_thresholds
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
