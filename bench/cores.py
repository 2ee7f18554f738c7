"""`python -m bench.cores` (run by `make bench`): what a core buys the raw library and xborder.

`bench.run` compares xborder with the raw `eventsourcing` library on the whole machine. This says what
that ratio is made of. Each configuration runs in a fresh process pinned to a set of cores, and
everything it starts inherits the pin: an embedded PostgreSQL of its own (so the database is held to
the same cores — the machine's server cannot be), the raw library's 16 threads, `xborder serve` as
`make run` starts it (31 provinces projected, the workers in their own process) and its 16 HTTP
clients. One core, then every core, alternately, `--rounds` times.

The library's 16 threads share one interpreter lock, so its save rate is one core of Python and
barely moves with a second core; xborder's API and workers are two processes and PostgreSQL a third,
so it gains with each core until its one API process saturates. Their ratio on one core and on all of
them says how the ratio of `bench.run` would move on a machine with more cores (with more API
processes once one is saturated) — an extrapolation, said as one. Writes bench/results/cores.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bodies import ApplicationFactory, Callers
from bench.database import bench_server
from bench.load import served_throughput
from bench.machine import load_average, machine_info
from bench.report import write_named
from bench.run import JWT_SECRET, RESULTS_DIR, raw_saves
from bench.serve import xborder_serve


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cores", description=__doc__)
    parser.add_argument("--clients", type=int, default=16, help="HTTP clients and raw threads")
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # a pinned configuration's run
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(_configuration(args)))
        return 0
    every = sorted(os.sched_getaffinity(0))
    if len(every) < 2:
        print("bench.cores: this process may use one core only; nothing to compare")
        return 0
    started = datetime.now(UTC)
    runs = [_pinned(cores, args) for _ in range(args.rounds) for cores in ([every[0]], every)]
    results = {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine_info(),
        "parameters": {"clients": args.clients, "warmup_s": args.warmup, "duration_s": args.duration},
        "runs": runs,
        "medians": _medians(runs),
    }
    print(f"bench.cores: wrote {write_named(args.output, 'cores', results, render(results))}")
    return 0


def _pinned(cores: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """One configuration in a fresh process, which pins itself to `cores` (`_configuration`)."""
    command = [sys.executable, "-m", "bench.cores", "--one", ",".join(map(str, cores))]
    command += ["--clients", str(args.clients), "--warmup", str(args.warmup)]
    command += ["--duration", str(args.duration)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"bench.cores: {figures}")
    return figures


def _configuration(args: argparse.Namespace) -> dict[str, Any]:
    """The raw library, then xborder, each on a fresh database of an embedded server started here —
    after pinning this process while it has one thread, so that every thread and process it starts
    inherits the pin."""
    if threading.active_count() != 1:
        raise RuntimeError("bench.cores: pin before any thread starts (one started earlier keeps its cores)")
    os.sched_setaffinity(0, {int(core) for core in args.one.split(",")})
    cores = sorted(os.sched_getaffinity(0))
    load_before = load_average()
    with bench_server(None) as server:
        raw = raw_saves(server, args)
        with (
            server.fresh_database() as db,
            xborder_serve(db.url, JWT_SECRET, server.scratch, workers=True) as served,
        ):
            time.sleep(2.0)  # the workers' process starts after the API answers /readyz
            served_figures = served_throughput(
                served, db.url, ApplicationFactory(), Callers(JWT_SECRET), args, catch_up=False
            )
    raw_rate, rate = float(raw["aggregates_per_s"]), float(served_figures["commands_per_s"])
    return {
        "cores": cores,
        "raw_saves_per_s": raw_rate,
        "raw_cpu_ms": raw["cpu"].get("cpu_ms_per_op"),
        "xborder_commands_per_s": rate,
        "xborder_cpu_ms": served_figures["cpu"].get("cpu_ms_per_op"),
        "ratio": round(rate / raw_rate, 3) if raw_rate else None,
        "load_average_1m": {"start": load_before, "end": load_average()},
    }


def _medians(runs: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    by_cores: dict[int, list[dict[str, Any]]] = {}
    for run in runs:
        by_cores.setdefault(len(run["cores"]), []).append(run)
    return {
        str(n): {
            key: round(statistics.median(float(run[key]) for run in group), 3)
            for key in ("raw_saves_per_s", "xborder_commands_per_s", "ratio")
        }
        for n, group in sorted(by_cores.items())
    }


def render(results: dict[str, Any]) -> str:
    machine, medians = results["machine"], results["medians"]
    counts = sorted(medians, key=int)
    one, every = medians[counts[0]], medians[counts[-1]]
    lines = [
        f"# What a core buys — {results['started']}",
        "",
        "Generated by `python -m bench.cores` (`make bench`); do not edit by hand. Each configuration "
        "in a fresh process pinned to its cores, with everything it starts: an embedded PostgreSQL, the "
        f"raw library's {results['parameters']['clients']} threads, `xborder serve` as `make run` starts "
        f"it (31 provinces projected) and its {results['parameters']['clients']} HTTP clients. Machine: "
        f"{machine['cores']} cores, {machine['cpu_model']}.",
        "",
        "| cores | raw library saves/s | xborder commands/s | xborder ÷ raw |",
        "|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {n} | {medians[n]['raw_saves_per_s']:,.1f} | {medians[n]['xborder_commands_per_s']:,.1f} "
        f"| {medians[n]['ratio']:.3f} |"
        for n in counts
    ]
    lines += [
        "",
        "Medians of the rounds. From one core to "
        f"{counts[-1]}: the raw library × {every['raw_saves_per_s'] / one['raw_saves_per_s']:.2f}, "
        f"xborder × {every['xborder_commands_per_s'] / one['xborder_commands_per_s']:.2f}.",
        "",
        "| round | cores | raw saves/s | xborder commands/s | ratio | CPU per command, ms: service / PG |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for index, run in enumerate(results["runs"]):
        cpu = run.get("xborder_cpu_ms") or {}
        pinned = ",".join(map(str, run["cores"]))
        lines.append(
            f"| {index // len(counts) + 1} | {pinned} | {run['raw_saves_per_s']:,.1f} "
            f"| {run['xborder_commands_per_s']:,.1f} | {run['ratio']:.3f} "
            f"| {cpu.get('service', '–')} / {cpu.get('postgres', '–')} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
