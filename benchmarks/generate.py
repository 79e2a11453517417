"""Deterministic generator of German-style clinic patient lists for the benchmarks.

The data looks like an export from a German practice system: ``;`` as the
delimiter, Windows-1252 (or UTF-8 with BOM), ``DD.MM.YYYY`` dates, decimal
commas (``181,5``), national phone numbers (``030 1234567``, ``0170 1234567``),
e-mail addresses like ``vorname.nachname123@example.de``, and a few per cent
of bad rows of varied kinds (see ``BAD_KINDS``).

The row stream depends only on the seed, never on the number of rows asked for:
the first 50 000 rows of the 200 000-row file are the 50 000-row file, and the
``.xlsx`` of N rows holds the same data as the CSV of N rows (dates as real date
cells, heights and weights as numbers).

Files are cached in ``benchmarks/.data/`` keyed by size, seed, encoding and
``GENERATOR_VERSION``; each has a ``.meta.json`` sidecar with the counts of the
bad rows it holds.

    python benchmarks/generate.py --rows 200000 [--seed 20240611] [--xlsx]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

GENERATOR_VERSION: Final = 1
DEFAULT_SEED: Final = 20240611
DATA_DIR: Final = Path(__file__).resolve().parent / ".data"

HEADERS: Final = (
    "Vorname",
    "Nachname",
    "Geburtsdatum",
    "Geschlecht",
    "E-Mail",
    "Telefon",
    "Größe (cm)",
    "Gewicht",
    "Sprache",
    "Versichertennr.",
)

FEMALE: Final = (
    "Maria", "Anna", "Anna-Lena", "Sophie", "Emma", "Mia", "Hannah", "Lea", "Lena", "Laura",
    "Julia", "Sarah", "Katharina", "Johanna", "Charlotte", "Clara", "Marie", "Luise", "Greta",
    "Ursula", "Renate", "Gisela", "Monika", "Petra", "Sabine", "Andrea", "Birgit",
    "Claudia", "Susanne", "Heike", "Özlem", "Zoë", "Chloé", "Annika", "Frieda", "Käthe",
    "Elisabeth", "Brigitte", "Ingrid", "Helga", "Karin", "Nicole", "Stefanie", "Jana", "Ida",
)
MALE: Final = (
    "Peter", "Thomas", "Michael", "Andreas", "Stefan", "Klaus", "Jürgen", "Wolfgang", "Uwe",
    "Karl-Heinz", "Hans", "Günter", "Dieter", "Horst", "Lukas", "Leon", "Finn", "Jonas", "Paul",
    "Felix", "Maximilian", "Elias", "Noah", "Ben", "Matthias", "Sebastian", "Tobias", "Jörg",
    "Björn", "Sören", "René", "Mehmet", "Ali", "Florian", "Markus", "Frank", "Bernd", "Ralf",
    "Christian", "Daniel", "Alexander", "Jan", "Tim", "Niklas", "Moritz", "Emil", "Anton",
)
LAST: Final = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
    "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang",
    "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller",
    "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke",
    "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher",
    "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt",
    "Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl",
    "Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff",
    "Pfeiffer", "Yilmaz", "Kaya", "Demir", "Nowak", "Kowalski", "von Berg",
    "Meyer-Lüdenscheid", "O'Neill", "Di Stefano", "Çelik", "Öztürk", "Ahrens", "Voß",
)
DOMAINS: Final = ("example.de", "beispiel.de", "praxis-mail.de", "web.example", "mail.example.org")
LANGUAGES: Final = (
    ("de", 30), ("Deutsch", 25), ("", 20), ("en", 8), ("Englisch", 5), ("DE", 5),
    ("fi", 2), ("Finnisch", 1), ("deutsch", 4),
)
SEX_FEMALE: Final = (("w", 55), ("weiblich", 20), ("W", 10), ("2", 10), ("f", 5))
SEX_MALE: Final = (("m", 60), ("männlich", 20), ("M", 10), ("1", 10))
#: Area code (without the 0) -> subscriber-number lengths.
LANDLINE: Final = {
    "30": (7, 8), "40": (7, 8), "89": (7, 8), "69": (7, 8), "221": (7,), "211": (7, 8),
    "711": (6, 7, 8), "351": (7, 8), "341": (7, 8), "511": (7, 8), "911": (7, 8),
    "421": (7, 8), "231": (7, 8), "201": (7, 8), "228": (6, 7),
}
#: Mobile prefix (without the 0) -> subscriber-number lengths.
MOBILE: Final = {
    "151": (8,), "152": (8,), "157": (8,), "160": (7,), "162": (7,), "170": (7,),
    "171": (7,), "172": (7,), "175": (7,), "176": (8,), "177": (7,), "179": (7,),
}

#: Kinds of bad rows and their relative weights.  Every kind except "duplicate"
#: makes exactly one field invalid; "duplicate" repeats an earlier good row exactly.
BAD_KINDS: Final = (
    ("invalid_date", 10),
    ("future_date", 10),
    ("height_in_metres", 10),
    ("weight_zero", 10),
    ("junk_phone", 10),
    ("broken_email", 10),
    ("sex_d", 10),
    ("missing_first_name", 10),
    ("duplicate", 5),
)
DEFAULT_BAD_SHARE: Final = 0.04
TODAY_FOR_AGES: Final = dt.date(2024, 6, 11)  # fixed: the data must not depend on the clock

Cell = str | float | dt.date


@dataclass(frozen=True, slots=True)
class Record:
    first: str
    last: str
    dob: dt.date | str  # str only for impossible dates such as 31.02.1970
    sex: str
    email: str
    phone: str
    height: float | None
    weight: float | None
    language: str
    insurance: str
    kind: str = "good"

    def csv_cells(self) -> list[str]:
        return [
            self.first,
            self.last,
            self.dob if isinstance(self.dob, str) else self.dob.strftime("%d.%m.%Y"),
            self.sex,
            self.email,
            self.phone,
            decimal_comma(self.height),
            decimal_comma(self.weight),
            self.language,
            self.insurance,
        ]

    def xlsx_cells(self) -> list[Cell | None]:
        return [
            self.first,
            self.last,
            self.dob,
            self.sex,
            self.email,
            self.phone,
            self.height,
            self.weight,
            self.language,
            self.insurance,
        ]


def decimal_comma(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",")


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


_TRANSLIT: Final = str.maketrans({
    "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
    "é": "e", "ë": "e", "ç": "c", "Ç": "C", " ": "", "'": "",
})


def _email_local(first: str, last: str) -> str:
    return f"{first}.{last}".translate(_TRANSLIT).lower()


class PhoneMaker:
    """National DE numbers, checked with phonenumbers so that (nearly) all are valid."""

    def __init__(self) -> None:
        import phonenumbers

        self._pn = phonenumbers
        self._checked: dict[str, bool] = {}

    def _valid(self, national: str) -> bool:
        known = self._checked.get(national)
        if known is None:
            try:
                known = self._pn.is_valid_number(self._pn.parse(national, "DE"))
            except self._pn.NumberParseException:
                known = False
            if len(self._checked) < 200_000:
                self._checked[national] = known
        return bool(known)

    def make(self, rng: random.Random) -> str:
        for _ in range(20):
            table = MOBILE if rng.random() < 0.45 else LANDLINE
            prefix = rng.choice(sorted(table))
            length = rng.choice(table[prefix])
            subscriber = f"{rng.randint(2, 9)}{rng.randrange(10 ** (length - 1)):0{length - 1}d}"
            if self._valid(f"0{prefix}{subscriber}"):
                return self._style(rng, prefix, subscriber)
        return f"030 {rng.randint(2_000_000, 9_999_999)}"

    @staticmethod
    def _style(rng: random.Random, prefix: str, subscriber: str) -> str:
        r = rng.random()
        if r < 0.70:
            return f"0{prefix} {subscriber}"
        if r < 0.80:
            return f"0{prefix}/{subscriber}"
        if r < 0.85:
            return f"0{prefix}-{subscriber}"
        if r < 0.95:
            return f"+49 {prefix} {subscriber}"
        return f"0{prefix}{subscriber}"


def _good(rng: random.Random, phones: PhoneMaker, serial: int) -> Record:
    female = rng.random() < 0.52
    first = rng.choice(FEMALE if female else MALE)
    last = rng.choice(LAST)
    dob = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(36_000))
    age = (TODAY_FOR_AGES - dob).days / 365.25
    sex = _weighted(rng, SEX_FEMALE if female else SEX_MALE)
    email = ""
    if rng.random() < 0.85:
        number = str(rng.randint(1, 999)) if rng.random() < 0.7 else ""
        email = f"{_email_local(first, last)}{number}@{rng.choice(DOMAINS)}"
    phone = phones.make(rng) if rng.random() < 0.9 else ""
    height: float | None = None
    weight: float | None = None
    if rng.random() < 0.85:
        base = 165.0 if female else 178.0
        if age < 16:
            base = 60.0 + age * 6.5
        height = round(rng.gauss(base, 8.0), 1 if rng.random() < 0.2 else 0)
        height = min(max(height, 45.0), 215.0)
    if rng.random() < 0.8:
        wbase = 68.0 if female else 84.0
        if age < 16:
            wbase = 4.0 + age * 3.5
        weight = round(rng.gauss(wbase, 12.0 if age >= 16 else 3.0), 1 if rng.random() < 0.3 else 0)
        weight = min(max(weight, 2.5), 250.0)
    return Record(
        first=first,
        last=last,
        dob=dob,
        sex=sex,
        email=email,
        phone=phone,
        height=height,
        weight=weight,
        language=_weighted(rng, LANGUAGES),
        insurance=f"{chr(65 + serial % 26)}{rng.randrange(10**9):09d}",
    )


def _spoil(rng: random.Random, rec: Record, kind: str) -> Record:
    if kind == "invalid_date":
        day, month = rng.choice(((31, 2), (30, 2), (32, 1), (31, 4), (0, 5), (15, 13)))
        return replace(rec, dob=f"{day:02d}.{month:02d}.{rng.randint(1940, 2010)}", kind=kind)
    if kind == "future_date":
        return replace(rec, dob=dt.date(rng.randint(2090, 2099), rng.randint(1, 12), 1), kind=kind)
    if kind == "height_in_metres":
        return replace(rec, height=round(rng.uniform(1.50, 1.99), 2), kind=kind)
    if kind == "weight_zero":
        return replace(rec, weight=0.0, kind=kind)
    if kind == "junk_phone":
        junk = rng.choice(("12345", "0000 000", "keine", "030 12", "+49 123", "n/a", "0170 1"))
        return replace(rec, phone=junk, kind=kind)
    if kind == "broken_email":
        local = _email_local(rec.first, rec.last)
        broken = rng.choice((
            f"{local}@example", f"{local}.example.de", f"{local}@@example.de",
            f"{local} @example.de", f"{local}@example..de",
        ))
        return replace(rec, email=broken, kind=kind)
    if kind == "sex_d":
        return replace(rec, sex="d", kind=kind)
    if kind == "missing_first_name":
        return replace(rec, first="", kind=kind)
    raise ValueError(kind)


def records(seed: int = DEFAULT_SEED, bad_share: float = DEFAULT_BAD_SHARE) -> Iterator[Record]:
    """An endless, seed-determined stream of rows (prefix-stable)."""
    rng = random.Random(seed)
    phones = PhoneMaker()
    kinds = [k for k, _ in BAD_KINDS]
    weights = [w for _, w in BAD_KINDS]
    recent: deque[Record] = deque(maxlen=2_000)
    serial = 0
    while True:
        serial += 1
        rec = _good(rng, phones, serial)
        if rng.random() < bad_share:
            kind = rng.choices(kinds, weights=weights)[0]
            if kind == "duplicate":
                if recent:
                    yield replace(rng.choice(recent), kind="duplicate")
                    continue
                kind = "invalid_date"
            yield _spoil(rng, rec, kind)
            continue
        recent.append(rec)
        yield rec


def _cache_name(rows: int, seed: int, suffix: str) -> str:
    return f"clinic-v{GENERATOR_VERSION}-{rows}-s{seed}{suffix}"


def _write_meta(
    path: Path, rows: int, seed: int, kinds: Counter[str], extra: dict[str, str]
) -> None:
    meta = {
        "generator_version": GENERATOR_VERSION,
        "rows": rows,
        "seed": seed,
        "kinds": dict(sorted(kinds.items())),
        "bad_rows": rows - kinds.get("good", 0),
        **extra,
    }
    meta_path = path.with_name(path.name + ".meta.json")
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def meta_for(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        path.with_name(path.name + ".meta.json").read_text(encoding="utf-8")
    )
    return data


def ensure_csv(
    rows: int, seed: int = DEFAULT_SEED, encoding: str = "cp1252", data_dir: Path = DATA_DIR
) -> Path:
    """The cached CSV of ``rows`` data rows (generated on first use)."""
    tag = {"cp1252": "", "utf-8-sig": "-utf8bom"}.get(encoding, f"-{encoding}")
    path = data_dir / _cache_name(rows, seed, f"{tag}.csv")
    if path.exists() and path.with_name(path.name + ".meta.json").exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    kinds: Counter[str] = Counter()
    # Windows line ends, as Excel and most practice systems write them.
    with tmp.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        stream = records(seed)
        for _ in range(rows):
            rec = next(stream)
            kinds[rec.kind] += 1
            writer.writerow(rec.csv_cells())
    tmp.replace(path)
    _write_meta(path, rows, seed, kinds, {"encoding": encoding, "delimiter": ";"})
    return path


def ensure_xlsx(rows: int, seed: int = DEFAULT_SEED, data_dir: Path = DATA_DIR) -> Path:
    """The cached .xlsx of the same ``rows`` rows (real date and number cells)."""
    import xlsxwriter  # type: ignore[import-untyped, unused-ignore]

    path = data_dir / _cache_name(rows, seed, ".xlsx")
    if path.exists() and path.with_name(path.name + ".meta.json").exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.xlsx")
    kinds: Counter[str] = Counter()
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    try:
        sheet = book.add_worksheet("Patienten")
        date_fmt = book.add_format({"num_format": "dd.mm.yyyy"})
        sheet.write_row(0, 0, HEADERS)
        stream = records(seed)
        for r in range(1, rows + 1):
            rec = next(stream)
            kinds[rec.kind] += 1
            for c, value in enumerate(rec.xlsx_cells()):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day),
                                         date_fmt)
                elif isinstance(value, float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    finally:
        book.close()
    tmp.replace(path)
    _write_meta(path, rows, seed, kinds, {"sheet": "Patienten"})
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--encoding", choices=("cp1252", "utf-8-sig"), default="cp1252")
    parser.add_argument("--xlsx", action="store_true", help="also write the same rows as .xlsx")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    print(ensure_csv(args.rows, args.seed, args.encoding, args.data_dir))
    if args.xlsx:
        print(ensure_xlsx(args.rows, args.seed, args.data_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
