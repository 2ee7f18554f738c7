"""`python -m bench.run` (what `make bench` calls): measure xborder and write `bench/results/latest.*`.

Uses DATABASE_URL's server when set, otherwise an embedded PostgreSQL in a temp dir; either way in a
fresh database that is dropped at the end. No Kafka: projections read the notification log, as in
`make run`. Nothing here asserts on a timing; the figures are for reading and comparing.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.database import bench_database
from bench.report import write_results
from bench.scenarios import (
    PROVINCES,
    PlateFactory,
    TransferDriver,
    drive_projections,
    full_flow,
    measure_lag,
    run_commands,
    run_http,
)
from xborder.bootstrap import Container, bootstrap
from xborder.infra.settings import Settings
from xborder.workflows.transfer.application import VehicleTransfers

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Settings require a JWT secret of at least 32 bytes; this one signs only the run's own tokens.
JWT_SECRET = "bench-secret-" + "0" * 32


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--cases", type=int, default=300, help="transfer cases through the Application")
    parser.add_argument("--http", type=int, default=200, help="POSTs and GETs through the HTTP API")
    parser.add_argument("--lag", type=int, default=50, help="commands for the end-to-end lag")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured warm-up cases / requests")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR, help="directory for latest.json/.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    started = time.perf_counter()
    load_before = _load_average()
    date = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    with bench_database(os.environ.get("DATABASE_URL") or None) as database:
        print(f"bench: {database.mode} PostgreSQL {database.server_version}, database {database.name}")
        settings = Settings(
            database_url=database.url,
            kafka_bootstrap_servers=None,  # the notification-log feed, whatever the environment says
            provinces=PROVINCES,
            run_workers=False,
            jwt_secret=SecretStr(JWT_SECRET),
            data_dir=database.data_dir,
        )
        container = bootstrap(settings)
        try:
            results = _run(container, args)
        finally:
            container.close()
        machine = {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgres": database.server_version,
            "mode": database.mode,
            "postgres_location": database.location,
            # Other work on the machine skews every figure; the 1-minute load says how much there was.
            "load_average_1m": {"start": load_before, "end": _load_average()},
        }
    results = {
        "schema": "xborder.bench/1",
        "date": date,
        "machine": machine,
        **results,
        "peak_rss_mib": round(_peak_rss_mib(), 1),
        "duration_s": round(time.perf_counter() - started, 1),
    }
    json_path, md_path, markdown = write_results(results, args.output)
    print(markdown)
    print(f"bench: wrote {json_path} and {md_path}")
    return 0


def _run(container: Container, args: argparse.Namespace) -> dict[str, Any]:
    plates = PlateFactory()
    driver = TransferDriver(container, plates)
    notes: list[str] = []

    print(f"bench: {args.warmup} warm-up cases, then {args.cases} cases x 5 commands ...", flush=True)
    warmup = full_flow(driver, args.warmup)
    samples, cases = run_commands(driver, args.cases)
    per_command = {name: s.summary() for name, s in samples.items()}
    for name, s in samples.items():
        if s.errors:
            notes.append(f"{name}: {s.errors} failed, first: {s.first_error}")
    commands = sum(len(s.latencies) for s in samples.values())
    wall = sum(s.wall_seconds for s in samples.values())
    events = container.application(VehicleTransfers).recorder.max_notification_id() or 0

    print("bench: projections (synchronous) ...", flush=True)
    projection = drive_projections(container, warmup + cases)
    notes += projection.pop("notes")

    print(f"bench: HTTP, {args.http} POST + {args.http} GET ...", flush=True)
    http = run_http(container, plates, args.http, args.warmup)
    notes += http.pop("notes")
    for key in ("post_transfers", "get_transfer"):
        if http[key].get("errors"):
            notes.append(f"HTTP {key}: {http[key]['errors']} failed, first: {http[key]['first_error']}")

    print(f"bench: end-to-end lag, {args.lag} commands ...", flush=True)
    lag = measure_lag(driver, args.lag)
    notes += lag.pop("notes")
    if lag["all_provinces"].get("errors"):
        notes.append(f"lag: {lag['all_provinces']['first_error']}")

    return {
        "parameters": {
            "cases": args.cases,
            "warmup_cases": args.warmup,
            "http_requests": args.http,
            "lag_commands": args.lag,
            "provinces": PROVINCES,
        },
        "commands": {
            "per_command": per_command,
            "total": {
                "commands": commands,
                "wall_s": round(wall, 3),
                "ops_per_s": round(commands / wall, 1) if wall > 0 else None,
                "events": events,
            },
        },
        "http": http,
        "projection": projection,
        "lag": lag,
        "notes": notes,
    }


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


if __name__ == "__main__":
    raise SystemExit(main())
