"""The workbook parser runs contained: hostile workbooks built from the security
review's recipes end in one sentence (exit 2), in bounded time, with nothing on the
terminal, and the process that holds the run survives them."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from aniva_import.errors import InputError
from aniva_import.load import _workbook_zip, open_table
from aniva_import.load._isolated import ParserLimits
from aniva_import.types import Cell

pytestmark = pytest.mark.timeout(120)

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)


def read(path: Path, **options: object) -> list[list[Cell]]:
    table = open_table(path, **options)  # type: ignore[arg-type]
    return [row for chunk in table.chunks() for row in chunk.rows]


def refused(path: Path, *expected: str, seconds: float = 20, **options: object) -> str:
    started = time.perf_counter()
    with pytest.raises(InputError) as raised:
        read(path, **options)
    assert time.perf_counter() - started < seconds
    message = str(raised.value)
    assert str(path) in message
    assert "\n" not in message
    for part in expected:
        assert part in message, (part, message)
    return message


def xlsx_with_cell(path: Path, ref: str) -> Path:
    """A tiny workbook (a few KB) with one extra cell at ``ref``: the recipe."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vorname", "Nachname"])
    sheet.append(["Anna", "Lang"])
    buffer = io.BytesIO()
    book.save(buffer)
    column = "".join(c for c in ref if c.isalpha())
    row = ref[len(column):]
    extra = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
            dst.writestr(info.filename, data)
    return path


def ods(path: Path, body: str) -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} '
        f'office:version="1.2"><office:body><office:spreadsheet>{body}</office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
            'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>'
        ))
    return path


def cell(text: str) -> str:
    return (f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>'
            "</table:table-cell>")


def row(*cells: str, repeated: int | None = None) -> str:
    start = (f'<table:table-row table:number-rows-repeated="{repeated}">' if repeated
             else "<table:table-row>")
    return start + "".join(cell(c) for c in cells) + "</table:table-row>"


def table(*rows: str) -> str:
    return '<table:table table:name="S">' + "".join(rows) + "</table:table>"


# --------------------------------------------------------------------------- used range


def test_a_cell_at_xfd1048576_is_refused_before_it_is_materialised(tmp_path: Path) -> None:
    """calamine would allocate 512 GiB for it and abort the process (exit 134)."""
    path = xlsx_with_cell(tmp_path / "far.xlsx", "XFD1048576")
    assert path.stat().st_size < 6000
    refused(path, "column XFD and row 1,048,576", "Ctrl+End", seconds=10)


def test_a_cell_at_xfd5000_is_refused_too(tmp_path: Path) -> None:
    """2.6 GB and seconds of calamine's time before; now refused at once."""
    refused(xlsx_with_cell(tmp_path / "far.xlsx", "XFD5000"), "column XFD and row 5,000",
            seconds=10)


def test_a_stray_cell_within_bounds_is_an_extra_cell_problem(tmp_path: Path) -> None:
    table_ = open_table(xlsx_with_cell(tmp_path / "near.xlsx", "AZ7"))
    chunks = list(table_.chunks())
    problems = [(p.row, p.column, p.code) for c in chunks for p in c.problems]
    assert problems == [(7, "column AZ", "extra_cells")]
    assert [n for c in chunks for n in c.numbers] == [2, 7]


