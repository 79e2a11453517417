"""Time the dry run against its baselines, all in the same run on the same machine.

    python benchmarks/bench_dry_run.py [--rows 200000] [--big-rows 1000000]
        [--xlsx-rows 50000] [--skip-big] [--repeat N] [--json out.json]

Every measured command runs in a fresh process, started by a small wrapper
process that records its wall time, the peak RSS of its largest process
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``, which covers the command and every
process it waited for) and the peak of the summed RSS of the whole process tree
(sampled from ``/proc`` every 20 ms; this one counts worker processes together).

Measurements (see README.md for the targets):

1. ``aniva-import run --dry-run`` of the generated German-style CSV, default
   workers and ``--workers 1``;
2. ``frictionless validate`` of the same file against a Table Schema with
   equivalent constraints, full pass (``--limit-errors 1000000``);
3. the library floor (``library_floor.py``): csv module + phonenumbers +
   email-validator once per row;
4. peak memory of the dry run at ``--big-rows`` vs ``--rows``;
5. the dry run of an ``.xlsx`` of ``--xlsx-rows`` rows vs the same rows as CSV;
6. ``aniva-import --help``: wall time, and pandas must not be imported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import generate

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
GROUP = "acme-clinic-berlin"
REGION = "DE"

# Runs one command, prints one JSON line: wall seconds, exit code, ru_maxrss of
# the children (KiB on Linux) and the sampled peak RSS of the whole process tree.
WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time

cmd = json.loads(sys.argv[1])
out_path, err_path = sys.argv[2], sys.argv[3]
page = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root):
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    stat = fh.read()
                parents[int(name)] = int(stat[stat.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(p for p, pp in parents.items() if pp == pid)
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
    return total


def busy_seconds():
    with open("/proc/stat", "rb") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    return (sum(f[:8]) - f[3] - f[4]) / os.sysconf("SC_CLK_TCK")


peak = 0
busy_before = busy_seconds()
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err)
    stop = threading.Event()

    def sample():
        global peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = proc.wait()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
busy = busy_seconds() - busy_before
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "rc": rc, "maxrss_kib": usage.ru_maxrss,
                  "tree_rss_bytes": peak, "user": usage.ru_utime, "sys": usage.ru_stime,
                  "other_cpu": max(0.0, busy - usage.ru_utime - usage.ru_stime)}))
"""


@dataclass
class Measurement:
    name: str
    command: list[str]
    rows: int
    seconds: float
    rc: int
    maxrss_mb: float
    tree_rss_mb: float
    cpu_seconds: float
    other_cpu_seconds: float = 0.0
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 and self.rows else 0.0


@dataclass
class Target:
    name: str
    value: float
    limit: float
    higher_is_better: bool
    detail: str

    @property
    def passed(self) -> bool:
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit


class Bench:
    def __init__(self, workdir: Path, repeat: int, verbose: bool) -> None:
        self.workdir = workdir
        self.repeat = repeat
        self.verbose = verbose
        self.measurements: dict[str, Measurement] = {}

    def run(
        self, name: str, cmd: Sequence[str], rows: int, ok: Sequence[int] = (0, 1)
    ) -> Measurement:
        best: Measurement | None = None
        for attempt in range(self.repeat):
            out = self.workdir / f"{name}.stdout"
            err = self.workdir / f"{name}.stderr"
            if self.verbose:
                print(f"  running {name} ({attempt + 1}/{self.repeat}) ...", file=sys.stderr,
                      flush=True)
            done = subprocess.run(
                [sys.executable, "-c", WRAPPER, json.dumps(list(cmd)), str(out), str(err)],
                check=True, capture_output=True, text=True,
            )
            data = json.loads(done.stdout.strip().splitlines()[-1])
            if data["rc"] not in ok:
                tail = err.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"{name}: exit code {data['rc']}:\n{tail}")
            m = Measurement(
                name=name,
                command=[str(c) for c in cmd],
                rows=rows,
                seconds=round(data["seconds"], 3),
                rc=data["rc"],
                maxrss_mb=round(data["maxrss_kib"] / 1024, 1),
                tree_rss_mb=round(data["tree_rss_bytes"] / 2**20, 1),
                cpu_seconds=round(data["user"] + data["sys"], 2),
                other_cpu_seconds=round(data["other_cpu"], 1),
            )
            if best is None or m.seconds < best.seconds:
                best = m
            # Memory: the worst of the repeats, not the one of the fastest.
            best.maxrss_mb = max(best.maxrss_mb, m.maxrss_mb)
            best.tree_rss_mb = max(best.tree_rss_mb, m.tree_rss_mb)
        assert best is not None
        if best.other_cpu_seconds > max(0.5, 0.25 * best.seconds):
            best.note = "CONTENDED (other processes were busy); " + best.note
        self.measurements[name] = best
        if self.verbose:
            print(f"    {best.seconds:.2f} s, {best.rows_per_s:,.0f} rows/s, "
                  f"{best.maxrss_mb:.0f} MB", file=sys.stderr, flush=True)
        return best


