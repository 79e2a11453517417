"""Language: codes, names and locale tags in English, German and Finnish → a code.

Languages the API does not take (French, Swedish …) are read as their ISO 639-1
code, so that the schema refuses them; a value that names no language is an Issue.
"""

from __future__ import annotations

from typing import Final

from aniva_import.normalize._base import Conventions, Issue
from aniva_import.problems import ProblemCode
from aniva_import.types import Cell

UNSUPPORTED_LANGUAGE_MESSAGE: Final = (
    "Aniva supports only English, German and Finnish; write en, de or fi "
    "(or English, Deutsch, suomi), or leave the cell empty for English."
)
NOT_A_LANGUAGE = Issue(ProblemCode.UNSUPPORTED_LANGUAGE, UNSUPPORTED_LANGUAGE_MESSAGE)

_LANGUAGE_NAMES: Final = {
    "en": "en", "eng": "en", "english": "en", "englisch": "en", "englanti": "en",
    "englanniksi": "en",
    "de": "de", "deu": "de", "ger": "de", "german": "de", "deutsch": "de", "saksa": "de",
    "saksaksi": "de",
    "fi": "fi", "fin": "fi", "finnish": "fi", "finnisch": "fi", "suomi": "fi",
    "suomeksi": "fi", "finska": "fi",
    # languages the API does not take, read so that the schema can say so
    "sv": "sv", "swedish": "sv", "schwedisch": "sv", "ruotsi": "sv", "svenska": "sv",
    "fr": "fr", "french": "fr", "französisch": "fr", "ranska": "fr", "français": "fr",
    "es": "es", "spanish": "es", "spanisch": "es", "espanja": "es", "español": "es",
    "it": "it", "italian": "it", "italienisch": "it", "italia": "it", "italiano": "it",
    "ru": "ru", "russian": "ru", "russisch": "ru", "venäjä": "ru",
    "et": "et", "estonian": "et", "estnisch": "et", "viro": "et",
    "tr": "tr", "turkish": "tr", "türkisch": "tr", "turkki": "tr",
    "pl": "pl", "polish": "pl", "polnisch": "pl", "puola": "pl",
    "ar": "ar", "arabic": "ar", "arabisch": "ar", "arabia": "ar",
    "nl": "nl", "dutch": "nl", "niederländisch": "nl", "hollanti": "nl",
    "da": "da", "danish": "da", "dänisch": "da", "tanska": "da",
    "no": "no", "nb": "nb", "norwegian": "no", "norwegisch": "no", "norja": "no",
    "pt": "pt", "portuguese": "pt", "portugiesisch": "pt", "portugali": "pt",
    "uk": "uk", "ukrainian": "uk", "ukrainisch": "uk", "ukraina": "uk",
}  # fmt: skip


def normalize_language(cell: Cell, conv: Conventions) -> str | Issue | None:
    """A two-letter language code; empty → None (the API defaults to en)."""
    if not isinstance(cell, str):
        return NOT_A_LANGUAGE
    s = cell.strip()
    if not s:
        return None
    key = s.casefold()
    hit = _LANGUAGE_NAMES.get(key)
    if hit is not None:
        return hit
    # locale tags: en-GB, de_DE, fi-FI, de-AT, es-ES ...
    if len(key) in (5, 6) and key[2] in "-_" and key[3:].isascii() and key[3:].isalpha():
        hit = _LANGUAGE_NAMES.get(key[:2])
        if hit is not None:
            return hit
    return NOT_A_LANGUAGE
