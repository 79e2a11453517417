"""Opening a spreadsheet: which reader, and the checks every file gets first."""

from __future__ import annotations

from pathlib import Path

from aniva_import.errors import InputError
from aniva_import.load._formats import SUPPORTED_EXTENSIONS, kind_of
from aniva_import.load._table import Table


def open_table(path: Path, *, sheet: str | None = None) -> Table:
    """Open a spreadsheet: sniff its format, encoding, delimiter, sheet and header.

    Raises :class:`InputError` (one sentence naming the file) when the file
    cannot be used: missing, unsupported type, empty, not what its extension
    says, damaged, password-protected, a zip bomb, or ``sheet`` not found.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is not a file but a folder; give the spreadsheet file itself")
    kind = kind_of(path)
    if kind is None:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        shown = path.suffix or "no extension"
        raise InputError(
            f"{path} has an unsupported file type ({shown}); supported types are {supported}"
        )
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror or 'access denied'})") from None
    if size == 0:
        raise InputError(f"{path} is empty: no header row found")

    if kind == "csv":
        if sheet is not None:
            raise InputError(
                f"{path} is a text (CSV) file and has no sheets, so --sheet cannot be used"
            )
        from aniva_import.load._csv import open_csv

        return open_csv(path)
    from aniva_import.load._workbook import open_workbook

    return open_workbook(path, kind, sheet)