def tool(name: str) -> str:
    beside = BIN / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found next to {sys.executable} or on PATH")
    return found


def dry_run(
    bench: Bench, name: str, source: Path, rows: int, results_suffix: str = ".csv",
    workers: int | None = None,
) -> Measurement:
    results = bench.workdir / f"{name}.results{results_suffix}"
    summary = bench.workdir / f"{name}.summary.json"
    cmd = [
        tool("aniva-import"), "run", str(source), "--dry-run", "--group", GROUP,
        "--phone-region", REGION, "--results", str(results), "--summary-json", str(summary),
        "--no-progress",
    ]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    m = bench.run(name, cmd, rows)
    data = json.loads(summary.read_text(encoding="utf-8"))
    counts = data["rows"]
    problems = data.get("problems", [])
    m.details = {"rows": counts, "problems": problems}
    meta = generate.meta_for(source)
    kinds = meta["kinds"]
    assert isinstance(kinds, dict)
    expected_bad = int(str(meta["bad_rows"]))
    flagged = counts["invalid"] + counts["duplicate"]
    m.note += (f"valid {counts['valid']}, invalid {counts['invalid']}, "
              f"duplicate {counts['duplicate']} (generated bad rows {expected_bad})")
    if counts["total"] != rows:
        m.note += f"; WRONG ROW COUNT {counts['total']} != {rows}"
    elif flagged < expected_bad:
        m.note += f"; {expected_bad - flagged} BAD ROWS NOT FLAGGED"
    mismatches = kind_mismatches(kinds, problems)
    if mismatches:
        m.note += "; MISMATCH generated vs reported: " + ", ".join(mismatches)
    results.unlink(missing_ok=True)
    return m


#: Bad-row kind of the generator -> the problem code the dry run reports for it.
KIND_CODES = {
    "invalid_date": "invalid_date",
    "future_date": "date_in_future",
    "height_in_metres": "height_in_metres",
    "weight_zero": "implausible_weight",
    "junk_phone": "invalid_phone",
    "broken_email": "invalid_email",
    "sex_d": "unsupported_sex",
    "missing_first_name": "required",
    "duplicate": "duplicate_row",
}


def kind_mismatches(kinds: dict[str, Any], problems: list[dict[str, Any]]) -> list[str]:
    """Generated bad rows per kind vs problems reported per code.  Duplicates may be
    more than generated: random good rows can share name and date of birth."""
    reported: dict[str, int] = {}
    for p in problems:
        reported[p["code"]] = reported.get(p["code"], 0) + int(p["count"])
    out = []
    for kind, code in KIND_CODES.items():
        want, got = int(kinds.get(kind, 0)), reported.get(code, 0)
        if got < want or (got > want and kind != "duplicate"):
            out.append(f"{code} {got} (generated {want})")
    return out


