"""Which text encoding a CSV/TXT file is in (for the CSV reader).

A byte-order mark decides first (UTF-8, UTF-16 LE/BE, UTF-32); then UTF-16
without BOM is recognised by its NUL pattern; then the sample is tried as strict
UTF-8; then cp1252 (Windows; read for Latin-1 too, its superset for every
printable character) or DOS cp850, whichever decodes the non-ASCII bytes into
letters (see :func:`single_byte_encoding`), and charset-normalizer when neither
does.  cp1252's five undefined bytes decode as their Latin-1 control characters
instead of failing.  When the first MiB is plain ASCII the file is scanned on
(fast, in blocks) to the first non-ASCII byte, and that neighbourhood is what
gets detected.  Binary files (NUL/control bytes, ZIP, OLE, PDF, images) are
refused here, a workbook renamed ``.csv`` with a hint to use its real extension.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

import charset_normalizer

from aniva_import.errors import InputError
from aniva_import.load._formats import OLE_MAGIC, ZIP_MAGICS

SAMPLE_BYTES = 1 << 20
_SCAN_BLOCK = 1 << 20
_WESTERN = ("cp1252", "cp850")
_FALLBACK_ERRORS = "aniva-import-latin1-fallback"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "an image"),
    (b"GIF8", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"7z\xbc\xaf", "a compressed (7-Zip) file"),
    (b"Rar!", "a compressed (RAR) file"),
    (b"SQLite format 3", "a database file"),
)

# control characters that never appear in a text export (tab, CR, LF, FF, VT,
# SUB are allowed); C1 controls come from undefined cp1252 bytes
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")
_NON_ASCII_RE = re.compile(rb"[\x80-\xff]")
_NON_ASCII_TEXT_RE = re.compile("[^\x00-\x7f]")


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode bytes a code page leaves undefined as their Latin-1 characters."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error(_FALLBACK_ERRORS, _latin1_fallback)

def errors_for(encoding: str) -> str:
    return "strict" if encoding.startswith("utf") else _FALLBACK_ERRORS


def detect_encoding(path: Path, head: bytes, size: int) -> str:
    """The codec to read ``path`` with; ``head`` is its first bytes."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    _refuse_known_binary(path, head)
    if b"\x00" in head:
        utf16 = _utf16_without_bom(head)
        if utf16 is None:
            raise not_text(path)
        return utf16
    sample: bytes | None = head
    if head.isascii():
        sample = _first_non_ascii(path, len(head)) if size > len(head) else None
        if sample is None:
            return "utf-8"
    assert sample is not None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    return single_byte_encoding(sample)


def single_byte_encoding(sample: bytes) -> str:
    """cp1252 or DOS cp850 by which reads more like names; otherwise ask the detector.

    charset-normalizer alone misreads short Western samples (``aAè`` in cp1252
    comes back as cp850, ``Köln;Jäger`` in cp850 as cp1252), so the choice
    between the two Western code pages is made by letters: every non-ASCII
    character that decodes to a letter counts for the code page, a symbol
    inside a word or a control character counts against it; ties go to
    cp1252.  When neither reads like text, charset-normalizer picks any code
    page it finds plausible (a Central European or Cyrillic export, say).
    """
    scores = {name: _plausibility(sample.decode(name, _FALLBACK_ERRORS)) for name in _WESTERN}
    best = max(_WESTERN, key=lambda name: scores[name])
    if scores[best] > 0:
        return best
    guess = charset_normalizer.from_bytes(sample).best()
    if guess is None:
        return _WESTERN[0]
    name = codecs.lookup(guess.encoding).name
    return _WESTERN[0] if name in ("iso8859-1", "latin-1", "ascii") else name


def _plausibility(text: str) -> int:
    score = 0
    last = len(text) - 1
    for found in _NON_ASCII_TEXT_RE.finditer(text):
        char = found.group()
        at = found.start()
        if char.isalpha():
            score += 1
        elif unicodedata.category(char) == "Cc":
            score -= 2
        elif 0 < at < last and text[at - 1].isalpha() and text[at + 1].isalpha():
            score -= 1
    return score


def _refuse_known_binary(path: Path, head: bytes) -> None:
    if head.startswith(ZIP_MAGICS):
        if b"[Content_Types].xml" in head or b"xl/" in head:
            raise InputError(
                f"{path} looks like an Excel workbook, not a text (CSV) file; "
                "give it the .xlsx extension and try again"
            )
        if b"opendocument.spreadsheet" in head:
            raise InputError(
                f"{path} looks like an OpenDocument spreadsheet, not a text (CSV) file; "
                "give it the .ods extension and try again"
            )
        raise InputError(f"{path} is a ZIP archive, not a text (CSV) file")
    if head.startswith(OLE_MAGIC):
        raise InputError(
            f"{path} looks like an Excel workbook in the old format, not a text (CSV) file; "
            "give it the .xls extension and try again"
        )
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise InputError(f"{path} looks like {what}, not a text (CSV) file")


def _utf16_without_bom(head: bytes) -> str | None:
    even, odd = head[0::2], head[1::2]
    if not even or not odd:
        return None
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _first_non_ascii(path: Path, offset: int) -> bytes | None:
    """Bytes around the first non-ASCII byte at or after ``offset``; None if all ASCII."""
    with path.open("rb") as f:
        f.seek(offset)
        while block := f.read(_SCAN_BLOCK):
            if not block.isascii():
                found = _NON_ASCII_RE.search(block)
                assert found is not None
                start = max(0, offset + found.start() - 4096)  # an ASCII byte: a boundary
                f.seek(start)
                return f.read(SAMPLE_BYTES)
            offset += len(block)
    return None


def not_text(path: Path) -> InputError:
    return InputError(
        f"{path} does not look like a text (CSV) file; it seems to contain binary data"
    )


def decode_sample(path: Path, head: bytes, encoding: str, complete: bool) -> str:
    """Decode the file's first bytes, refusing binary data."""
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors_for(encoding))
    try:
        text = decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        raise not_text(path) from None
    controls = len(_CONTROL_RE.findall(text))
    if controls > max(2, len(text) // 100):
        raise not_text(path)
    return text