def test_without_the_checks_the_memory_limit_contains_the_abort(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The process limits alone: calamine's failed allocation aborts the parser's process
    only, and its panic text reaches no terminal."""
    path = xlsx_with_cell(tmp_path / "far.xlsx", "XFD1048576")
    refused(path, "could not be read safely", limits=ParserLimits(prechecks=False))
    captured = capfd.readouterr()
    assert captured.out == captured.err == ""


# --------------------------------------------------------------------------- .ods


def test_an_ods_whose_table_is_never_closed_is_refused_at_once(tmp_path: Path) -> None:
    """calamine loops forever on ``</tabGe:table>``."""
    body = table(row("Vorname", "Nachname"), row("Anna", "Lang")).replace(
        "</table:table>", "</tabGe:table>"
    )
    path = ods(tmp_path / "spin.ods", body)
    assert path.stat().st_size < 2000
    refused(path, "is not a valid OpenDocument file", seconds=5)


def test_without_the_checks_the_deadline_ends_a_parser_that_spins(tmp_path: Path) -> None:
    body = table(row("Vorname", "Nachname")).replace("</table:table>", "</tabGe:table>")
    path = ods(tmp_path / "spin.ods", body)
    limits = ParserLimits(seconds=2, prechecks=False)
    refused(path, "could not be read safely", "took longer than 2 seconds", seconds=8,
            limits=limits)


def test_a_filled_row_repeated_a_million_times_is_refused(tmp_path: Path) -> None:
    """It made a million rows and a 74 MB results file in 90 s."""
    path = ods(tmp_path / "rep.ods", table(row("Vorname", "Nachname"),
                                           row("Anna", "Lang", repeated=1_048_000)))
    refused(path, "repeats one filled row or cell 1,048,000 times", seconds=10)


def test_empty_rows_repeated_to_the_end_of_the_sheet_are_fine(tmp_path: Path) -> None:
    """What LibreOffice writes after the last row."""
    empty = ('<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
             'table:number-columns-repeated="1024"/></table:table-row>')
    path = ods(tmp_path / "tail.ods", table(row("Vorname", "Nachname"), row("Anna", "Lang"),
                                            empty))
    assert read(path) == [["Anna", "Lang"]]


def test_ods_error_cells_are_their_error_text_and_no_row_vanishes(tmp_path: Path) -> None:
    """calamine reads them as the 0 stored beside the error (or as empty)."""
    error = ('<table:table-cell table:formula="of:=1/0" office:value-type="float" '
             'office:value="0" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
             "</table:table-cell>")
    na = ('<table:table-cell table:formula="of:=NA()" office:value-type="string" '
          'office:string-value="" calcext:value-type="error"><text:p>#N/A</text:p>'
          "</table:table-cell>")
    body = table(row("Vorname", "Nachname"), row("Anna", "Lang"),
                 "<table:table-row>" + error + na + "</table:table-row>", row("Bo", "Kim"))
    assert read(ods(tmp_path / "e.ods", body)) == [
        ["Anna", "Lang"], ["#DIV/0!", "#N/A"], ["Bo", "Kim"],
    ]


# --------------------------------------------------------------------------- .xls


def xls(path: Path) -> Path:
    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook()
    sheet = book.add_sheet("Patienten")
    for c, header in enumerate(["Vorname", "Nachname", "Telefon"]):
        sheet.write(0, c, header)
    for r in range(1, 200):
        sheet.write(r, 0, f"Anna{r}")
        sheet.write(r, 1, f"Lang{r}")
        sheet.write(r, 2, 1701234567 + r)
    sheet.row(200).set_cell_error(0, 15)  # #VALUE! (xlwt's own table has it wrong)
    sheet.row(200).set_cell_error(1, 0x2A)  # #N/A
    sheet.write(201, 0, "Bo")
    book.save(str(path))
    return path


def test_xls_error_cells_are_their_error_text_and_no_row_vanishes(tmp_path: Path) -> None:
    rows = read(xls(tmp_path / "e.xls"))
    assert len(rows) == 201
    assert rows[-2] == ["#VALUE!", "#N/A", ""]
    assert rows[-1] == ["Bo", "", ""]


@pytest.mark.parametrize("seed", range(12))
def test_mutated_xls_never_takes_the_process_down(tmp_path: Path, seed: int) -> None:
    """The recipe: an xlwt-written file with some of its cell records inserted again
    (about one such mutant in five made calamine abort on an 8-17 GiB allocation)."""
    data = xls(tmp_path / "base.xls").read_bytes()
    at = 4000 + 40 * seed
    mutant = data[:at] + data[at - 204 : at] + data[at:]
    path = tmp_path / "mutant.xls"
    path.write_bytes(mutant)
    started = time.perf_counter()
    message = str(path)
    try:
        read(path)
    except InputError as error:
        message = str(error)
    assert str(path) in message
    assert time.perf_counter() - started < 30


def biff2(path: Path) -> Path:
    """An Excel 2.x worksheet: a bare BIFF2 record stream (no OLE container)."""
    import struct

    def record(kind: int, data: bytes) -> bytes:
        return struct.pack("<HH", kind, len(data)) + data

    def label(r: int, c: int, text: str) -> bytes:
        raw = text.encode("cp1252")
        return record(0x0004, struct.pack("<HH", r, c) + b"\x00\x00\x00" + bytes([len(raw)]) + raw)

    data = record(0x0009, struct.pack("<HH", 0x0002, 0x0010))
    data += record(0x0000, struct.pack("<HHHH", 0, 3, 0, 2))
    data += label(0, 0, "Vorname") + label(0, 1, "Nachname")
    data += label(1, 0, "Jürgen") + label(1, 1, "Müller")
    data += record(0x0003, struct.pack("<HH", 2, 0) + b"\x00\x00\x00" + struct.pack("<d", 42))
    path.write_bytes(data + record(0x000A, b""))
    return path


def test_an_excel_2_worksheet_calamine_refuses_is_read_by_xlrd(tmp_path: Path) -> None:
    assert read(biff2(tmp_path / "old.xls")) == [["Jürgen", "Müller"], ["42", ""]]


# --------------------------------------------------------------------------- signals, files


def test_a_ctrl_c_while_the_parser_runs_stops_at_once(tmp_path: Path) -> None:
    body = table(row("Vorname")).replace("</table:table>", "</tabGe:table>")
    path = ods(tmp_path / "spin.ods", body)
    timer = threading.Timer(0.5, signal.raise_signal, (signal.SIGINT,))
    started = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            read(path, limits=ParserLimits(prechecks=False))
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 5


def test_the_parser_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    """A kill -9 of the run leaves no parser behind (PR_SET_PDEATHSIG)."""
    body = table(row("Vorname")).replace("</table:table>", "</tabGe:table>")
    path = ods(tmp_path / "spin.ods", body)
    script = (
        "import sys\nfrom pathlib import Path\nfrom aniva_import.load import open_table\n"
        "from aniva_import.load._isolated import ParserLimits\n"
        "open_table(Path(sys.argv[1]), limits=ParserLimits(seconds=60, prechecks=False))\n"
    )
    run = subprocess.Popen([sys.executable, "-c", script, str(path)])
    children: list[int] = []
    deadline = time.monotonic() + 10
    while not children and time.monotonic() < deadline:
        time.sleep(0.1)
        listing = Path(f"/proc/{run.pid}/task/{run.pid}/children")
        children = [int(p) for p in listing.read_text().split()] if listing.exists() else []
    assert children, "the parser's process did not start"
    run.kill()
    run.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{children[0]}").exists():
        status = Path(f"/proc/{children[0]}/status")
        if status.exists() and "State:\tZ" in status.read_text():
            break  # dead, waiting for init to reap it
        time.sleep(0.1)
    status = Path(f"/proc/{children[0]}/status")
    assert not status.exists() or "State:\tZ" in status.read_text()


def test_check_and_parse_read_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file swapped for another between the container check and the parse (a bomb
    let through, before) is not what gets parsed: the checked file is."""
    from aniva_import.load import _workbook

    path = tmp_path / "p.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vorname", "Nachname"])
    sheet.append(["Anna", "Lang"])
    book.save(path)
    other = tmp_path / "other.xlsx"
    sheet["A2"] = "Swapped"
    book.save(other)
    real_check = _workbook_zip.check_zip

    def check_then_swap(*args: object, **kwargs: object) -> object:
        facts = real_check(*args, **kwargs)  # type: ignore[arg-type]
        other.replace(path)
        return facts

    monkeypatch.setattr(_workbook, "check_zip", check_then_swap)
    assert read(path) == [["Anna", "Lang"]]


