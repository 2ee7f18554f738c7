"""`python -m bench.run` (what `make bench` calls): measure xborder as a user meets it, beside the raw
library it is built on, and write `bench/results/latest.{json,md}`.

One run, under six minutes on a quiet machine (about four with --no-kafka), each phase on a fresh
database of the same PostgreSQL server:

1. Command throughput: `xborder serve` started as `make run` starts it (all 31 provinces' projections
   in-process, no Kafka), 16 concurrent HTTP clients posting transfer applications for 20 s after a
   warm-up; then the same against `xborder serve` with RUN_WORKERS=false (no consumers).
2. The raw `eventsourcing` library saving equivalent aggregates from 16 threads for as long.
3. Command -> visible in both involved provinces, at an offered 100 applications/s (open loop), 30 s;
   then at a quarter of the throughput measured in 1 (each application brings two reads that wait for
   it, which cost the service about as much as the command): a light load, where the figure is the
   propagation itself rather than queueing.
4. The same two lag figures through Kafka (unless --no-kafka): a Tansu Kafka-protocol broker started
   for each run (the tests' `tests.support.tansu.TansuBroker`: one broker, in-memory storage, on this
   machine, its CPU counted apart by pid) and `xborder serve` as in 3 with only KAFKA_BOOTSTRAP_SERVERS
   added, so that the relay publishes every event to the involved provinces' delivery topics and each
   province's projection consumer reads its own topic. About a minute and three quarters more, most
   of it the offered rate (--kafka-lag-rate 0 leaves only the light load).
5. Secondary, in process with one client: the Application alone, FastAPI's TestClient, projections
   stepped synchronously — where a command's time goes.

The figures to compare between runs and machines are the ratios (projected / no consumers, xborder /
raw): all sides of each ratio ran minutes apart on the same cores and the same server, so the machine's
speed and noise largely cancel. Uses DATABASE_URL's server when set (or --database-url), otherwise an
embedded PostgreSQL in a temp dir. Nothing here asserts on a timing.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.bodies import ALL_PROVINCES, ApplicationFactory, Callers
from bench.broker import tansu_broker
from bench.database import BenchServer, bench_server, stored_events
from bench.load import command_throughput, visibility_lag
from bench.machine import CpuMeter, load_average, machine_info
from bench.raw import raw_throughput
from bench.report import write_results
from bench.serve import Served, log_lines, xborder_serve

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Settings require a JWT secret of at least 32 bytes; this one signs only the run's own tokens.
JWT_SECRET = "bench-secret-" + "0" * 32


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients (and raw threads)")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds before each phase")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds of each throughput")
    parser.add_argument("--lag-rate", type=float, default=100.0, help="offered applications/s for the lag")
    parser.add_argument("--lag-duration", type=float, default=30.0, help="measured seconds of the lag phase")
    parser.add_argument(
        "--lag-users", type=int, default=128, help="lag client's workers (each with its own connections)"
    )
    parser.add_argument(
        "--lag-fraction",
        type=float,
        default=0.25,
        help="also measure the lag at this fraction of the measured 31-province throughput (0: skip)",
    )
    parser.add_argument("--lag-fraction-duration", type=float, default=20.0, help="its measured seconds")
    parser.add_argument(
        "--kafka",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the lag through Kafka (a Tansu broker started for each run)",
    )
    parser.add_argument(
        "--kafka-lag-rate",
        type=float,
        default=None,
        help="offered applications/s through Kafka (default: --lag-rate; 0: only the light load)",
    )
    parser.add_argument(
        "--in-process",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also the secondary in-process figures (one client, no network)",
    )
    parser.add_argument("--cases", type=int, default=300, help="in process: cases through the Application")
    parser.add_argument("--http", type=int, default=200, help="in process: TestClient POSTs and GETs")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or None, help="PostgreSQL server to use"
    )
    parser.add_argument(
        "--idle", type=float, default=5.0, help="seconds of each service's idle CPU before its load"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR, help="directory for latest.json/.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    started = time.perf_counter()
    date = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    machine: dict[str, Any] = {**machine_info(), "load_average_1m": {"start": load_average()}}
    with bench_server(args.database_url) as server:
        print(f"bench: {server.mode} PostgreSQL {server.server_version} at {server.location}", flush=True)
        machine |= {"postgres": server.server_version, "postgres_mode": server.mode}
        machine["postgres_location"] = server.location
        results = _run(server, args)
    machine["load_average_1m"]["end"] = load_average()
    results = {
        "schema": "xborder.bench/2",
        "date": date,
        "machine": machine,
        **results,
        "bench_peak_rss_mib": round(_peak_rss_mib(), 1),
        "duration_s": round(time.perf_counter() - started, 1),
    }
    json_path, md_path, markdown = write_results(results, args.output)
    print(markdown)
    print(f"bench: wrote {json_path} and {md_path}")
    return 0


def _throughput(
    server: BenchServer,
    factory: ApplicationFactory,
    callers: Callers,
    args: argparse.Namespace,
    *,
    workers: bool,
) -> dict[str, Any]:
    """One closed-loop throughput phase on a fresh database and a fresh `xborder serve`; with workers,
    also how long the read models took to catch up after the load."""
    with server.fresh_database() as db, _serve(db.url, server, workers=workers) as served:
        idle = _idle(served, db.url, args.idle)
        figures = command_throughput(
            served.url,
            factory,
            callers,
            clients=args.clients,
            warmup_s=args.warmup,
            duration_s=args.duration,
            meter=CpuMeter(served.pid, db.url),
            catch_up=workers,
        )
        figures["service"] = _service(served) | {"idle": idle}
        figures["stored_events"] = stored_events(db.url)
    return figures


def _run(server: BenchServer, args: argparse.Namespace) -> dict[str, Any]:
    notes: list[str] = []
    # Minted before anything is timed; the factory numbers applications across all phases.
    callers = Callers(JWT_SECRET)
    factory = ApplicationFactory()
    timing: dict[str, Any] = {"clients": args.clients, "warmup_s": args.warmup, "duration_s": args.duration}

    phase = f"{args.warmup:g} s warm-up + {args.duration:g} s"
    print(f"bench: throughput, xborder serve (31 provinces projected), {args.clients} clients, {phase}")
    projected = _throughput(server, factory, callers, args, workers=True)
    if projected["commands"] == 0:
        raise RuntimeError(f"xborder serve accepted no application: {projected['first_error']}")
    _progress("31 provinces projected", projected["commands_per_s"], "commands/s")

    print(f"bench: throughput, xborder serve with RUN_WORKERS=false (no consumers), {phase}")
    bare = _throughput(server, factory, callers, args, workers=False)
    _progress("no consumers", bare["commands_per_s"], "commands/s")

    print(f"bench: raw eventsourcing, {args.clients} threads, {phase}")
    with server.fresh_database() as db:
        raw = raw_throughput(
            db.url,
            threads=args.clients,
            warmup_s=args.warmup,
            duration_s=args.duration,
            meter=CpuMeter(database_url=db.url),
        )
        raw["stored_events"] = stored_events(db.url)
    _progress("raw library", raw["aggregates_per_s"], "aggregates/s")

    lags: dict[str, dict[str, Any]] = {}
    part_rate = round(args.lag_fraction * projected["commands_per_s"], 1)
    kafka_rate = args.lag_rate if args.kafka_lag_rate is None else args.kafka_lag_rate
    runs = [
        ("offered", args.lag_rate, args.lag_duration, False),
        ("part_of_capacity", part_rate, args.lag_fraction_duration, False),
    ]
    if args.kafka:
        runs += [
            ("kafka_offered", kafka_rate, args.lag_duration, True),
            ("kafka_part_of_capacity", part_rate, args.lag_fraction_duration, True),
        ]
    for key, rate, duration, kafka in runs:
        if rate <= 0 or duration <= 0:
            continue
        label = f"lag at {rate:g}/s" + (" through Kafka" if kafka else "")
        print(
            f"bench: command -> visible in both provinces, xborder serve (31 provinces"
            f"{', through a Tansu broker' if kafka else ''}), {rate:g}/s offered, "
            f"{args.warmup:g} s warm-up + {duration:g} s"
        )
        lag = _lag(server, factory, callers, args, rate=rate, duration=duration, kafka=kafka)
        lags[key] = lag
        _progress(f"visible in both at {rate:g}/s, p50", lag["visible_both"]["p50_ms"], "ms")
        if lag["not_visible_in_both"]:
            notes.append(
                f"{label}: {lag['not_visible_in_both']} of {lag['offered']} applications not "
                f"visible in both provinces within {lag['limit_s']:g} s; first: {lag['first_error']}"
            )
        late = lag["schedule_late"].get("p99_ms")
        if late is not None and late > 50:
            notes.append(f"{label}: the client fell behind its schedule (p99 {late} ms late)")
        queued = lag["queued_for_user"].get("p99_ms")
        if queued is not None and queued > 1000:
            notes.append(
                f"{label}: all {args.lag_users} users were busy, applications queued for one "
                f"(p99 {queued} ms): the service did not keep up with the offered rate"
            )
        if kafka and lag["broker"]["pid"] is None:
            notes.append(f"{label}: the broker's process was not found; its CPU counts as other work")

    for name, figures in (("31 provinces projected", projected), ("no consumers", bare), ("raw", raw)):
        if figures["errors"]:
            notes.append(f"{name}: {figures['errors']} errors, first: {figures['first_error']}")
    if projected["catch_up"] and projected["catch_up"]["failed"]:
        notes.append(f"projections did not catch up: {projected['catch_up']['failed']}")

    in_process = None
    if args.in_process:
        print(f"bench: in process, one client: {args.cases} cases x 5 commands, {args.http} HTTP requests")
        # These figures reach into xborder's internals (Container, Applications, workers), which change
        # more often than its HTTP API: a failure here is noted, and the primary figures still written.
        try:
            with server.fresh_database() as db:
                in_process = _in_process(db.url, server.scratch, args)
            notes += in_process.pop("notes")
        except Exception as error:  # noqa: BLE001 — secondary figures; the run's results matter more
            notes.append(f"in-process figures skipped: {error!r}")
            in_process = None

    return {
        "parameters": {
            **timing,
            "lag_rate_per_s": args.lag_rate,
            "lag_duration_s": args.lag_duration,
            "lag_fraction_of_capacity": args.lag_fraction,
            "lag_fraction_duration_s": args.lag_fraction_duration,
            "lag_users": args.lag_users,
            "kafka": args.kafka,
            "kafka_lag_rate_per_s": kafka_rate if args.kafka else None,
            "provinces": len(ALL_PROVINCES),
            "in_process_cases": args.cases if args.in_process else None,
            "in_process_http": args.http if args.in_process else None,
        },
        "throughput": {"projected": projected, "no_consumers": bare},
        "raw": raw,
        "ratios": {
            "projected_over_no_consumers": _ratio(projected["commands_per_s"], bare["commands_per_s"]),
            "projected_over_raw": _ratio(projected["commands_per_s"], raw["aggregates_per_s"]),
            "no_consumers_over_raw": _ratio(bare["commands_per_s"], raw["aggregates_per_s"]),
        },
        "lag": lags,
        "in_process": in_process,
        "notes": notes,
    }


def _lag(
    server: BenchServer,
    factory: ApplicationFactory,
    callers: Callers,
    args: argparse.Namespace,
    *,
    rate: float,
    duration: float,
    kafka: bool,
) -> dict[str, Any]:
    """One open-loop lag run on a fresh database and a fresh `xborder serve` (with workers); with
    `kafka`, also a fresh Tansu broker that the service goes through, its CPU metered apart."""
    with ExitStack() as stack:
        broker = stack.enter_context(tansu_broker()) if kafka else None
        db = stack.enter_context(server.fresh_database())
        servers = broker.bootstrap_servers if broker is not None else None
        served = stack.enter_context(_serve(db.url, server, workers=True, kafka=servers))
        if served.mode != ("kafka" if kafka else "embedded"):
            raise RuntimeError(f"xborder serve started in {served.mode!r} mode, kafka={kafka}")
        others = {"broker": broker.pid} if broker is not None and broker.pid is not None else None
        lag = visibility_lag(
            served.url,
            factory,
            callers,
            rate=rate,
            warmup_s=args.warmup,
            duration_s=duration,
            users=args.lag_users,
            meter=CpuMeter(served.pid, db.url, others),
        )
        lag["service"] = _service(served)
        if broker is not None:
            lag["broker"] = broker.describe()
    return lag


def _serve(
    database_url: str, server: BenchServer, *, workers: bool, kafka: str | None = None
) -> AbstractContextManager[Served]:
    return xborder_serve(database_url, JWT_SECRET, server.scratch, workers=workers, kafka=kafka)


def _service(served: Served) -> dict[str, Any]:
    return {
        "startup_s": served.startup_s,
        "workers": served.workers,
        "mode": served.mode,
        "log_lines": log_lines(served.log),
    }


def _idle(served: Served, database_url: str, seconds: float) -> dict[str, Any] | None:
    """CPU the service and its database use with no requests at all, in cores: what its workers cost
    before any work arrives (spread over few commands, it dominates the CPU per command at low rates)."""
    if seconds <= 0:
        return None
    settled_after = _settle(served, database_url)
    meter = CpuMeter(served.pid, database_url)
    meter.start()
    time.sleep(seconds)
    cpu = meter.stop(0)
    wall = cpu["wall_s"]
    cores = {name: round(used / wall, 3) for name, used in cpu["cpu_s"].items()}
    return {"seconds": seconds, "cores": cores, "settled_after_s": settled_after}


def _settle(served: Served, database_url: str, *, limit_s: float = 30.0) -> float:
    """Wait, up to `limit_s`, until a second of the service's CPU is under a tenth of a core: /readyz
    answers while the workers' process is still starting (imports, 31 provinces' schemas), and that
    start is not what the service costs at rest. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        meter = CpuMeter(served.pid, database_url)
        meter.start()
        time.sleep(1.0)
        cpu = meter.stop(0)
        if cpu["cpu_s"].get("service", 0.0) / cpu["wall_s"] < 0.1:
            break
    return round(time.monotonic() - started, 1)


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def _progress(label: str, value: Any, unit: str) -> None:
    print(f"bench:   {label}: {value} {unit}", flush=True)


