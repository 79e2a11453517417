"""Header recognition: the built-in English, German and Finnish aliases of every field.

The aliases live in ``schemas/header-aliases.toml`` (packaged as
``aniva_import/data/header-aliases.toml``).  Headers are compared in a folded form:
case, spacing, punctuation, accents and a unit such as ``(cm)`` do not matter.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from aniva_import.rules import API_FIELDS
from aniva_import.types import FileLanguage

_UNIT_SUFFIX = re.compile(
    r"(?:\s*[(\[]\s*(?:in\s+)?(?:cm|kg|m)\s*[)\]]|[\s_-]+(?:in\s+)?(?:cm|kg|m))$", re.IGNORECASE
)
_BRACKETS = re.compile(r"[(\[][^)\]]*[)\]]")

def header_key(header: str) -> str:
    """The form headers are compared in: case, spacing, punctuation and accents removed.

    >>> header_key("Größe (cm)"), header_key(" GROESSE-cm "), header_key("Syntymäaika")
    ('grossecm', 'groessecm', 'syntymaaika')
    """
    text = unicodedata.normalize("NFKD", header.casefold().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in text if ch.isalnum())


def _key_candidates(header: str) -> list[str]:
    """The keys to try for one header: as written, then without units or brackets."""
    keys = [header_key(header)]
    for stripped in (_UNIT_SUFFIX.sub("", header.strip()), _BRACKETS.sub("", header)):
        key = header_key(stripped)
        if key and key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class Aliases:
    """Alias key → (field, language)."""

    by_key: dict[str, tuple[str, FileLanguage]]

    @classmethod
    def builtin(cls) -> Aliases:
        return _builtin_aliases()

    @classmethod
    def from_toml(cls, text: str) -> Aliases:
        data = tomllib.loads(text)
        by_key: dict[str, tuple[str, FileLanguage]] = {}
        for field_name, languages in data["fields"].items():
            if field_name not in API_FIELDS:
                raise ValueError(f"unknown field {field_name!r} in header aliases")
            for language, names in languages.items():
                if language not in ("en", "de", "fi"):
                    raise ValueError(f"unknown language {language!r} in header aliases")
                for name in names:
                    key = header_key(name)
                    known = by_key.get(key)
                    if known is not None and known[0] != field_name:
                        raise ValueError(f"alias {name!r} names both {known[0]} and {field_name}")
                    by_key.setdefault(key, (field_name, language))
        return cls(by_key)


@cache
def _builtin_aliases() -> Aliases:
    text = resources.files("aniva_import").joinpath("data/header-aliases.toml").read_text("utf-8")
    return Aliases.from_toml(text)




def match_alias(header: str, aliases: Aliases) -> tuple[str, FileLanguage] | None:
    """The field (and language) a header names, or None."""
    for key in _key_candidates(header):
        hit = aliases.by_key.get(key)
        if hit is not None:
            return hit
    return None
