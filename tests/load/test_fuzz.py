"""A seeded mutator for every reader: a small valid file of each format, mutated
(bytes flipped, ranges deleted or inserted again, as the security review's 9,288
mutants were), must read or end in one InputError naming the file — never another
exception, never a hang, never a crash of this process."""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from aniva_import.errors import InputError
from aniva_import.load import open_table
from aniva_import.load._isolated import ParserLimits

pytestmark = pytest.mark.timeout(600)

# a short deadline: a mutant that makes a parser spin costs seconds, not twenty
LIMITS = ParserLimits(seconds=5)


def csv_bytes() -> bytes:
    rows = ["Vorname;Nachname;Geburtsdatum;E-Mail;Telefon"]
    rows += [f'Anna{i};"Lang {i}";01.02.19{i % 90 + 10};a{i}@example.de;030 12{i:04d}'
             for i in range(40)]
    return "\r\n".join(rows).encode("cp1252")


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vorname", "Nachname", "Telefon", "Zahl"])
    for i in range(40):
        sheet.append([f"Anna{i}", f"Lang{i}", f"030 12{i:04d}", i * 1.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stored(data: bytes) -> bytes:
    """The same archive, uncompressed: mutations then hit the XML itself."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename), zipfile.ZIP_STORED)
    return out.getvalue()


def ods_bytes() -> bytes:
    import tempfile

    from tests.load.test_isolation import cell, ods, row, table

    with tempfile.TemporaryDirectory() as folder:
        path = ods(Path(folder) / "f.ods", table(row("Vorname", "Nachname"), *(
            row(f"Anna{i}", f"Lang{i}") for i in range(40)), row(cell("x"))))
        return path.read_bytes()


def xls_bytes() -> bytes:
    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook()
    sheet = book.add_sheet("Patienten")
    for c, header in enumerate(["Vorname", "Nachname", "Telefon"]):
        sheet.write(0, c, header)
    for r in range(1, 60):
        sheet.write(r, 0, f"Anna{r}")
        sheet.write(r, 1, f"Lang{r}")
        sheet.write(r, 2, 1701234567 + r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(4)
        at = rng.randrange(len(out))
        if kind == 0:  # flip some bytes
            for i in range(at, min(len(out), at + rng.randint(1, 8))):
                out[i] = rng.randrange(256)
        elif kind == 1:  # delete a range
            del out[at : at + rng.randint(1, 64)]
        elif kind == 2:  # insert a range of the file again (records repeated)
            start = rng.randrange(len(out))
            out[at:at] = out[start : start + rng.randint(1, 256)]
        else:  # a digit string: sizes, counts, references blown up
            out[at:at] = str(rng.choice([0, 1, 255, 65535, 1048576, 16384, 2**31])).encode()
        if not out:
            out = bytearray(b"x")
    return bytes(out)


FORMATS: dict[str, Callable[[], bytes]] = {
    "csv": csv_bytes,
    "tsv": lambda: csv_bytes().replace(b";", b"\t"),
    "xlsx": xlsx_bytes,
    "xlsx-stored": lambda: stored(xlsx_bytes()),
    "ods": ods_bytes,
    "xls": xls_bytes,
}
SUFFIX = {"csv": ".csv", "tsv": ".tsv", "xlsx": ".xlsx", "xlsx-stored": ".xlsx", "ods": ".ods",
          "xls": ".xls"}


def run_mutants(tmp_path: Path, name: str, seeds: range) -> None:
    data = FORMATS[name]()
    for seed in seeds:
        rng = random.Random(f"{name}-{seed}")
        path = tmp_path / f"mutant{SUFFIX[name]}"
        path.write_bytes(mutate(data, rng))
        started = time.perf_counter()
        try:
            table = open_table(path, limits=LIMITS)
            for chunk in table.chunks():
                chunk.rows  # noqa: B018 - every cell converted
        except InputError as error:
            message = str(error)
            assert str(path) in message, (seed, message)
            assert "\n" not in message, (seed, message)
        assert time.perf_counter() - started < 15, seed


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_few_mutants_of_every_reader(tmp_path: Path, name: str) -> None:
    run_mutants(tmp_path, name, range(4))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FORMATS))
def test_many_mutants_of_every_reader(tmp_path: Path, name: str) -> None:
    run_mutants(tmp_path, name, range(4, 60))
