"""Benchmark of the sender against the sandbox, beside a bare httpx loop.

The sandbox runs in a separate process (``python -m aniva_import sandbox --port 0``),
so it does not share this process's interpreter lock.  Every scenario drives
:class:`aniva_import.send.Sender` directly with realistic bodies, in batches, and
checks the sandbox's own count of created profiles against the sender's.

    python benchmarks/bench_send.py                   # every scenario (~2 min)
    python benchmarks/bench_send.py --only c sweep    # some of them
    python benchmarks/bench_send.py --json out.json

Scenarios: ``nodelay`` (does the async transport need TCP_NODELAY?), ``sweep``
(bare loop and sender at several concurrencies), ``a`` (--rate 200 against a
sandbox limited to 200/s), ``b`` (adaptive against a sandbox limited to 110/s),
``c`` (adaptive against an unlimited sandbox, beside the bare loop).  The exit
code is 0 when every target of the scenarios run passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from aniva_import import ApiKey
from aniva_import.send import DEFAULT_CONCURRENCY, Sender, SendRequest, SendSettings, SendStats

KEY = "sandbox-full-key"
GROUPS = ("demo-clinic", "acme-clinic-berlin", "helsinki-health")
FIRST = ("Maria", "Jürgen", "Anna", "Mikko", "Aino", "Lukas", "Sophie", "Matti", "Emma",
         "Jonas", "Leena", "Paul", "Hannah", "Ville", "Lena", "Ömer", "Zoë", "José")
LAST = ("Schmidt", "Müller", "Virtanen", "Korhonen", "Schneider", "Fischer", "Nieminen",
        "Weber", "Mäkinen", "Becker", "Hoffmann", "Laine", "Schäfer", "Heikkinen", "Koch")


def bodies(count: int, seed: int) -> list[dict[str, object]]:
    """Profiles as the pipeline will send them: empty fields left out."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for number in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        body: dict[str, object] = {
            "first_name": first,
            "last_name": f"{last}-{number}",
            "profile_group_slug": GROUPS[number % len(GROUPS)],
            "date_of_birth": f"{rng.randint(1930, 2015)}-{rng.randint(1, 12):02d}-"
                             f"{rng.randint(1, 28):02d}",
        }
        if rng.random() < 0.95:
            body["sex"] = rng.choice((1, 2))
        if rng.random() < 0.8:
            body["email"] = f"{first.lower()}.{last.lower()}{number}@example.de"
        if rng.random() < 0.7:
            prefix = rng.choice(("30", "170", "151", "89"))
            body["phone"] = f"+49{prefix}{rng.randint(10**6, 10**8)}"
        if rng.random() < 0.6:
            body["height"] = round(rng.uniform(150, 200), rng.choice((0, 1)))
            body["weight"] = round(rng.uniform(45, 120), rng.choice((0, 1)))
        if rng.random() < 0.7:
            body["language"] = rng.choice(("de", "en", "fi"))
        out.append(body)
    return out


def requests_for(batch: Sequence[dict[str, object]], start: int = 0) -> list[SendRequest]:
    return [
        SendRequest(row=start + i + 2, group=str(body["profile_group_slug"]), body=body,
                    idempotency_key=f"bench-{start + i}")
        for i, body in enumerate(batch)
    ]


_TICK = os.sysconf("SC_CLK_TCK")


