"""Hostile and broken inputs: every one is an InputError (exit 2) with one clear
sentence naming the file, in bounded time and memory, never a traceback."""

from __future__ import annotations

import io
import random
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from aniva_import.errors import InputError
from aniva_import.load import open_table

pytestmark = pytest.mark.timeout(60)


def load(path: Path, sheet: str | None = None) -> int:
    """Open and read ``path`` to the end; the number of data rows."""
    table = open_table(path, sheet=sheet)
    return sum(len(chunk) for chunk in table.chunks())


def assert_input_error(path: Path, *expected: str, sheet: str | None = None) -> str:
    """Open (and read) ``path``; assert one clear InputError sentence naming it."""
    started = time.perf_counter()
    with pytest.raises(InputError) as raised:
        load(path, sheet=sheet)
    elapsed = time.perf_counter() - started
    error = raised.value
    message = str(error)
    assert error.exit_code == 2
    assert str(path) in message
    assert "\n" not in message
    assert ". " not in message.replace(str(path), "FILE"), message  # one sentence
    assert "Traceback" not in message
    assert error.__suppress_context__ or error.__cause__ is None
    for part in expected:
        assert part in message, (part, message)
    assert elapsed < 20, elapsed
    return message


def small_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Name", "Telefon"])
    for i in range(200):
        ws.append([f"Patient {i}", f"+49 170 {i:07d}"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- empty


@pytest.mark.parametrize("name", ["e.csv", "e.txt", "e.xlsx", "e.ods", "e.xls"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert_input_error(path, "is empty: no header row found")


@pytest.mark.parametrize(
    "content",
    [
        b"\n\n\n",
        b"\r\n  \r\n\t\r\n",
        b";;;\n;;;\n",
        b",,,\n\n,\n",
        "\ufeff\n\n".encode(),
        b'""\n""\n',
    ],
)
def test_only_blank_lines(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(content)
    assert_input_error(path, "is empty: no header row found")


def test_header_only_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b"Name;Telefon\r\n")
    table = open_table(path)
    assert table.headers == ("Name", "Telefon")
    assert [len(c) for c in table.chunks()] == [0]


# --------------------------------------------------------------------------- binary as CSV


def test_nul_bytes_renamed_csv(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"\x00\x01\x02\x03" * 5000 + b"Name;Tel\n")
    assert_input_error(path, "does not look like a text (CSV) file")


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_renamed_csv(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(random.Random(seed).randbytes(200_000))
    assert_input_error(path, "text (CSV) file")


def test_png_renamed_csv(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    assert_input_error(path, "not a text (CSV) file")


def test_xlsx_renamed_csv_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_bytes(small_xlsx())
    assert_input_error(path, "looks like an Excel workbook", ".xlsx")


def test_zip_renamed_csv(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    path = tmp_path / "archive.csv"
    path.write_bytes(buffer.getvalue())
    assert_input_error(path, "ZIP archive")


def test_runaway_quote_is_a_row_problem_and_no_line_vanishes(tmp_path: Path) -> None:
    """A quote opened and never closed would swallow every line after it."""
    path = tmp_path / "quote.csv"
    path.write_bytes(b'Name;Notiz\r\nA;"never closed ' + b"x;y\r\n" * 100_000)
    started = time.perf_counter()
    table = open_table(path)
    chunks = list(table.chunks())
    assert time.perf_counter() - started < 20
    numbers = [n for chunk in chunks for n in chunk.numbers]
    assert numbers == list(range(2, 100_002))  # every line is a row
    problems = [p for chunk in chunks for p in chunk.problems]
    assert [(p.row, p.column, p.code) for p in problems] == [(2, "column B", "unbalanced_quote")]
    assert chunks[0].rows[0] == ["A", "never closed x;y"]
    assert chunks[0].rows[1] == ["x", "y"]


def test_overlong_line_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "line.csv"
    path.write_bytes(b"a" * (17 << 20))
    assert_input_error(path, "line longer than")


def test_invalid_utf8_later_in_the_file(tmp_path: Path) -> None:
    rows = "".join(f"Jürgen{i};Köln\r\n" for i in range(60_000)).encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"Name;Ort\r\n" + rows + b"M\xfcller;K\xf6ln\r\n")
    assert path.stat().st_size > 1 << 20
    assert_input_error(path, "not valid utf-8 text", "in row 60002")


# --------------------------------------------------------------------------- workbooks


def test_truncated_xlsx(tmp_path: Path) -> None:
    data = small_xlsx()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert_input_error(path, "is not a valid Excel file (it may be damaged)")


@pytest.mark.parametrize("name", ["r.xlsx", "r.xlsm", "r.ods", "r.xls"])
def test_random_bytes_workbook(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(random.Random(name).randbytes(50_000))
    assert_input_error(path, "is not a valid", "(it may be damaged)")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert_input_error(path, "is not a valid Excel file")


def test_damaged_sheet_xml(tmp_path: Path) -> None:
    source = io.BytesIO(small_xlsx())
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<<<garbage"
            dst.writestr(info, data)
    assert_input_error(path, "is not a valid Excel file")


def _write_zeros_member(path: Path, member: str, size: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w", force_zip64=True) as out:
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                out.write(block)


def test_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _write_zeros_member(path, "xl/worksheets/sheet1.xml", 200 << 20)
    assert path.stat().st_size < 2 << 20
    assert_input_error(path, "looks like a zip bomb")


def test_zip_bomb_that_lies_about_its_size(tmp_path: Path) -> None:
    """A member declaring 1 KB that really inflates to 64 MB."""
    path = tmp_path / "liar.xlsx"
    _write_zeros_member(path, "xl/worksheets/sheet1.xml", 64 << 20)
    data = bytearray(path.read_bytes())
    patched = 0
    # central directory entries: uncompressed size at offset 24; local headers: at 22.
    # force_zip64 keeps the real sizes in the zip64 extra field: patch those too.
    for signature, size_offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            name_len = struct.unpack_from(
                "<H", data, at + (28 if signature == b"PK\x01\x02" else 26)
            )[0]
            header_len = 46 if signature == b"PK\x01\x02" else 30
            name = bytes(data[at + header_len : at + header_len + name_len])
            if name != b"xl/worksheets/sheet1.xml":
                continue
            extra_len = struct.unpack_from(
                "<H", data, at + (30 if signature == b"PK\x01\x02" else 28)
            )[0]
            extra_at = at + header_len + name_len
            if struct.unpack_from("<I", data, at + size_offset)[0] == 0xFFFFFFFF:
                # zip64: the extra field holds uncompressed size first
                pos = extra_at
                while pos < extra_at + extra_len:
                    tag, length = struct.unpack_from("<HH", data, pos)
                    if tag == 1:
                        struct.pack_into("<Q", data, pos + 4, 1000)
                        patched += 1
                    pos += 4 + length
            else:
                struct.pack_into("<I", data, at + size_offset, 1000)
                patched += 1
    assert patched == 2
    path.write_bytes(bytes(data))
    assert_input_error(path, "looks like a zip bomb")


def test_too_many_members(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(10_001):
            archive.writestr(f"m{i}", b"")
    assert_input_error(path, "zip bomb")


def _fake_ole(encrypted: bool) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    name = "EncryptedPackage" if encrypted else "Workbook"
    entry = name.encode("utf-16-le") + bytes(128 - 2 * len(name))
    return header + bytes(512) + entry + bytes(4096)


def test_password_protected_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(_fake_ole(encrypted=True))
    assert_input_error(path, "is password-protected; save it without a password and try again")


def test_old_format_workbook_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(_fake_ole(encrypted=False))
    assert_input_error(path, "old format", ".xls extension")


def test_damaged_xls(tmp_path: Path) -> None:
    path = tmp_path / "fake.xls"
    path.write_bytes(_fake_ole(encrypted=False))
    assert_input_error(path, "is not a valid Excel file (it may be damaged)")


def test_xlsx_named_xls(tmp_path: Path) -> None:
    path = tmp_path / "new.xls"
    path.write_bytes(small_xlsx())
    assert_input_error(path, "newer format", ".xlsx extension")


def test_html_named_xls(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes(b"<html><body><table><tr><td>Name</td></tr></table></body></html>")
    assert_input_error(path, "web page")


def test_encrypted_ods(tmp_path: Path) -> None:
    path = tmp_path / "secret.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b"\x8f\x11encrypted")
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest><manifest:file-entry manifest:full-path="content.xml">'
            "<manifest:encryption-data/></manifest:file-entry></manifest:manifest>",
        )
    assert_input_error(path, "is password-protected")


# --------------------------------------------------------------------------- paths and options


def test_missing_file(tmp_path: Path) -> None:
    assert_input_error(tmp_path / "nope.csv", "does not exist")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert_input_error(folder, "is not a file")


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "patients.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert_input_error(path, "unsupported file type (.pdf)", ".xlsx")


def test_missing_sheet_counts_the_sheets_and_names_none(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(small_xlsx())
    message = assert_input_error(path, "has no sheet of that name", "1 to 1", sheet="Patients")
    assert "Patients" not in message
    assert "Sheet" not in message


@pytest.mark.parametrize(
    "make",
    [
        lambda: b"Name\x00;Tel\n",
        lambda: "Name;Tel\n".encode("utf-16-le")[:-1],
        lambda: b"\xef\xbb\xbf",
        lambda: b"\xff\xfe",
    ],
)
def test_odd_small_files_never_traceback(tmp_path: Path, make: Callable[[], bytes]) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(make())
    message = ""
    try:
        load(path)
    except InputError as error:
        message = str(error)
    assert not message or str(path) in message
