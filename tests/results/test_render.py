"""The results workbook as LibreOffice shows it: rendered headless to PDF, its text read
back.  Dates must show as dates (not ``###``: a column too narrow), every header whole.
Needs LibreOffice and poppler (Debian: libreoffice-calc, poppler-utils; `.ci/run`
installs them); without them it fails, unless ANIVA_IMPORT_SKIP_RENDER=1 says it may be
skipped on this machine.  To look at it yourself: ``soffice --headless --convert-to pdf X.xlsx``
then ``pdftoppm -png X.pdf page``."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from aniva_import.problems import Problem, ProblemCode
from aniva_import.results import FinishedRow
from aniva_import.results.xlsx import XlsxResultsWriter
from aniva_import.types import Status

_TOOLS = bool(shutil.which("soffice") and shutil.which("pdftotext"))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _TOOLS and os.environ.get("ANIVA_IMPORT_SKIP_RENDER") == "1",
                       reason="LibreOffice and pdftotext are not installed (allowed here)"),
]

HEADERS = ["Etunimi", "Syntymäaika", "Sähköposti", "Puhelin", "Pituus (cm)"]


def test_the_workbook_renders_with_dates_and_whole_headers(tmp_path: Path) -> None:
    late = Problem(3, "Syntymäaika", ProblemCode.DATE_IN_FUTURE,
                   "A date of birth must be in the past.", "date_of_birth")
    target = tmp_path / "r.xlsx"
    writer = XlsxResultsWriter(target, HEADERS, field_positions={"date_of_birth": 1},
                               values=True)
    writer.write([
        FinishedRow(2, Status.VALID, None, (),
                    ["Aino", dt.date(1990, 4, 12), "aino.virtanen@example.fi", "040 1234567",
                     "165"]),
        FinishedRow(3, Status.INVALID, None, (late,),
                    ["Ville", dt.date(2030, 1, 1), "ville.heikkinen@example.fi", "", "180"]),
    ])
    writer.commit()
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(target)], check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    assert "###" not in text
    for shown in ("1990-04-12", "2030-01-01", "Syntymäaika", "Sähköposti", "Pituus (cm)",
                  "aino.virtanen@example.fi", "[date_in_future]", "invalid"):
        assert shown in text, shown
