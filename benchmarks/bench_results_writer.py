"""Time the results writers alone on the benchmark's rows (FinishedRow values in, file out).

::

    python benchmarks/bench_results_writer.py [--rows 50000] [--repeat 3]

Writes the rows of the generated CSV (``generate.py``) as CSV results, as an XLSX
results workbook, and as one with its *To be sent* sheet, and prints the best time of
each.  Every 25th row has a problem (a note on its phone cell).  The figures of the
switch to xlsxwriter are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
from aniva_import.problems import Problem, ProblemCode
from aniva_import.results import FinishedRow, open_results_writer
from aniva_import.types import Cell, Status

POSITIONS = {"first_name": 0, "last_name": 1, "date_of_birth": 2, "sex": 3, "email": 4,
             "phone": 5}


def _rows(source: Path) -> tuple[list[str], list[FinishedRow]]:
    with source.open(encoding="cp1252", newline="") as handle:
        records = csv.reader(handle, delimiter=";")
        headers = next(records)
        data = list(records)
    rows = []
    for number, record in enumerate(data, start=2):
        cells: list[Cell] = list(record)
        day, month, year = [*record[2].split("."), "", "", ""][:3]
        with contextlib.suppress(ValueError):
            cells[2] = dt.date(int(year), int(month), int(day))
        problems = ((Problem(number, "Telefon", ProblemCode.INVALID_PHONE, "Not valid.",
                             "phone"),) if number % 25 == 0 else ())
        values = (record[0], record[1], "1985-03-22", 2, "a@example.de", "+49301234567",
                  168.0, 65.0, "de", "acme-clinic-berlin")
        status = Status.INVALID if problems else Status.VALID
        rows.append(FinishedRow(number, status, None, problems, cells, values))
    return headers, rows


def _time(path: Path, headers: list[str], rows: list[FinishedRow], values: bool,
          repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        writer = open_results_writer(path, headers, delimiter=";", field_positions=POSITIONS,
                                     values=values)
        for first in range(0, len(rows), 10_000):
            writer.write(rows[first:first + 10_000])
        writer.commit()
        best = min(best, time.perf_counter() - start)
        path.unlink()
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    headers, rows = _rows(generate.ensure_csv(args.rows, generate.DEFAULT_SEED))
    with tempfile.TemporaryDirectory() as folder:
        for name, values in (("r.csv", False), ("r.xlsx", False), ("v.xlsx", True)):
            seconds = _time(Path(folder) / name, headers, rows, values, args.repeat)
            what = f"{Path(name).suffix[1:]}{' + To be sent sheet' if values else ''}"
            print(f"{what:<26} {seconds:6.2f} s  ({len(rows) / seconds:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
