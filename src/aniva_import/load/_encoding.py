"""Which text encoding a CSV/TXT file is in (for the CSV reader).

A byte-order mark decides first (UTF-8, UTF-16 LE/BE, UTF-32); then UTF-16
without BOM is recognised by its NUL pattern; then the sample is tried as strict
UTF-8; then the single-byte code pages clinics' exports come in (Windows
Western cp1252 — read for Latin-1 too, its superset for every printable character
— Central European cp1250 and ISO-8859-2, Baltic, Turkish, Greek, Cyrillic, DOS
cp850, Mac Roman) are compared by how the non-ASCII words of the sample read (see
:func:`single_byte_encoding`); the language of the headers, then
charset-normalizer, break a tie; when it stays uncertain the file is refused with a
sentence naming the candidates and ``--encoding``.  cp1252's five undefined bytes
decode as their Latin-1 control characters instead of failing.  When the first MiB
is plain ASCII the file is scanned on (fast, in blocks) to the first non-ASCII
byte, and that neighbourhood is what gets detected.  Binary files (NUL/control
bytes, ZIP, OLE, PDF, images) are refused here, a workbook renamed ``.csv`` with a
hint to use its real extension.

**Mixed files.** A file whose lines were written in two encodings (a UTF-8 export
with one line typed in by a Windows program) is refused, never read as either: read
as a code page its UTF-8 names turn into ``JÃ¼rgen``, read as UTF-8 its other lines
cannot be read at all.  When the sample is not UTF-8 (so a code page would be
chosen), the whole file is scanned, line-aligned, in blocks: a cheap ``translate``
marks bytes by their UTF-8 role and a ``find`` locates the valid multi-byte
sequences, and only the lines holding one are looked at.  Such a line counts as
UTF-8 evidence only when it is valid UTF-8 as a whole *and* its words read better as
UTF-8 than under every candidate code page, by the detector's own word score (a
word read wrongly costs at least 2).  That keeps the rule conservative: a
Windows-1252 line that happens to hold a valid UTF-8 pair (``Ã¤`` is the bytes C3
A4; an upper-case ``É`` before ``’`` is C9 92) is evidence only if it reads better
as UTF-8 — which, for an accidental pair, it does not (``É’`` would become the IPA
letter ``ɒ``, scored as a letter of no language's names), and for text that is
itself already mojibake (``JÃ¼rgen`` saved in cp1252) the refusal is right: it is
a name in the wrong letters either way, and ``--encoding`` reads it as it is.  A
file with such evidence and a line that is not UTF-8 stops with InputError naming
the first line that is not UTF-8 (counted as an editor counts lines).  ``--encoding``
skips detection, and with it this check.  A file whose first MiB is UTF-8 and
whose later bytes are not is detected as UTF-8 and stops when reading reaches them
(see the CSV reader).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from typing import IO

import charset_normalizer

from aniva_import.errors import InputError
from aniva_import.load._formats import OLE_MAGIC, ZIP_MAGICS
from aniva_import.load._header import Recognise

SAMPLE_BYTES = 1 << 20
_SCAN_BLOCK = 1 << 20
#: the single-byte code pages compared, in order of preference on a tie
CANDIDATES = (
    "cp1252", "cp1250", "iso8859-2", "cp1257", "cp1254", "cp850", "mac-roman",
    "iso8859-7", "cp1253", "cp1251",
)
_NAMES = {
    "cp1252": "Western European, Windows", "cp1250": "Central European, Windows",
    "iso8859-2": "Central European, ISO", "cp1257": "Baltic, Windows",
    "cp1254": "Turkish, Windows", "cp850": "Western European, DOS",
    "mac-roman": "Western European, Mac", "iso8859-7": "Greek, ISO",
    "cp1253": "Greek, Windows", "cp1251": "Cyrillic, Windows",
}
#: the letters beyond ASCII each language writes names with: a word whose letters fit
#: none of them (``Dvoøák``: ø and á) was decoded with the wrong code page
_LANGUAGE_LETTERS = tuple(frozenset(letters) for letters in (
    "äöüßé", "åäöæøéü", "éèêëàâäçîïôöùûüÿœæ", "áéíóúüñç", "ãõáéíóúâêôàç", "àèéìíòóù",
    "áäčďéěíĺľňóôŕřšťúůýž", "ąćęłńóśźż", "áéíóöőúüű", "ăâîșțşţ", "çğıöşüâî",
    "ðþæéáíóúýö", "čćđšž", "āčēģīķļņšūž", "ąčęėįšųūž", "äöõüšž",
))
_BYTE_WORD = re.compile(rb"[A-Za-z\x80-\xff]*[\x80-\xff][A-Za-z\x80-\xff]*")
_MAX_WORDS = 5000
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


def detect_encoding(
    path: Path, head: bytes, size: int, file: IO[bytes], recognise: Recognise | None = None
) -> str:
    """The codec to read ``file`` (open at ``path``) with; ``head`` is its first bytes."""
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
        sample = _first_non_ascii(file, len(head)) if size > len(head) else None
        if sample is None:
            return "utf-8"
    assert sample is not None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    refuse_mixed_utf8(path, file)
    return single_byte_encoding(sample, path=path, headers=_header_hint(head, recognise))


# --------------------------------------------------------------------------- mixed files

#: each byte as its UTF-8 role: "c" a continuation byte, "L" a lead byte, "." anything
#: else; every valid multi-byte sequence starts with "Lc" (the line check does the rest)
_UTF8_ROLES = bytes(
    ord("c") if 0x80 <= b <= 0xBF else ord("L") if 0xC2 <= b <= 0xF4 else ord(".")
    for b in range(256)
)
_MIXED_BLOCK = 1 << 20
#: lines holding a valid UTF-8 sequence looked at, at most (then: not mixed)
_MAX_CANDIDATE_LINES = 10_000


def refuse_mixed_utf8(path: Path, file: IO[bytes]) -> None:
    """InputError when the file holds UTF-8 lines (valid multi-byte UTF-8 that reads
    better as UTF-8 than as any code page) and bytes that are not UTF-8; see the
    module's docstring for the rule."""
    file.seek(0)
    newlines = returns = 0  # line ends before the current block
    first_bad: int | None = None  # the line (from 1) of the first byte that is not UTF-8
    evidence = False
    looked = 0
    while block := file.read(_MIXED_BLOCK):
        block += file.readline()  # whole lines: no sequence is cut at a block's end
        while block[-1] >= 0x80 and (more := file.read(1)):  # lines end with CR alone
            block += more
        if first_bad is None:
            try:
                block.decode("utf-8")
            except UnicodeDecodeError as exc:
                before = block[: exc.start]
                lines = newlines + before.count(b"\n")
                if not lines:  # a Mac file: lines end with CR alone
                    lines = returns + before.count(b"\r")
                first_bad = lines + 1
            else:
                newlines += block.count(b"\n")
                returns += block.count(b"\r")
        if not evidence and looked < _MAX_CANDIDATE_LINES:
            evidence, checked = _utf8_line_in(block)
            looked += checked
        if evidence and first_bad is not None:
            raise InputError(
                f"{path} mixes UTF-8 with another encoding (line {first_bad} is not "
                "UTF-8, other lines are), so its names cannot be read for certain; save "
                "it again as UTF-8 from the program that made it and try again, or name "
                "its encoding with --encoding"
            )
    file.seek(0)


