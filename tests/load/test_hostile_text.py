"""Text files from the security review: wide headers, unbalanced quotes, code pages
read as the wrong one, files without a header row, title lines above the header."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from aniva_import.errors import InputError
from aniva_import.load import open_table
from aniva_import.mapping import header_recogniser, map_columns
from aniva_import.types import Cell

pytestmark = pytest.mark.timeout(120)

RECOGNISE = header_recogniser()


def rows_of(path: Path, **options: object) -> list[tuple[int, list[Cell]]]:
    table = open_table(path, recognise=RECOGNISE, **options)  # type: ignore[arg-type]
    return [(n, r) for c in table.chunks() for n, r in zip(c.numbers, c.rows, strict=True)]


# --------------------------------------------------------------------------- width


def test_a_header_wider_than_a_spreadsheet_is_refused(tmp_path: Path) -> None:
    """200,000 columns ended in "internal error (MemoryError)"."""
    path = tmp_path / "wide.csv"
    path.write_text(";".join(f"c{i}" for i in range(200_000)) + "\r\na;b\r\n", encoding="utf-8")
    with pytest.raises(InputError, match="200,000 columns wide"):
        open_table(path)


def test_memory_depends_on_the_data_not_on_the_padding(tmp_path: Path) -> None:
    """A 20,000-column header with short rows used 5.5 GB (rows padded to the header's
    width, 10,000 to a chunk); now a chunk holds at most a million cells (and a header
    is at most 16,384 columns wide)."""
    path = tmp_path / "wide.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(";".join(f"c{i}" for i in range(16_000)) + "\r\n")
        f.writelines(f"a{i};b\r\n" for i in range(30_000))
    tracemalloc.start()
    try:
        table = open_table(path)
        count = 0
        for chunk in table.chunks(rows=10_000):
            count += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 30_000
    assert peak < 200 << 20, peak


# --------------------------------------------------------------------------- quotes


def test_an_unclosed_quote_on_the_last_line_is_a_row_problem(tmp_path: Path) -> None:
    """``Anna;"Lena;01.01.1990;a@b.de;030 1`` was a valid row with the last name
    ``Lena;01.01.1990;…``."""
    path = tmp_path / "q.csv"
    path.write_text('Vorname;Nachname;Geburtsdatum;E-Mail;Telefon\r\nBo;Kim;;;\r\n'
                    'Anna;"Lena;01.01.1990;a@b.de;030 1', encoding="utf-8")
    table = open_table(path, recognise=RECOGNISE)
    chunks = list(table.chunks())
    problems = [(p.row, p.column, p.code) for c in chunks for p in c.problems]
    assert problems == [(3, "column B", "unbalanced_quote")]
    assert [n for c in chunks for n in c.numbers] == [2, 3]


def test_an_unclosed_quote_in_the_middle_swallows_no_line(tmp_path: Path) -> None:
    lines = ["Vorname;Nachname;Notiz", 'Anna;Lang;"oops', "Bo;Kim;x", "Cleo;Ng;y",
             'Dan;Li;"a ""quoted"" word"', 'Eva;Ek;"two\r\nlines"', "Fay;Ho;z"]
    path = tmp_path / "q.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    rows = rows_of(path)
    assert [n for n, _ in rows] == [2, 3, 4, 5, 6, 7]
    assert rows[1][1] == ["Bo", "Kim", "x"]
    assert rows[3][1] == ["Dan", "Li", 'a "quoted" word']
    assert rows[4][1] == ["Eva", "Ek", "two\r\nlines"]  # a real quoted line break stays
    problems = [(p.row, p.code) for c in open_table(path).chunks() for p in c.problems]
    assert problems == [(2, "unbalanced_quote")]


# --------------------------------------------------------------------------- encodings

HEADER = "Vorname;Nachname;Geburtsdatum\r\n"


def test_a_cp1250_list_is_read_as_cp1250(tmp_path: Path) -> None:
    """It arrived as ``£ukasz``, ``Zdenìk;Dvoøák``, ``Ma³gorzata`` — every row valid."""
    names = [("Łukasz", "Wiśniewski"), ("Zdeněk", "Dvořák"), ("Małgorzata", "Wójcik"),
             ("Jiří", "Novák")]
    path = tmp_path / "cz.csv"
    path.write_bytes((HEADER + "".join(f"{a};{b};01.02.1980\r\n" for a, b in names))
                     .encode("cp1250"))
    rows = rows_of(path)
    assert [tuple(r[:2]) for _, r in rows] == names
    assert open_table(path).info.encoding == "cp1250"


def test_a_greek_iso_8859_7_list_is_read_as_greek(tmp_path: Path) -> None:
    names = [("Γιώργος", "Παπαδόπουλος"), ("Μαρία", "Νικολάου"), ("Ελένη", "Οικονόμου")]
    path = tmp_path / "gr.csv"
    path.write_bytes((HEADER + "".join(f"{a};{b};01.02.1980\r\n" for a, b in names))
                     .encode("iso8859-7"))
    assert [tuple(r[:2]) for _, r in rows_of(path)] == names


def test_a_mac_roman_list_with_cr_line_ends_is_read_as_mac_roman(tmp_path: Path) -> None:
    """``Müller`` arrived as ``Mƒller``."""
    names = [("Jürgen", "Müller"), ("Anna", "Schäfer"), ("Jörg", "Weiß"), ("Björn", "Jäger")]
    text = HEADER + "".join(f"{a};{b};01.02.1980\r\n" for a, b in names)
    path = tmp_path / "mac.csv"
    path.write_bytes(text.replace("\r\n", "\r").encode("mac-roman"))
    assert [tuple(r[:2]) for _, r in rows_of(path)] == names


def test_an_uncertain_encoding_names_the_candidates_and_the_option(tmp_path: Path) -> None:
    """One short word that reads as well in Greek as in Cyrillic: a guess, so a question."""
    path = tmp_path / "short.csv"
    path.write_bytes("A;B\r\nΏρα;x\r\n".encode("iso8859-7"))
    with pytest.raises(InputError) as raised:
        open_table(path)
    message = str(raised.value)
    assert "--encoding" in message
    assert "iso8859-7" in message
    assert "Ώρα" not in message  # no cell on the terminal
    assert rows_of(path, encoding="iso8859-7")[0][1] == ["Ώρα", "x"]


def test_a_mostly_utf8_file_with_one_windows_line_is_refused_not_guessed(
    tmp_path: Path,
) -> None:
    """It was read as cp1252 whole: the UTF-8 names came out ``JÃ¼rgen``, ``valid``."""
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "Vorname,Nachname,Geburtsdatum\nJürgen,Müller,1960-12-01\n".encode()
        + "Jürgen,Weiß,1961-12-01\n".encode("cp1252")
    )
    with pytest.raises(InputError) as raised:
        open_table(path)
    message = str(raised.value)
    assert "mixes UTF-8 with another encoding" in message
    assert "line 3 is not UTF-8" in message
    assert "save it again as UTF-8" in message
    assert "Jürgen" not in message  # no cell on the terminal
    assert "Weiß" not in message
    # the user who names the encoding is obeyed, as before
    assert [r[:2] for _, r in rows_of(path, encoding="cp1252")][1] == ["Jürgen", "Weiß"]


def test_a_utf8_line_far_down_a_windows_file_is_found_and_lines_count_as_an_editor_does(
    tmp_path: Path,
) -> None:
    """The detection sample is the first MiB; the check reads the whole file.  A quoted
    line break inside a cell still counts as a line, as in the user's editor (row 2 holds
    the ``ß`` on line 3)."""
    rows = "".join(f"Anna{i};Schäfer;01.02.1980\r\n" for i in range(60_000))
    path = tmp_path / "far.csv"
    path.write_bytes(
        (HEADER + '"Zwei\r\nZeilen";Weiß;01.02.1980\r\n' + rows).encode("cp1252")
        + "Zoë;Łukasiewicz;03.04.1981\r\n".encode()
    )
    assert path.stat().st_size > 1 << 20
    with pytest.raises(InputError, match=r"line 3 is not UTF-8"):
        open_table(path)


def test_a_windows_file_with_an_accidental_utf8_pair_is_still_windows(tmp_path: Path) -> None:
    """``É’`` in cp1252 is the bytes C9 92, a valid UTF-8 pair (the IPA letter ɒ): not a
    UTF-8 line, since it reads worse so.  A pure cp1252 list stays cp1252."""
    names = [("RENÉ’S", "Dubois"), ("Jürgen", "Weiß"), ("Anna", "Schäfer")]
    path = tmp_path / "w.csv"
    path.write_bytes((HEADER + "".join(f"{a};{b};01.02.1980\r\n" for a, b in names))
                     .encode("cp1252"))
    assert open_table(path, recognise=RECOGNISE).info.encoding == "cp1252"
    assert [tuple(r[:2]) for _, r in rows_of(path)] == names


def test_a_mixed_mac_file_counts_lines_by_cr(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(
        (HEADER.replace("\r\n", "\r") + "Anna;Lee;01.02.1980\r").encode()
        + "Jürgen;Müller;01.02.1980\r".encode()
        + "Jürgen;Weiß;01.02.1980\r".encode("mac-roman")
    )
    with pytest.raises(InputError, match=r"line 4 is not UTF-8"):
        open_table(path)


def test_an_unknown_encoding_option_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(InputError, match="not a text encoding"):
        open_table(path, encoding="klingon")


# --------------------------------------------------------------------------- headers


def test_a_file_without_a_header_row_prints_no_cell(tmp_path: Path) -> None:
    """Its first patient's surname (Lang) is a header alias: the row was taken as the
    header and printed whole."""
    path = tmp_path / "nohdr.csv"
    path.write_text("Zyxwvutsa;Lang;13.07.1977;zyx.lang@example.de;030 77311377\r\n"
                    "Abc;Born;01.02.1980;abc@example.de;030 1234567\r\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        open_table(path, recognise=RECOGNISE)
    message = str(raised.value)
    assert "has no header row" in message
    assert "columns C, D, E" in message
    for secret in ("Zyxwvutsa", "Lang", "1977", "zyx.lang", "77311377"):
        assert secret not in message


def test_title_lines_above_the_header_are_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "title.csv"
    path.write_text("Patientenliste Praxis Dr. Berlin, Stand 11/2026\r\n\r\n"
                    "Vorname;Nachname;Geburtsdatum;Größe (cm)\r\n"
                    "Jürgen;Müller;01.12.1960;181,5\r\n", encoding="utf-8")
    table = open_table(path, recognise=RECOGNISE)
    assert table.info.delimiter == ";"
    assert (table.header_row, table.skipped, table.header_trusted) == (3, 1, True)
    assert table.headers == ("Vorname", "Nachname", "Geburtsdatum", "Größe (cm)")
    assert [n for c in table.chunks() for n in c.numbers] == [4]


def test_a_conflict_between_untrusted_headers_names_columns_by_letter_only() -> None:
    """``columns B ('Lang') and D ('Kieli') both look like …`` printed two cells."""
    message = ""
    try:
        map_columns(("Anna", "Lang", "x", "Kieli"), trusted=False)
    except InputError as error:
        message = str(error)
    assert "columns B and D both look like language" in message
    assert "Lang" not in message
    assert "Kieli" not in message
