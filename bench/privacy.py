"""What sealing personal data costs (`python -m bench.privacy`, run by `make bench`): the same run measures
`xborder serve` (as `make run` starts it: 31 provinces) with events sealed and with sealing off
(PRIVACY_SEAL_EVENTS=false, allowed for measuring only), alternating, on fresh databases of the same
PostgreSQL:

- the command path: 16 HTTP clients applying for transfers (each application names an owner: one
  subject key made or fetched, three values sealed);
- reads that show the owner unmasked: 16 HTTP clients reading cases as the origin's vehicle
  administration (both audit every answer; sealed, the keys are fetched and the values opened too);
- a rebuild of one province's read model from the store the command phase left.

Figures go to bench/results/privacy.{json,md}. Nothing here is a pass/fail threshold."""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.bodies import ApplicationFactory, Callers
from bench.database import BenchServer, bench_server, stored_events
from bench.load import served_throughput
from bench.machine import CpuMeter, load_average, machine_info
from bench.report import write_named
from bench.run import JWT_SECRET, RESULTS_DIR
from bench.serve import xborder_serve
from xborder.bootstrap import bootstrap
from xborder.domain.provinces import province_by_code
from xborder.infra.settings import Settings
from xborder.projections.rebuild import rebuild_province


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.privacy", description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of plain and sealed")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or None, help="PostgreSQL server to use"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    machine: dict[str, Any] = {**machine_info(), "load_average_1m": {"start": load_average()}}
    callers = Callers(JWT_SECRET)
    factory = ApplicationFactory(start=10_000_000)
    runs: dict[str, list[dict[str, Any]]] = {"plain": [], "sealed": []}
    with bench_server(args.database_url) as server:
        machine |= {"postgres": server.server_version, "postgres_mode": server.mode}
        for round_ in range(args.rounds):
            for mode in ("plain", "sealed"):
                print(f"bench.privacy: round {round_ + 1}, {mode}", flush=True)
                figures = _phase(server, factory, callers, args, sealed=mode == "sealed")
                runs[mode].append(figures)
                print(
                    f"bench.privacy:   {figures['commands_per_s']} commands/s, "
                    f"{figures['reads']['reads_per_s']} reads/s, "
                    f"rebuild {figures['rebuild']['events_per_s']} events/s",
                    flush=True,
                )
    machine["load_average_1m"]["end"] = load_average()
    results = {
        "schema": "xborder.bench.privacy/1",
        "date": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "machine": machine,
        "parameters": vars(args) | {"output": str(args.output)},
        "runs": runs,
        "summary": _summary(runs),
        "duration_s": round(time.perf_counter() - started, 1),
    }
    markdown = _markdown(results)
    write_named(args.output, "privacy", results, markdown)
    print(markdown)
    return 0


def _phase(
    server: BenchServer,
    factory: ApplicationFactory,
    callers: Callers,
    args: argparse.Namespace,
    *,
    sealed: bool,
) -> dict[str, Any]:
    extra = {"PRIVACY_SEAL_EVENTS": "true" if sealed else "false"}
    with server.fresh_database() as db:
        with xborder_serve(db.url, JWT_SECRET, server.scratch, workers=True, extra_env=extra) as served:
            figures = served_throughput(served, db.url, factory, callers, args, catch_up=True)
            cases = _cases(served.url, callers)
            reads = _reads(served.url, cases, args, CpuMeter(served.pid, db.url))
        events = stored_events(db.url)
        rebuild = _rebuild(db.url, server.scratch)
    return {
        "sealed": sealed,
        "commands": figures["commands"],
        "commands_per_s": figures["commands_per_s"],
        "latency_ms": {k: figures["latency"].get(k) for k in ("p50_ms", "p99_ms")},
        "cpu": figures["cpu"],
        "errors": figures["errors"],
        "reads": reads,
        "rebuild": rebuild,
        "stored_events": events,
    }


def _cases(url: str, callers: Callers) -> list[tuple[str, dict[str, str]]]:
    """Cases to read back: each with the origin's vehicle administration's bearer (the owner shown)."""
    province = province_by_code("510000")
    with httpx.Client(base_url=url, timeout=30) as http:
        response = http.get("/v1/transfers?page_size=100", headers=callers.reader(province, 0))
        response.raise_for_status()
        return [(item["id"], callers.reader(province, 0)) for item in response.json()["items"]]