def _in_process(database_url: str, scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The previous benchmark's figures, one client in this process, three provinces projected."""
    from bench.scenarios import (
        PROVINCES,
        PlateFactory,
        TransferDriver,
        drive_projections,
        full_flow,
        run_commands,
        run_http,
    )
    from xborder.bootstrap import bootstrap
    from xborder.infra.settings import Settings
    from xborder.workflows.transfer.application import VehicleTransfers

    settings = Settings(
        database_url=database_url,
        kafka_bootstrap_servers=None,
        provinces=PROVINCES,
        run_workers=False,
        jwt_secret=SecretStr(JWT_SECRET),
        data_dir=scratch / "in-process",
    )
    container = bootstrap(settings)
    notes: list[str] = []
    try:
        plates = PlateFactory()
        driver = TransferDriver(container, plates)
        warmup = full_flow(driver, 5)
        samples, cases = run_commands(driver, args.cases)
        for name, s in samples.items():
            if s.errors:
                notes.append(f"in process {name}: {s.errors} failed, first: {s.first_error}")
        commands = sum(len(s.latencies) for s in samples.values())
        wall = sum(s.wall_seconds for s in samples.values())
        events = container.application(VehicleTransfers).recorder.max_notification_id() or 0
        projection = drive_projections(container, warmup + cases)
        notes += projection.pop("notes")
        http = run_http(container, plates, args.http, 5)
        notes += http.pop("notes")
    finally:
        container.close()
    return {
        "provinces": PROVINCES,
        "per_command": {name: s.summary() for name, s in samples.items()},
        "total": {
            "commands": commands,
            "wall_s": round(wall, 3),
            "ops_per_s": round(commands / wall, 1) if wall > 0 else None,
            "events": events,
        },
        "http": http,
        "projection": projection,
        "notes": notes,
    }


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


if __name__ == "__main__":
    raise SystemExit(main())