def frictionless_schema(today: dt.date) -> dict[str, Any]:
    """Constraints equivalent to the profile rules, for the columns the generator writes."""
    number = {"type": "number", "decimalChar": ","}
    return {
        "fields": [
            {"name": "Vorname", "type": "string",
             "constraints": {"required": True, "maxLength": 255}},
            {"name": "Nachname", "type": "string",
             "constraints": {"required": True, "maxLength": 255}},
            {"name": "Geburtsdatum", "type": "date", "format": "%d.%m.%Y",
             "constraints": {"minimum": "01.01.1900", "maximum": today.strftime("%d.%m.%Y")}},
            {"name": "Geschlecht", "type": "string",
             "constraints": {"enum": ["m", "M", "w", "W", "f", "F", "männlich", "weiblich",
                                      "1", "2"]}},
            {"name": "E-Mail", "type": "string", "format": "email",
             "constraints": {"maxLength": 254}},
            {"name": "Telefon", "type": "string",
             "constraints": {"pattern": r"(\+49 ?|0)[1-9][0-9]{1,4}[ /-]?[1-9][0-9]{4,8}"}},
            {"name": "Größe (cm)", **number, "constraints": {"minimum": 30, "maximum": 260}},
            {"name": "Gewicht", **number, "constraints": {"minimum": 1, "maximum": 400}},
            {"name": "Sprache", "type": "string",
             "constraints": {"enum": ["de", "DE", "deutsch", "Deutsch", "en", "EN", "Englisch",
                                      "fi", "FI", "Finnisch"]}},
            {"name": "Versichertennr.", "type": "string"},
        ]
    }


def frictionless(bench: Bench, source: Path, rows: int) -> Measurement:
    schema = bench.workdir / "frictionless-schema.json"
    schema.write_text(json.dumps(frictionless_schema(dt.date.today()), indent=1,
                                 ensure_ascii=False), encoding="utf-8")
    resource = bench.workdir / "frictionless-resource.json"
    resource.write_text(json.dumps({
        "name": "patients", "path": str(source), "format": "csv",
        "encoding": str(generate.meta_for(source)["encoding"]),
        "dialect": {"delimiter": ";"}, "schema": str(schema),
    }, indent=1), encoding="utf-8")
    cmd = [tool("frictionless"), "validate", str(resource), "--trusted",
           "--limit-errors", "1000000", "--json"]
    m = bench.run("frictionless", cmd, rows)
    out = json.loads((bench.workdir / "frictionless.stdout").read_text(encoding="utf-8"))
    task = out["tasks"][0]
    m.note += f"rows {task['stats']['rows']}, errors {task['stats']['errors']}"
    if task["stats"]["rows"] != rows:
        m.note += " WRONG ROW COUNT"
    return m


def library_floor(bench: Bench, source: Path, rows: int) -> Measurement:
    cmd = [sys.executable, str(HERE / "library_floor.py"), str(source),
           "--encoding", str(generate.meta_for(source)["encoding"]), "--region", REGION]
    m = bench.run("library floor", cmd, rows, ok=(0,))
    out = json.loads((bench.workdir / "library floor.stdout").read_text(encoding="utf-8"))
    m.note += (f"valid phones {out['valid_phones']}, valid e-mails {out['valid_emails']}, "
              f"loop {out['seconds']} s")
    return m


PANDAS_PARSER = (
    "import sys; from aniva_import.cli import build_parser; build_parser().format_help(); "
    "print('pandas' in sys.modules)"
)
PANDAS_MAIN = (
    "import io, sys, contextlib\n"
    "from aniva_import.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try:\n"
    "        main(['--help'])\n"
    "    except SystemExit:\n"
    "        pass\n"
    "print('pandas' in sys.modules)\n"
)