def _reads(
    url: str,
    cases: list[tuple[str, dict[str, str]]],
    args: argparse.Namespace,
    meter: CpuMeter,
) -> dict[str, Any]:
    if not cases:
        return {"reads": 0, "reads_per_s": 0.0}
    latencies: list[list[float]] = [[] for _ in range(args.clients)]
    errors = [0] * args.clients
    barrier = threading.Barrier(args.clients + 1)
    window: dict[str, float] = {}

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            barrier.wait()
            i = n
            while (sent := time.perf_counter()) < window["until"]:
                case_id, headers = cases[i % len(cases)]
                i += args.clients
                status = http.get(f"/v1/transfers/{case_id}", headers=headers).status_code
                if sent >= window["from"]:
                    if status == 200:
                        latencies[n].append(time.perf_counter() - sent)
                    else:
                        errors[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    window["from"], window["until"] = now + args.warmup, now + args.warmup + args.duration
    barrier.wait()
    time.sleep(args.warmup)
    meter.start()
    for thread in threads:
        thread.join()
    done = [x for xs in latencies for x in xs]
    cpu = meter.stop(len(done))
    ordered = sorted(done)
    return {
        "reads": len(done),
        "reads_per_s": round(len(done) / args.duration, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 2) if ordered else None,
        "errors": sum(errors),
        "cpu": cpu,
    }


def _rebuild(database_url: str, scratch: Path) -> dict[str, Any]:
    """四川's read model rebuilt from the store the phase left (`xborder projections rebuild`'s code),
    in one process: the phase leaves a few hundred of its events, and whether the command would share
    them among forked processes turned on how many there were (a share's fork and connections cost
    more than the events), so the figure jumped between 1.7k and 7.8k events/s from run to run in
    both modes. In one process, sealed and plain differ by what opening the events costs."""
    settings = Settings(
        database_url=database_url, jwt_secret=JWT_SECRET, data_dir=scratch / "rebuild", run_workers=False
    )
    container = bootstrap(settings)
    try:
        started = time.perf_counter()
        result = rebuild_province(container.readmodels, container.log_sources(), "510000", processes=1)
        seconds = time.perf_counter() - started
    finally:
        container.close()
    return {
        "events_read": result.events_read,
        "applied": result.applied,
        "seconds": round(seconds, 3),
        "events_per_s": round(result.events_read / seconds) if seconds else None,
    }


def _summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    def best(mode: str, key: str, inner: str | None = None) -> float:
        values = [(run[key][inner] if inner else run[key]) for run in runs[mode]]
        return max(float(v) for v in values if v is not None) if values else 0.0

    out: dict[str, Any] = {}
    for label, key, inner in (
        ("commands_per_s", "commands_per_s", None),
        ("reads_per_s", "reads", "reads_per_s"),
        ("rebuild_events_per_s", "rebuild", "events_per_s"),
    ):
        plain, sealed = best("plain", key, inner), best("sealed", key, inner)
        out[label] = {"plain": plain, "sealed": sealed, "ratio": round(sealed / plain, 3) if plain else None}
    return out


def _markdown(results: dict[str, Any]) -> str:
    machine, params = results["machine"], results["parameters"]
    lines = [
        f"# xborder benchmark: the cost of sealing personal data — {results['date']}",
        "",
        "Measurement only. `xborder serve` as `make run` starts it (31 provinces projected), on fresh "
        "databases of the same PostgreSQL, with events sealed and with sealing off "
        "(PRIVACY_SEAL_EVENTS=false, for measuring only), alternating; the best of each is compared.",
        "",
        f"- Machine: {machine.get('cores')} cores, {machine.get('cpu_model')}; "
        f"PostgreSQL {machine.get('postgres')} ({machine.get('postgres_mode')}); "
        f"load average {machine['load_average_1m']}",
        f"- Parameters: {params['clients']} clients, {params['warmup']:g} s warm-up + "
        f"{params['duration']:g} s per phase, {params['rounds']} rounds",
        "",
        "| figure | plain | sealed | sealed ÷ plain |",
        "|---|---:|---:|---:|",
    ]
    names = {
        "commands_per_s": "transfer applications/s (16 clients; each names an owner)",
        "reads_per_s": "case reads/s showing the owner unmasked (audited in both; opened when sealed)",
        "rebuild_events_per_s": "rebuild of 四川's read model, its own events (and catch-up replays) read/s",
    }
    for key, label in names.items():
        figure = results["summary"][key]
        lines.append(f"| {label} | {figure['plain']:,} | {figure['sealed']:,} | {figure['ratio']} |")
    lines += [
        "",
        "| round | mode | commands/s | p50 ms | reads/s | read p50 ms | rebuild events/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for mode, runs in results["runs"].items():
        for n, run in enumerate(runs, 1):
            lines.append(
                f"| {n} | {mode} | {run['commands_per_s']} | {run['latency_ms']['p50_ms']} | "
                f"{run['reads']['reads_per_s']} | {run['reads'].get('p50_ms')} | "
                f"{run['rebuild'].get('events_per_s')} |"
            )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
