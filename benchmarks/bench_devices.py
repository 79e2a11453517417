"""What each speed device of the dry run is worth, measured on its own.

Every device is switched off in a child process (the CLI run with one patch applied
before it starts) and timed beside the run with every device on, interleaved, the
fastest of ``--repeat`` runs counting:

    python benchmarks/bench_devices.py                  # ~4 min on 2 cores
    python benchmarks/bench_devices.py --only workers fast-paths --repeat 5

Devices: ``workers`` (two worker processes instead of this one), ``early-start`` (the
workers start and warm up before the file is opened), ``collector`` (the collector
tuned for the run: what exists frozen, collections rarer), ``gc-freeze`` (the
collector frozen while the workers fork), ``balanced-chunks`` (a workbook's chunks
divide evenly between the workers), ``fast-paths`` (all of the check's: e-mail,
phone, rules judged per distinct value; ``--no-fast-paths``),
``phone-fast``, ``email-fast``, ``rules-per-value`` (each alone), ``prescan-bytes``
(the pre-scan's search of a CSV's bytes for slash dates instead of reading its date
column), ``memo`` (repeating values read once per column).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import generate
from bench_dry_run import GROUP, REGION, Bench

#: device → (the patch that switches it off, run before the CLI; the file it is measured on)
PATCHES: dict[str, tuple[str, str]] = {
    "workers": ("", "csv"),  # switched off by --workers 1 below
    "early-start": (
        "import aniva_import.pipeline.executor as e; e.EARLY_START_BYTES = 1 << 62", "csv"
    ),
    "collector": (
        "import aniva_import.pipeline.collector as c; c.RUN_THRESHOLDS = None", "csv"
    ),
    "gc-freeze": (
        "import gc, types, aniva_import.pipeline.executor as e; e.gc = types.SimpleNamespace("
        "freeze=lambda: None, unfreeze=lambda: None, get_freeze_count=gc.get_freeze_count)",
        "csv",
    ),
    "balanced-chunks": (
        "import aniva_import.pipeline.executor as e; "
        "e.ProcessExecutor.chunk_size = lambda self, limit, total: limit", "xlsx"
    ),
    "fast-paths": ("", "csv"),  # switched off by --no-fast-paths below
    "phone-fast": (
        "import aniva_import.normalize.phones as p; p.fast_phone = lambda s, r: None", "csv"
    ),
    "email-fast": (
        "import aniva_import.normalize.emails as m; m.fast_email = lambda s: None", "csv"
    ),
    "rules-per-value": (
        "import aniva_import.validate.schema as s; original = s.profile_rules; "
        "s.profile_rules = lambda today, fast=True: original(today, fast=False)", "csv"
    ),
    "prescan-bytes": (
        "from aniva_import.load._csv import CsvTable; "
        "CsvTable.may_contain = lambda self, patterns: True", "csv"
    ),
    "memo": (
        "import aniva_import.normalize.column as c; c._MEMO_FIELDS = frozenset()", "csv"
    ),
}


def command(source: Path, results: Path, patch: str, extra: list[str]) -> list[str]:
    code = (
        f"{patch}\nimport sys\nfrom aniva_import.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))"
    )
    return [sys.executable, "-c", code, "run", str(source), "--dry-run", "--group", GROUP,
            "--phone-region", REGION, "--results", str(results), "--no-progress", *extra]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted(PATCHES), default=None)
    parser.add_argument("--json", type=Path, metavar="PATH")
    args = parser.parse_args(argv)
    devices = args.only or list(PATCHES)
    files = {"csv": generate.ensure_csv(args.rows)}
    if any(PATCHES[d][1] == "xlsx" for d in devices):
        files["xlsx"] = generate.ensure_xlsx(args.xlsx_rows)
    rows = {"csv": args.rows, "xlsx": args.xlsx_rows}
    table: list[dict[str, object]] = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="aniva-devices-") as tmp:
        bench = Bench(Path(tmp), 1, verbose=False)
        for device in devices:
            patch, kind = PATCHES[device]
            source = files[kind]
            results = Path(tmp) / f"r.{ 'xlsx' if kind == 'xlsx' else 'csv'}"
            extra_off = {"workers": ["--workers", "1"], "fast-paths": ["--no-fast-paths"]}
            on_cmd = command(source, results, "", [])
            off_cmd = command(source, results, patch, extra_off.get(device, []))
            best_on = best_off = None
            for _ in range(args.repeat):  # interleaved: the machine's noise hits both
                on = bench.run(f"{device}-on", on_cmd, rows[kind])
                off = bench.run(f"{device}-off", off_cmd, rows[kind])
                best_on = on if best_on is None or on.seconds < best_on.seconds else best_on
                best_off = off if best_off is None or off.seconds < best_off.seconds else best_off
            assert best_on is not None
            assert best_off is not None
            gain = 1 - best_on.seconds / best_off.seconds
            table.append({
                "device": device, "file": f"{rows[kind]:,}-row {kind}",
                "on_s": best_on.seconds, "off_s": best_off.seconds,
                "on_cpu": best_on.cpu_seconds, "off_cpu": best_off.cpu_seconds,
                "saves": round(gain * 100, 1),
                "other_cpu": max(best_on.other_cpu_seconds, best_off.other_cpu_seconds),
            })
            print(f"  {device}: on {best_on.seconds:.2f} s / off {best_off.seconds:.2f} s "
                  f"({gain:+.0%})", file=sys.stderr, flush=True)
    print(f"\nspeed devices of the dry run, {os.cpu_count()} CPUs, load average before "
          f"{load:.2f}, best of {args.repeat} interleaved runs\n")
    print("| device | file | on s | off s | saves | CPU s on / off | other CPU s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in table:
        print(f"| {row['device']} | {row['file']} | {row['on_s']:.2f} | {row['off_s']:.2f} "
              f"| {row['saves']:+.1f} % | {row['on_cpu']:.1f} / {row['off_cpu']:.1f} "
              f"| {row['other_cpu']:.1f} |")
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