def help_checks(bench: Bench) -> dict[str, Any]:
    bench.repeat, repeat = max(3, bench.repeat), bench.repeat
    try:
        m = bench.run("aniva-import --help", [tool("aniva-import"), "--help"], 0, ok=(0,))
    finally:
        bench.repeat = repeat
    answers = {}
    for label, code in (("build_parser().format_help()", PANDAS_PARSER),
                        ("main(['--help'])", PANDAS_MAIN)):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=False)
        lines = done.stdout.strip().splitlines()
        answers[label] = lines[-1] if lines else f"no output (exit {done.returncode})"
    m.note += "; ".join(f"pandas imported after {k}: {v}" for k, v in answers.items())
    return {"seconds": m.seconds, "pandas_imported": answers}


def targets(b: dict[str, Measurement], help_info: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    ours, ours1 = b.get("dry run csv"), b.get("dry run csv --workers 1")
    fl, floor_ = b.get("frictionless"), b.get("library floor")
    if ours and fl:
        out.append(Target("rows/s vs frictionless (default workers)",
                          ours.rows_per_s / fl.rows_per_s, 2.0, True,
                          f"{ours.rows_per_s:,.0f} vs {fl.rows_per_s:,.0f} rows/s"))
    if ours1 and fl:
        out.append(Target("rows/s vs frictionless (--workers 1) [info]",
                          ours1.rows_per_s / fl.rows_per_s, 2.0, True,
                          f"{ours1.rows_per_s:,.0f} vs {fl.rows_per_s:,.0f} rows/s"))
    if ours and floor_:
        out.append(Target("time vs library floor (default workers)",
                          ours.seconds / floor_.seconds, 1.0, False,
                          f"{ours.seconds:.2f} s vs {floor_.seconds:.2f} s"))
    if ours1 and floor_:
        out.append(Target("time vs library floor (--workers 1) [info]",
                          ours1.seconds / floor_.seconds, 1.0, False,
                          f"{ours1.seconds:.2f} s vs {floor_.seconds:.2f} s"))
    if ours1 and fl:
        out.append(Target("CPU s vs frictionless (--workers 1) [info]",
                          ours1.cpu_seconds / fl.cpu_seconds, 0.5, False,
                          f"{ours1.cpu_seconds:.1f} vs {fl.cpu_seconds:.1f} CPU s; "
                          "less sensitive to other load"))
    if ours1 and floor_:
        out.append(Target("CPU s vs library floor (--workers 1) [info]",
                          ours1.cpu_seconds / floor_.cpu_seconds, 1.0, False,
                          f"{ours1.cpu_seconds:.1f} vs {floor_.cpu_seconds:.1f} CPU s"))
    big = b.get("dry run big csv")
    if ours and big:
        out.append(Target("peak RSS big/base, largest process",
                          big.maxrss_mb / ours.maxrss_mb, 1.5, False,
                          f"{big.maxrss_mb:.0f} MB vs {ours.maxrss_mb:.0f} MB"))
        out.append(Target("peak RSS big/base, whole process tree",
                          big.tree_rss_mb / ours.tree_rss_mb, 1.5, False,
                          f"{big.tree_rss_mb:.0f} MB vs {ours.tree_rss_mb:.0f} MB"))
    xlsx, csv50 = b.get("dry run xlsx"), b.get("dry run csv, same rows as xlsx")
    if xlsx and csv50:
        # [info] since the results workbook is written with xlsxwriter (formats, widths,
        # notes and a second sheet of the values to be sent; ~4 µs a cell) instead of the
        # hand-written SpreadsheetML writer: see benchmarks/README.md
        out.append(Target("xlsx rows/s vs same rows as csv [info]",
                          xlsx.rows_per_s / csv50.rows_per_s, 0.7, True,
                          f"{xlsx.rows_per_s:,.0f} vs {csv50.rows_per_s:,.0f} rows/s"))
    for label, answer in help_info.get("pandas_imported", {}).items():
        out.append(Target(f"--help without pandas: {label}", 1.0 if answer == "False" else 0.0,
                          1.0, True, f"'pandas' in sys.modules -> {answer}"))
    return out


def render(measurements: list[Measurement], checks: list[Target]) -> str:
    lines = [
        "| measurement | rows | seconds | rows/s | peak RSS MB (largest process) "
        "| peak RSS MB (process tree) | CPU s | other CPU s | exit | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in measurements:
        rps = f"{m.rows_per_s:,.0f}" if m.rows else "-"
        lines.append(f"| {m.name} | {m.rows:,} | {m.seconds:.2f} | {rps} | {m.maxrss_mb:.0f} "
                     f"| {m.tree_rss_mb:.0f} | {m.cpu_seconds:.1f} | {m.other_cpu_seconds:.1f} "
                     f"| {m.rc} | {m.note} |")
    lines += ["", "| target | value | limit | result | detail |", "|---|---:|---:|---|---|"]
    for t in checks:
        sign = ">=" if t.higher_is_better else "<="
        lines.append(f"| {t.name} | {t.value:.2f} | {sign} {t.limit:g} "
                     f"| {'PASS' if t.passed else 'FAIL'} | {t.detail} |")
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                              capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--skip-big", action="store_true", help="skip the --big-rows run")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per measurement; the fastest counts (memory: the largest)")
    parser.add_argument("--only", nargs="*", default=None,
                        choices=("ours", "frictionless", "floor", "big", "xlsx", "help"),
                        help="run only these groups of measurements")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the results as JSON")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the outputs (stdout, stderr, summaries) in this folder")
    args = parser.parse_args(argv)
    only = set(args.only) if args.only else {"ours", "frictionless", "floor", "big", "xlsx",
                                             "help"}
    if args.skip_big:
        only.discard("big")

    load_before = [round(x, 2) for x in os.getloadavg()]
    print("generating input files (cached in benchmarks/.data/) ...", file=sys.stderr, flush=True)
    base_csv = generate.ensure_csv(args.rows, args.seed)
    big_csv = generate.ensure_csv(args.big_rows, args.seed) if "big" in only else None
    xlsx = generate.ensure_xlsx(args.xlsx_rows, args.seed) if "xlsx" in only else None
    xlsx_csv = generate.ensure_csv(args.xlsx_rows, args.seed) if "xlsx" in only else None

    with tempfile.TemporaryDirectory(prefix="aniva-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        bench = Bench(workdir, max(1, args.repeat), verbose=True)
        help_info: dict[str, Any] = {}
        if "help" in only:
            help_info = help_checks(bench)
        if "ours" in only:
            dry_run(bench, "dry run csv", base_csv, args.rows)
            dry_run(bench, "dry run csv --workers 1", base_csv, args.rows, workers=1)
        if "frictionless" in only:
            frictionless(bench, base_csv, args.rows)
        if "floor" in only:
            library_floor(bench, base_csv, args.rows)
        if big_csv is not None:
            if "ours" not in only:
                dry_run(bench, "dry run csv", base_csv, args.rows)
            dry_run(bench, "dry run big csv", big_csv, args.big_rows)
        if xlsx is not None and xlsx_csv is not None:
            dry_run(bench, "dry run csv, same rows as xlsx", xlsx_csv, args.xlsx_rows)
            dry_run(bench, "dry run xlsx", xlsx, args.xlsx_rows, results_suffix=".xlsx")
            dry_run(bench, "dry run xlsx, csv results [info]", xlsx, args.xlsx_rows)

    measurements = list(bench.measurements.values())
    checks = targets(bench.measurements, help_info)
    load_after = [round(x, 2) for x in os.getloadavg()]
    machine: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "commit": git_commit(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }
    print()
    print(f"aniva-import dry-run benchmark, commit {machine['commit']}, {machine['cpus']} CPUs, "
          f"Python {machine['python']}, {machine['date']}, load average before/after "
          f"{load_before[0]}/{load_after[0]}")
    print()
    print(render(measurements, checks))
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine,
            "measurements": [{**asdict(m), "rows_per_s": round(m.rows_per_s, 1)}
                             for m in measurements],
            "targets": [{**asdict(t), "passed": t.passed} for t in checks],
        }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if all(t.passed for t in checks if "[info]" not in t.name) else 1


if __name__ == "__main__":
    raise SystemExit(main())
