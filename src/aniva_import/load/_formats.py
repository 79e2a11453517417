"""File kinds by extension, and the magic bytes that tell what a file really is.

One definition for the readers and the container checks alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

Kind = Literal["csv", "xlsx", "xlsm", "xls", "ods"]

KIND_BY_EXTENSION: Final[dict[str, Kind]] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsm",
    ".xls": "xls",
    ".ods": "ods",
}
SUPPORTED_EXTENSIONS: Final = tuple(KIND_BY_EXTENSION)

#: A zip container (.xlsx, .xlsm, .ods): a local file header, or an empty/spanned archive.
ZIP_MAGIC: Final = b"PK\x03\x04"
ZIP_MAGICS: Final = (ZIP_MAGIC, b"PK\x05\x06", b"PK\x07\x08")
#: An OLE compound file (.xls, or a password-protected .xlsx).
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def kind_of(path: Path) -> Kind | None:
    """The kind a file is read as, by its extension; None when unsupported."""
    return KIND_BY_EXTENSION.get(path.suffix.lower())


def is_workbook(path: Path) -> bool:
    """Whether ``path`` is opened as a workbook (by its extension, as open_table does)."""
    return kind_of(path) not in (None, "csv")
