"""What a clinic admin meets on the command line: every message names the next step;
ordinary exports go in without a mapping file; nothing silently takes a wrong value."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLES, CliResult, read_results_csv

Cli = Callable[..., CliResult]


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--workers", "abc"], "argument --workers: takes a whole number such as 2, not 'abc'"),
        (["--workers", "0"], "takes a whole number of 1 or more"),
        (["--rate", "x"], "takes a number such as 10 or 2.5"),
        (["--dryrun"], "unrecognized arguments: --dryrun (did you mean --dry-run?)"),
    ],
)
def test_argument_mistakes_say_what_is_meant(
    cli: Cli, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    assert cli("run", "list.csv", *argv).code == 2
    err = capsys.readouterr().err
    assert said in err
    assert "_positive" not in err


def test_uk_is_gb(cli: Cli, tmp_path: Path) -> None:
    result = cli("run", str(tmp_path / "x.csv"), "--dry-run", "--phone-region", "UK")
    assert result.code == 2
    assert "the United Kingdom is GB" in result.err


def test_a_toml_value_without_quotes_gets_an_example(cli: Cli, tmp_path: Path) -> None:
    source = _write(tmp_path / "l.csv", ["Vorname;Nachname", "A;B"])
    mapping = _write(tmp_path / "m.toml", ["[conventions]", "phone_region = DE"])
    result = cli("run", str(source), "--dry-run", "--group", "g", "--mapping", str(mapping))
    assert result.code == 2
    assert 'Text values need quotes, e.g. phone_region = "DE"' in result.err


def test_a_folder_that_cannot_be_written_is_named_not_a_temporary_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _write(tmp_path / "l.csv", ["Vorname;Nachname", "A;B"])
    monkeypatch.setattr(os, "access", lambda *_a, **_k: False)
    result = cli("run", str(source), "--dry-run", "--group", "g")
    assert result.code == 2
    assert f"no permission to write in the folder {tmp_path}" in result.err
    assert "--results PATH" in result.err
    assert ".partial" not in result.err


def test_mobile_first_then_the_landline(cli: Cli, tmp_path: Path) -> None:
    source = _write(tmp_path / "l.csv", [
        "Vorname;Nachname;Telefon;Mobil",
        "A;B;030 1234567;0170 1234567",
        "C;D;030 7654321;",
        "E;F;;12",
    ])
    result = cli("run", str(source), "--dry-run", "--group", "g", "--phone-region", "DE",
                 "--show-values")
    assert result.out.count("Phone numbers are taken from 'Mobil'; rows without one use "
                            "'Telefon'") == 1
    rows = read_results_csv(tmp_path / "l.results.csv")
    assert [r["status"] for r in rows] == ["valid", "valid", "invalid"]
    assert "Mobil: " in rows[2]["errors"]
    sent = read_results_csv(tmp_path / "l.values.csv")
    assert [r["phone (Mobil)"] for r in sent] == ["+491701234567", "+49307654321", ""]
    chosen = cli("run", str(source), "--dry-run", "--group", "g", "--phone-region", "DE",
                 "--phone-column", "Telefon", "--show-values", "--overwrite")
    assert "Phone numbers are taken" not in chosen.out
    first = read_results_csv(tmp_path / "l.values.csv")[0]
    assert first["phone (Telefon)"] == "+49301234567"


def test_a_phone_region_that_disagrees_with_the_file_is_said(cli: Cli, tmp_path: Path) -> None:
    source = _write(tmp_path / "l.csv", ["Vorname;Nachname;Telefon"] + [
        f"A{i};B{i};+49 30 123456{i}" for i in range(4)] + ["X;Y;030 1234567"])
    result = cli("run", str(source), "--dry-run", "--group", "g", "--phone-region", "FI")
    assert "The phone region is FI (+358), but the headers are German" in result.out
    assert "most numbers in 'Telefon' that carry a country code are +49 numbers" in result.out
    fine = cli("run", str(source), "--dry-run", "--group", "g", "--phone-region", "DE")
    assert "Note:" not in fine.out


def test_tab_separated_input_gives_tab_separated_results_excel_splits(
    cli: Cli, tmp_path: Path
) -> None:
    for name, results in (("l.txt", "l.results.txt"), ("t.csv", "t.results.tsv")):
        source = _write(tmp_path / name, ["Vorname\tNachname", "A\tB"])
        cli("run", str(source), "--dry-run", "--group", "g")
        assert (tmp_path / results).read_text(encoding="utf-8-sig").startswith("row\tstatus")


def test_the_workbook_shows_what_will_be_sent(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "helsinki-health.xlsx"
    shutil.copy(SAMPLES / "helsinki-health.xlsx", source)
    cli("run", str(source), "--dry-run", "--phone-region", "FI")
    results = tmp_path / "helsinki-health.results.xlsx"
    book = openpyxl.load_workbook(results)
    assert book.sheetnames == ["Results", "To be sent"]
    sent = list(book["To be sent"].iter_rows(values_only=True))
    assert sent[0][:3] == ("row", "status", "first_name (Etunimi)")
    at = next(i for i, name in enumerate(sent[0]) if str(name).startswith("phone"))
    phones = [r[at] for r in sent[1:] if r[at]]
    assert phones
    assert all(str(p).startswith("+358") for p in phones)
    with zipfile.ZipFile(results) as archive:  # readers without ZIP64 open it (SheetJS)
        assert all(i.extract_version < 45 for i in archive.infolist())
    # a second run replaces the unchanged workbook; an edited one is left alone
    assert cli("run", str(source), "--dry-run", "--phone-region", "FI").code == 1
    book.save(results)
    again = cli("run", str(source), "--dry-run", "--phone-region", "FI")
    assert again.code == 2
    assert "was changed after aniva-import wrote it" in again.err