def test_many_stored_members_are_checked_in_linear_time(tmp_path: Path) -> None:
    """The zip check opened the archive again for every stored member: 4,000 of them
    took over 90 s."""
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(9_990):
            archive.writestr(f"xl/media/m{i}.bin", b"x")
    refused(path, seconds=15)


def test_a_csv_named_xlsx_says_so(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes("Vorname;Nachname\r\nJürgen;Müller\r\n".encode("cp1252"))
    refused(path, "is a text (CSV) file named .xlsx", ".csv extension")
    path = tmp_path / "list.xls"
    path.write_bytes(b"Vorname\tNachname\r\nAnna\tLang\r\n")
    refused(path, "is a text (CSV) file named .xls")


def test_a_leading_zero_number_format_keeps_its_zeros(tmp_path: Path) -> None:
    """A phone stored as a number with the format 00000000000 shows 01701234567."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vorname", "Telefon", "PLZ", "Zahl"])
    sheet.append(["Anna", 1701234567, 1234, 7])
    sheet["B2"].number_format = "00000000000"
    sheet["C2"].number_format = "00000"
    path = tmp_path / "zeros.xlsx"
    book.save(path)
    assert read(path) == [["Anna", "01701234567", "01234", "7"]]


def test_a_password_xls_is_said_to_be_password_protected(tmp_path: Path) -> None:
    """An XOR-obfuscated .xls (calamine: "Codepage D7D4 not found", or garbage): its
    FILEPASS record says it is password-protected."""
    import struct

    import xlwt

    book = xlwt.Workbook()
    book.add_sheet("S").write(0, 0, "Vorname")
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    interface = bytes.fromhex("e1000200b004c10002000000e2000000")  # 16 bytes of globals
    at = data.find(interface)
    assert at > 0
    filepass = struct.pack("<HHHHH", 0x002F, 6, 0, 0x1234, 0x5678)  # XOR obfuscation
    data[at : at + 16] = filepass + bytes.fromhex("e1000200b004")
    path = tmp_path / "secret.xls"
    path.write_bytes(bytes(data))
    refused(path, "is password-protected")


def test_an_xlsm_with_macro_and_dialog_sheets_is_read_by_openpyxl(tmp_path: Path) -> None:
    """calamine: "Unrecognized sheet type" for an Excel 4 macro sheet; openpyxl reads it."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Patienten"
    sheet.append(["Vorname", "Nachname"])
    sheet.append(["Anna", "Lang"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/macrosheets/sheet2.xml" '
        b'ContentType="application/vnd.ms-excel.macrosheet+xml"/>'
        b'<Override PartName="/xl/dialogsheets/sheet3.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.dialogsheet+xml"/></Types>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdM" Type="http://schemas.microsoft.com/office/2006/'
        b'relationships/xlMacrosheet" Target="macrosheets/sheet2.xml"/><Relationship '
        b'Id="rIdD" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/dialogsheet" Target="dialogsheets/sheet3.xml"/></Relationships>')
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>", b'<sheet name="Makro1" sheetId="2" r:id="rIdM"/>'
        b'<sheet name="Dialog1" sheetId="3" r:id="rIdD"/></sheets>')
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    parts["xl/macrosheets/sheet2.xml"] = (
        b'<xm:macrosheet ' + main + b' xmlns:xm="http://schemas.microsoft.com/office/excel/'
        b'2006/main"><sheetData/></xm:macrosheet>')
    parts["xl/dialogsheets/sheet3.xml"] = b"<dialogsheet " + main + b"><sheetData/></dialogsheet>"
    path = tmp_path / "macros.xlsm"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert read(path) == [["Anna", "Lang"]]


def test_ods_formulas_without_a_value_are_found(tmp_path: Path) -> None:
    """``table:formula`` with no value type: never calculated (read as empty); a
    calculated formula keeps its value."""
    uncalculated = '<table:table-cell table:formula="of:=LOWER(&quot;A@B.DE&quot;)"/>'
    calculated = ('<table:table-cell table:formula="of:=1+1" office:value-type="float" '
                  'office:value="2"><text:p>2</text:p></table:table-cell>')
    body = table(row("Vorname", "E-Mail", "Gewicht"),
                 "<table:table-row>" + cell("Anna") + uncalculated + calculated
                 + "</table:table-row>", row("Bo", "bo@example.de", "70"))
    opened = open_table(ods(tmp_path / "f.ods", body))
    chunks = list(opened.chunks())
    assert [r for c in chunks for r in c.rows] == [["Anna", "", "2"], ["Bo", "bo@example.de", "70"]]
    assert [p for c in chunks for p in c.uncalculated] == [(2, 1)]