def _utf8_line_in(block: bytes) -> tuple[bool, int]:
    """Whether a line of ``block`` (whole lines) is UTF-8 evidence; and how many lines
    holding a valid UTF-8 sequence were looked at."""
    roles = block.translate(_UTF8_ROLES)
    looked = 0
    at = roles.find(b"Lc")
    while at >= 0 and looked < _MAX_CANDIDATE_LINES:
        start = max(block.rfind(b"\n", 0, at), block.rfind(b"\r", 0, at)) + 1
        ends = [e for e in (block.find(b"\n", at), block.find(b"\r", at)) if e >= 0]
        end = min(ends) if ends else len(block)
        looked += 1
        if _reads_as_utf8(block[start:end]):
            return True, looked
        at = roles.find(b"Lc", end)
    return False, looked


def _reads_as_utf8(line: bytes) -> bool:
    """A line that is valid UTF-8 and whose non-ASCII words read better so than under
    every candidate code page (by at least 2: one word read wrongly)."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    words = _BYTE_WORD.findall(line)  # whole runs of non-ASCII bytes: whole sequences
    as_utf8 = sum(_word_score(w.decode("utf-8")) for w in words)
    return all(
        as_utf8 - sum(_word_score(w.decode(name, _FALLBACK_ERRORS)) for w in words) >= 2
        for name in CANDIDATES
    )


def single_byte_encoding(
    sample: bytes, *, path: Path | None = None, headers: bool = False
) -> str:
    """The single-byte code page under which the sample's non-ASCII words read best.

    Every distinct word holding a non-ASCII byte is decoded with each candidate and
    scored: a letter counts for it; a symbol or control character inside a word, an
    upper-case letter after a lower-case one, letters of two scripts, or letters no
    one language writes together (``Dvoøák``) count against it.  Candidates that
    decode every word alike are one reading.  When two readings score alike, a file
    with English, German or Finnish headers (``headers``) is taken as Windows Western
    (cp1252) when that is one of them; else charset-normalizer is asked, and when it
    has no clear answer either, InputError names the candidates and ``--encoding``.
    """
    words = list(dict.fromkeys(_BYTE_WORD.findall(sample)))[:_MAX_WORDS]
    readings: dict[tuple[str, ...], tuple[int, list[str]]] = {}
    for name in CANDIDATES:
        decoded = tuple(w.decode(name, _FALLBACK_ERRORS) for w in words)
        if decoded in readings:
            readings[decoded][1].append(name)
        else:
            readings[decoded] = (sum(_word_score(w) for w in decoded), [name])
    ranked = sorted(readings.values(), key=lambda r: -r[0])
    best_score, best = ranked[0]
    # words that read alike count alike: the difference is made by the ones that differ,
    # and a word read wrongly costs at least 2 (a symbol, a case or language mismatch)
    close = [names for score, names in ranked if best_score - score < 2]
    if len(close) == 1:
        return best[0]
    tied = [names[0] for names in close]
    if headers and "cp1252" in tied:
        return "cp1252"  # English, German or Finnish headers: a Windows export
    choice = _ask_detector(sample, tied)
    if choice is not None:
        return choice
    if path is None:
        return best[0]
    options = " or ".join(f"--encoding {name}" for name in tied[:3])
    listed = ", ".join(f"{name} ({_NAMES.get(name, name)})" for name in tied[:3])
    raise InputError(
        f"{path} is in a text encoding that cannot be told for certain (it reads "
        f"differently as {listed}); choose one with {options}, or save the file as UTF-8"
    )


def _word_score(word: str) -> int:
    score = 0
    scripts: set[str] = set()
    letters: set[str] = set()
    last = len(word) - 1
    for at, char in enumerate(word):
        if char.isascii():
            scripts.add("latin")
        elif char.isalpha():
            score += 1
            name = unicodedata.name(char, "")
            script = "greek" if "GREEK" in name else "cyrillic" if "CYRILLIC" in name else "latin"
            scripts.add(script)
            if script == "latin":
                letters.add(char.lower())
            # an upper-case letter inside a word, before a lower-case one (MŸller, JÑger)
            if char.isupper() and at and word[at - 1].isalpha() and (
                word[at - 1].islower() or (at < last and word[at + 1].islower())
            ):
                score -= 2
        elif unicodedata.category(char) == "Cc":
            score -= 5
        elif last:
            score -= 3  # a symbol inside a word
    if len(scripts) > 1:
        score -= 3
    if letters:  # letters one language writes together count once more
        score += 1 if any(letters <= language for language in _LANGUAGE_LETTERS) else -2
    return score


def _ask_detector(sample: bytes, tied: list[str]) -> str | None:
    """charset-normalizer's choice among ``tied``, when it has a clear one."""
    isolation = [codecs.lookup(name).name for name in tied]
    matches = list(charset_normalizer.from_bytes(sample, cp_isolation=isolation))
    if not matches:
        return None
    first = matches[0]
    if len(matches) > 1:
        second = matches[1]
        if second.chaos - first.chaos < 0.02 and abs(second.coherence - first.coherence) < 0.05:
            return None
    found = codecs.lookup(first.encoding).name
    return next((name for name in tied if codecs.lookup(name).name == found), None)


def _header_hint(head: bytes, recognise: Recognise | None) -> bool:
    """Whether the first lines hold a known (English, German or Finnish) header."""
    if recognise is None:
        return False
    text = head[:8192].decode("latin-1")
    for line in text.splitlines()[:10]:
        if any(recognise(cell) for cell in re.split(r"[;,\t|]", line) if cell.strip()):
            return True
    return False


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


def _first_non_ascii(f: IO[bytes], offset: int) -> bytes | None:
    """Bytes around the first non-ASCII byte at or after ``offset``; None if all ASCII."""
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
