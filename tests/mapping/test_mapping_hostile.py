"""Hostile mapping files: bounded in size and depth, only regular files, one field a
column; and no output of a run may overwrite its mapping file."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from aniva_import.errors import ConfigError, MappingError
from aniva_import.mapping import load_mapping_file
from aniva_import.pipeline.outputs import check_output, check_summary_path
from aniva_import.settings import Settings

pytestmark = pytest.mark.timeout(60)


def refused(path: Path, *expected: str) -> str:
    started = time.perf_counter()
    with pytest.raises(MappingError) as raised:
        load_mapping_file(path)
    assert time.perf_counter() - started < 5
    message = str(raised.value)
    assert str(path) in message
    for part in expected:
        assert part in message, (part, message)
    return message


def test_deep_nesting_is_a_sentence_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5_000 + "]" * 5_000 + "\n", encoding="utf-8")
    refused(path, "nested too deeply")


def test_a_huge_file_of_dotted_keys_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """100 KB of dotted keys took 37 s and ended in MemoryError."""
    path = tmp_path / "dots.toml"
    path.write_text("a." * 50_000 + "b = 1\n", encoding="utf-8")
    refused(path, "larger than 32 KB")


def test_dev_zero_is_not_read_until_memory_runs_out() -> None:
    refused(Path("/dev/zero"), "not a regular file")


def test_a_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "m.toml"
    os.mkfifo(fifo)
    done = threading.Event()
    message: list[str] = []

    def load() -> None:
        try:
            load_mapping_file(fifo)
        except MappingError as error:
            message.append(str(error))
        done.set()

    threading.Thread(target=load, daemon=True).start()
    assert done.wait(5), "reading the FIFO hung"
    assert "not a regular file" in message[0]


def test_two_fields_mapped_to_one_column_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.toml"
    path.write_text('[columns]\nfirst_name = "Name"\nlast_name = " name "\n', encoding="utf-8")
    refused(path, "maps both first_name and last_name to the column")


@pytest.mark.parametrize("option", ["summary_json", "results"])
def test_no_output_may_overwrite_the_mapping_file(tmp_path: Path, option: str) -> None:
    """``--summary-json m.toml --mapping m.toml`` overwrote the mapping."""
    mapping = tmp_path / "m.toml"
    mapping.write_text("[columns]\n", encoding="utf-8")
    source = tmp_path / "list.csv"
    source.write_text("Vorname;Nachname\r\n", encoding="utf-8")
    settings = Settings(input=source, mapping=mapping, **{option: mapping})  # type: ignore[arg-type]
    def check() -> None:
        if option == "summary_json":
            check_summary_path(settings)
        else:
            check_output(settings, "results file", mapping)

    with pytest.raises(ConfigError, match="cannot be the mapping file"):
        check()
    assert mapping.read_text(encoding="utf-8") == "[columns]\n"


def test_no_output_may_overwrite_the_ledger(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("Vorname;Nachname\r\n", encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"
    ledger.write_bytes(b"")
    with pytest.raises(ConfigError, match="cannot be the import ledger"):
        check_summary_path(Settings(input=source, state=ledger, summary_json=ledger))
