"""Property tests: whatever csv.writer (or Excel) writes, load reads back the same
cells with the right spreadsheet row numbers."""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aniva_import.load import open_table
from aniva_import.load._header import looks_like_data
from aniva_import.load._workbook import number_text
from aniva_import.types import Cell

# cp1252-encodable; no byte in 0x80-0xBF (so cp1252 text is never valid UTF-8 by accident:
# that ambiguity is real, and the detector cannot resolve it either)
UMLAUTS = "äöüÄÖÜßéèàçñÅåÆæØø"
CELL_ALPHABET = st.sampled_from(
    list("abcxyzABC019 .-+@/") + list(UMLAUTS) + ['"', ",", ";", "\t", "|", "\n", "\r", "'"]
)
HEADER_ALPHABET = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ABCDE") + list(UMLAUTS))

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]
DELIMITERS = [",", ";", "\t", "|"]


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    width = draw(st.integers(min_value=1, max_value=5))
    header_cell = st.text(HEADER_ALPHABET, min_size=1, max_size=12).filter(lambda s: s.strip())
    headers = draw(st.lists(header_cell, min_size=width, max_size=width))
    cell = st.text(CELL_ALPHABET, max_size=15)
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=12))
    return headers, rows


def _write(headers: list[str], rows: list[list[str]], encoding: str, delimiter: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=tables(),
    encoding=st.sampled_from(ENCODINGS),
    delimiter=st.sampled_from(DELIMITERS),
)
def test_csv_round_trip(
    table: tuple[list[str], list[list[str]]], encoding: str, delimiter: str
) -> None:
    headers, rows = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        path.write_bytes(_write(headers, rows, encoding, delimiter))
        # random letters (``ØÆø``, ``aÆ``) read as well in other code pages as in
        # cp1252: the structure is what is tested here, names in test_cp1252_names
        loaded = open_table(path, encoding="cp1252" if encoding == "cp1252" else None)
        assert loaded.headers == tuple(headers)
        assert loaded.header_row == 1
        if len(headers) > 1:
            assert loaded.info.delimiter == delimiter
        numbers: list[int] = []
        cells: list[list[Cell]] = []
        for chunk in loaded.chunks(rows=5):
            assert not chunk.problems
            numbers.extend(chunk.numbers)
            cells.extend(list(r) for r in chunk.rows)
    expected = [(n, row) for n, row in enumerate(rows, start=2) if "".join(row).strip()]
    assert numbers == [n for n, _ in expected]
    assert cells == [row for _, row in expected]


@settings(max_examples=200, deadline=None)
@given(
    headers=st.lists(
        st.text(HEADER_ALPHABET, min_size=1, max_size=8).filter(lambda s: s.strip()),
        min_size=2,
        max_size=4,
    ),
    blank_before=st.integers(min_value=0, max_value=3),
    blank_rows=st.lists(st.integers(min_value=0, max_value=3), max_size=6),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    bom=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_blank_lines_never_shift_numbering(
    headers: list[str], blank_before: int, blank_rows: list[int], newline: str, bom: str
) -> None:
    """Data row k sits after k blank lines chosen at random: its number is its line."""
    lines = [""] * blank_before + [";".join(headers)]
    expected: list[int] = []
    for i, blanks in enumerate(blank_rows):
        lines.extend([""] * blanks)
        lines.append(f"row{i};x")
        expected.append(len(lines))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "b.csv"
        path.write_bytes((newline.join(lines) + newline).encode(bom))
        table = open_table(path)
        assert table.header_row == blank_before + 1
        numbers = [n for chunk in table.chunks(rows=2) for n in chunk.numbers]
    assert numbers == expected


TEXT_CELL = st.text(
    st.sampled_from(list("abc XYZ019+-/.,;\"'") + list(UMLAUTS)), min_size=1, max_size=12
).filter(lambda s: s.strip() and not s.startswith(("=", "-", "+")))


@settings(max_examples=40, deadline=None)
@given(
    # a header that reads as a date, an e-mail or a phone number is refused by design
    headers=st.lists(TEXT_CELL.filter(lambda s: not looks_like_data(s)), min_size=1, max_size=4),
    rows=st.lists(
        st.lists(
            st.one_of(
                TEXT_CELL,
                st.integers(min_value=0, max_value=10**14),
                st.none(),
            ),
            min_size=1,
            max_size=4,
        ),
        max_size=8,
    ),
)
def test_xlsx_round_trip(headers: list[str], rows: list[list[str | int | None]]) -> None:
    width = len(headers)
    rows = [(row + [None] * width)[:width] for row in rows]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers)
    for row in rows:
        ws.append(row)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.xlsx"
        wb.save(path)
        table = open_table(path)
        assert table.headers == tuple(headers)
        got = [
            (int(n), list(r))
            for chunk in table.chunks(rows=3)
            for n, r in zip(chunk.numbers, chunk.rows, strict=True)
        ]
    expected = [
        (n, ["" if c is None else str(c) for c in row])
        for n, row in enumerate(rows, start=2)
        if any(c is not None for c in row)
    ]
    assert got == expected


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_integer_valued_numbers_are_their_digits(value: int) -> None:
    assert number_text(float(value)) == str(value)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_numbers_never_use_an_exponent(value: float) -> None:
    text = number_text(value)
    assert "e" not in text.lower()
    assert not text.endswith(".0")
    assert abs(float(text) - value) <= abs(value) * 1e-14 + 1e-300


def test_codec_names_are_python_codecs() -> None:
    for name in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "cp850", "iso8859-15"):
        codecs.lookup(name)


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**16, 10**16).map(float))
def test_number_text_fast_path_is_the_decimal_rule(value: float) -> None:
    from decimal import Decimal

    from aniva_import.load._workbook import number_text

    expected = "0" if value == 0 else format(Decimal(f"{value:.15g}"), "f")
    assert number_text(value) == expected


NAMES = [  # as clinics in Germany and Finland write them: German, French, Nordic, Spanish …
    "Jürgen", "Müller", "Schäfer", "Weiß", "Jörg", "Björn", "Jäger", "Öztürk", "Günther",
    "Renée", "Thérèse", "Hélène", "Françoise", "Benoît", "Zoë", "Noël", "Chloé", "Lefèvre",
    "Søren", "Åsa", "Æbelø", "Mäkinen", "Äyrämö", "Hämäläinen", "Pääkkönen", "Nyström",
    "José", "Muñoz", "Peña", "Núñez", "García", "Iñaki", "Álvarez", "Gonçalves", "João",
    "Anna", "Lee", "Schmidt", "Becker", "Virtanen",
]


@settings(max_examples=150, deadline=None)
@given(people=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), min_size=1,
                       max_size=20))
def test_cp1252_names_are_read_as_cp1252(people: list[tuple[str, str]]) -> None:
    """A Western list is read as cp1252 — given the headers' hint when a name alone
    reads as well in a Central European code page (Thérèse / Thérčse)."""
    text = "Vorname;Nachname\r\n" + "".join(f"{a};{b}\r\n" for a, b in people)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "names.csv"
        path.write_bytes(text.encode("cp1252"))
        table = open_table(path, recognise=lambda h: h in ("Vorname", "Nachname"))
        rows = [tuple(row) for chunk in table.chunks() for row in chunk.rows]
    assert rows == people
