"""What a spreadsheet shows in place of a formula's value when the formula fails.

Excel's error values in English, German and Finnish, and LibreOffice's; a CSV export
writes them as text, a workbook stores them as error cells.  The load stage gives
them back as their text (never as an empty cell), and the normalisers report them.
"""

from __future__ import annotations

from typing import Final

SPREADSHEET_ERROR_VALUES: Final = (
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
    "#EXTERNAL!", "#PYTHON!",
    "#NV", "#WERT!", "#BEZUG!", "#ZAHL!", "#ÜBERLAUF!", "#KALK!",
    "#PUUTTUU", "#JAKO/0!", "#ARVO!", "#VIITTAUS!", "#NIMI?", "#LUKU!", "#TYHJÄ!",
    "Err:502", "Err:504", "Err:508", "Err:511", "Err:522", "Err:523",
)  # fmt: skip

#: casefolded error value → the value as spreadsheet programs write it
BY_CASEFOLD: Final = {value.casefold(): value for value in SPREADSHEET_ERROR_VALUES}