def busy_cpu() -> float:
    """CPU seconds every core has been busy since boot (/proc/stat)."""
    first = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0]
    fields = [int(f) for f in first.split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / _TICK


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


@contextmanager
def other_cpu(server: SandboxProcess, into: dict[str, float]) -> Iterator[None]:
    """CPU seconds that processes other than this one and the sandbox used meanwhile:
    more than a few tenths and the figure was disturbed."""
    times = os.times()
    mine = times.user + times.system
    busy, theirs = busy_cpu(), process_cpu(server.process.pid)
    yield
    times = os.times()
    into["own_cpu_s"] = times.user + times.system - mine
    into["other_cpu_s"] = round((busy_cpu() - busy) - into["own_cpu_s"]
                                - (process_cpu(server.process.pid) - theirs), 2)


@dataclass
class SandboxProcess:
    root_url: str
    process: subprocess.Popen[str] = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/v1"

    def call(self, method: str, path: str) -> Any:
        response = httpx.request(method, f"{self.root_url}{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.call("POST", "/_sandbox/reset")

    def stats(self) -> dict[str, Any]:
        return dict(self.call("GET", "/_sandbox/stats"))


@contextmanager
def sandbox(*options: str) -> Iterator[SandboxProcess]:
    """The sandbox in its own process; its URL read from the banner it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aniva_import", "sandbox", "--port", "0", *options],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 20
        root = None
        while root is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox exited before printing its URL")
            match = re.search(r"base URL:\s+(http://\S+)/api/v1", line)
            if match:
                root = match.group(1)
        if root is None:
            raise RuntimeError("the sandbox did not print its URL in time")
        yield SandboxProcess(root, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def bare_loop(
    base_url: str, batch: Sequence[dict[str, object]], concurrency: int,
    socket_options: list[tuple[int, int, int]] | None = None,
) -> tuple[float, int]:
    """The floor: ``concurrency`` workers posting as fast as httpx can, nothing else."""
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=concurrency,
                            max_keepalive_connections=concurrency),
        socket_options=socket_options,
    )
    created = 0
    next_index = 0
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        url = f"{base_url}/profiles"

        async def worker() -> None:
            nonlocal created, next_index
            while next_index < len(batch):
                index = next_index
                next_index += 1
                response = await client.post(
                    url, json=batch[index],
                    headers={"x-api-key": KEY, "Idempotency-Key": f"bare-{index}"},
                )
                created += response.status_code == 201

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, created


async def sender_run(
    base_url: str, batch: Sequence[dict[str, object]], *, concurrency: int,
    rate: float | None, batch_size: int,
) -> tuple[float, SendStats, int]:
    settings = SendSettings(api_url=base_url, api_key=ApiKey(KEY), rate=rate,
                            concurrency=concurrency)
    created = 0
    async with Sender(settings) as sender:
        started = time.perf_counter()
        for start in range(0, len(batch), batch_size):
            outcomes = await sender.send_batch(
                requests_for(batch[start:start + batch_size], start)
            )
            created += sum(o.kind == "created" for o in outcomes)
        elapsed = time.perf_counter() - started
        return elapsed, sender.stats, created


@dataclass
class Figures:
    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, **row: Any) -> None:
        self.rows.append(row)
        shown = "  ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in row.items())
        print(shown, flush=True)

    def target(self, name: str, ok: bool, text: str) -> None:
        print(f"  target {name}: {'PASS' if ok else 'FAIL'} ({text})", flush=True)
        self.rows.append({"target": name, "ok": ok, "text": text})
        if not ok:
            self.failures.append(name)


def check_created(server: SandboxProcess, created: int, figures: Figures, name: str) -> None:
    stored = server.stats()["created"]
    figures.target(f"{name}-exact", stored == created,
                   f"sandbox created {stored}, sender reported {created}")


def scenario_nodelay(args: argparse.Namespace, figures: Figures) -> None:
    print("\n## nodelay: bare loop, default transport vs explicit TCP_NODELAY on/off")
    batch = bodies(args.sweep_rows, args.seed)
    with sandbox() as server:
        asyncio.run(bare_loop(server.base_url, batch[:200], 4))  # warm up
        for label, options in (
            ("default", None),
            ("nodelay=1", [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]),
            ("nodelay=0", [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)]),
        ):
            elapsed = math.inf
            for _ in range(args.repeat):
                server.reset()
                elapsed = min(elapsed, asyncio.run(
                    bare_loop(server.base_url, batch, 4, options))[0])
            figures.add(scenario="nodelay", transport=label, rows=len(batch),
                        rps=len(batch) / elapsed)


def scenario_sweep(args: argparse.Namespace, figures: Figures) -> None:
    print("\n## sweep: rows/s by concurrency (unlimited sandbox; the fastest of "
          f"{args.repeat} runs each)")
    batch = bodies(args.sweep_rows, args.seed)
    with sandbox() as server:
        asyncio.run(bare_loop(server.base_url, batch[:200], 4))
        for concurrency in args.concurrencies:
            bare = sender = math.inf
            rate = 0.0
            for _ in range(args.repeat):
                server.reset()
                bare = min(bare, asyncio.run(bare_loop(server.base_url, batch, concurrency))[0])
                server.reset()
                elapsed, stats, _ = asyncio.run(sender_run(
                    server.base_url, batch, concurrency=concurrency, rate=None,
                    batch_size=args.batch))
                if elapsed < sender:
                    sender, rate = elapsed, stats.rate_limit or 0.0
            figures.add(scenario="sweep", concurrency=concurrency,
                        bare_rps=len(batch) / bare, sender_rps=len(batch) / sender,
                        ratio=bare / sender, final_rate=rate)


def scenario_a(args: argparse.Namespace, figures: Figures) -> None:
    print("\n## a: --rate 200 against a sandbox limited to 200/s")
    batch = bodies(args.rows, args.seed + 1)
    with sandbox("--rate-limit", "200") as server:
        cpu: dict[str, float] = {}
        with other_cpu(server, cpu):
            elapsed, stats, created = asyncio.run(sender_run(
                server.base_url, batch, concurrency=args.concurrency, rate=200.0,
                batch_size=args.batch))
        rps = created / elapsed
        figures.add(scenario="a", rows=len(batch), rows_per_s=rps,
                    requests=stats.requests, responses_429=stats.responses_429,
                    seconds=elapsed, **cpu)
        figures.target("a-rate", rps >= 0.95 * 200, f"{rps:.1f} rows/s >= 190")
        figures.target("a-429", stats.responses_429 == 0, f"{stats.responses_429} 429s == 0")
        check_created(server, created, figures, "a")


def scenario_b(args: argparse.Namespace, figures: Figures) -> None:
    print("\n## b: adaptive (no --rate) against a sandbox limited to 110/s")
    batch = bodies(args.rows, args.seed + 2)
    for form in args.retry_after_forms:
        with sandbox("--rate-limit", "110", "--retry-after-format", form) as server:
            cpu: dict[str, float] = {}
            with other_cpu(server, cpu):
                elapsed, stats, created = asyncio.run(sender_run(
                    server.base_url, batch, concurrency=args.concurrency, rate=None,
                    batch_size=args.batch))
            rps = created / elapsed
            share = stats.responses_429 / max(1, stats.requests)
            figures.add(scenario="b", retry_after=form, rows=len(batch), rows_per_s=rps,
                        requests=stats.requests, responses_429=stats.responses_429,
                        share_429=100 * share, slowdowns=stats.slowdowns,
                        final_rate=stats.rate_limit or 0.0, seconds=elapsed, **cpu)
            figures.target(f"b-rate-{form}", rps >= 0.85 * 110, f"{rps:.1f} rows/s >= 93.5")
            figures.target(f"b-429-{form}", share <= 0.02,
                           f"{100 * share:.2f} % of requests answered 429 <= 2 %")
            check_created(server, created, figures, f"b-{form}")


def scenario_c(args: argparse.Namespace, figures: Figures) -> None:
    print("\n## c: adaptive against an unlimited sandbox, beside the bare loop "
          "(runs interleaved; the fastest of each counts)")
    batch = bodies(args.rows, args.seed + 3)
    with sandbox() as server:
        asyncio.run(bare_loop(server.base_url, batch[:200], args.concurrency))
        best_bare = best_sender = 0.0
        cpu_bare = cpu_sender = math.inf
        for _ in range(args.repeat):
            server.reset()
            bare_cpu: dict[str, float] = {}
            with other_cpu(server, bare_cpu):
                bare, _ = asyncio.run(bare_loop(server.base_url, batch, args.concurrency))
            server.reset()
            cpu: dict[str, float] = {}
            with other_cpu(server, cpu):
                elapsed, stats, created = asyncio.run(sender_run(
                    server.base_url, batch, concurrency=args.concurrency, rate=None,
                    batch_size=args.batch))
            check_created(server, created, figures, "c")
            bare_rps, sender_rps = len(batch) / bare, created / elapsed
            best_bare, best_sender = max(best_bare, bare_rps), max(best_sender, sender_rps)
            us_bare = 1e6 * bare_cpu["own_cpu_s"] / len(batch)
            us_sender = 1e6 * cpu["own_cpu_s"] / stats.requests
            cpu_bare, cpu_sender = min(cpu_bare, us_bare), min(cpu_sender, us_sender)
            figures.add(scenario="c", concurrency=args.concurrency, rows=len(batch),
                        bare_rps=bare_rps, sender_rps=sender_rps, ratio=sender_rps / bare_rps,
                        bare_cpu_us=us_bare, sender_cpu_us=us_sender,
                        responses_429=stats.responses_429, final_rate=stats.rate_limit or 0.0,
                        other_cpu_bare=bare_cpu["other_cpu_s"], other_cpu_s=cpu["other_cpu_s"])
        ratio = best_sender / best_bare
        figures.target("c-ratio", ratio >= 0.8,
                       f"best sender {best_sender:.0f} / best bare {best_bare:.0f} = "
                       f"{ratio:.2f} >= 0.8")
        print(f"  client CPU per request (least of {args.repeat}): bare {cpu_bare:.0f} µs, "
              f"sender {cpu_sender:.0f} µs = {cpu_bare / cpu_sender:.2f} of the bare loop's "
              "requests per CPU second")


SCENARIOS = {"nodelay": scenario_nodelay, "sweep": scenario_sweep, "a": scenario_a,
             "b": scenario_b, "c": scenario_c}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), default=None)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--sweep-rows", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=1000, help="rows per send_batch")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--concurrencies", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--retry-after-forms", nargs="+", default=["seconds", "http-date"],
                        choices=["seconds", "http-date"])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of scenarios c and sweep (the fastest counts)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    figures = Figures()
    for name in args.only or list(SCENARIOS):
        SCENARIOS[name](args, figures)
    if args.json:
        args.json.write_text(json.dumps(figures.rows, indent=1), encoding="utf-8")
    print("\nall targets pass" if not figures.failures
          else f"\nFAILED: {', '.join(figures.failures)}")
    return 0 if not figures.failures else 1


if __name__ == "__main__":
    sys.exit(main())
