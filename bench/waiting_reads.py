"""`python -m bench.waiting_reads`: what 200 reads waiting for a version cost everyone else.

The app runs on a real uvicorn server (in a thread, on a free port) over the same PostgreSQL choice as
`bench.run`, with the projection consumers running in-process. First `/healthz`, a plain GET and a
command (POST /v1/transfers) are timed with nothing waiting; then again while 200 reads (20 callers,
10 each) wait for a version that has not arrived; then the version is made to arrive and the time each
waiting read takes to answer after it is recorded. Writes `bench/results/waiting_reads.{md,json}`.
Measurement only: nothing here asserts on a timing (the integration test asserts on the answers).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from pydantic import SecretStr

from bench.database import bench_database
from bench.scenarios import (
    CITIES,
    ORIGIN,
    OWNER_ID_NUMBER,
    OWNER_NAME,
    OWNER_PHONE,
    PROVINCES,
    VIN,
    PlateFactory,
)
from bench.stats import Samples
from tests.support.live_server import live_server
from tests.support.waiting import wait_until
from xborder.api.waiting import WaitingReads
from xborder.bootstrap import Container, bootstrap
from xborder.infra.settings import Settings
from xborder.service import create_app

RESULTS_DIR = Path(__file__).resolve().parent / "results"
JWT_SECRET = "bench-secret-" + "0" * 32
DESTINATION = "500000"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.waiting_reads", description=__doc__)
    parser.add_argument("--reads", type=int, default=200, help="concurrent waiting reads")
    parser.add_argument("--callers", type=int, default=20, help="callers they come from")
    parser.add_argument("--samples", type=int, default=50, help="requests timed per operation and phase")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    date = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    with bench_database(os.environ.get("DATABASE_URL") or None) as database:
        print(f"bench: {database.mode} PostgreSQL {database.server_version}, database {database.name}")
        settings = Settings(
            database_url=database.url,
            kafka_bootstrap_servers=None,
            provinces=PROVINCES,
            run_workers=False,
            jwt_secret=SecretStr(JWT_SECRET),
            data_dir=database.data_dir,
        )
        container = bootstrap(settings)
        try:
            container.start_workers(kinds=["projection"])
            results = _run(container, args)
        finally:
            container.close()
        results = {
            "schema": "xborder.bench.waiting_reads/1",
            "date": date,
            "machine": {"cores": os.cpu_count(), "postgres": database.server_version, "mode": database.mode},
            **results,
        }
    args.output.mkdir(parents=True, exist_ok=True)
    markdown = _markdown(results)
    (args.output / "waiting_reads.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.output / "waiting_reads.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0


class _Bench:
    def __init__(self, container: Container, url: str, http: httpx.Client) -> None:
        self.container = container
        self.url = url
        self.http = http
        self.plates = PlateFactory(seed=8)
        self.owners = 0

    def headers(self, sub: str, province: str, role: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.container.issuer.mint(sub=sub, province=province, role=role)}"
        }

    def apply(self) -> httpx.Response:
        # A new owner each time: the benchmark measures the command, not the per-caller rate limit.
        self.owners += 1
        body = {
            "plate": self.plates.next(ORIGIN).value,
            "vin": VIN,
            "vehicle_type": "small_passenger",
            "use": "non_commercial",
            "owner": {"name": OWNER_NAME, "id_number": OWNER_ID_NUMBER, "phone": OWNER_PHONE},
            "destination_province": DESTINATION,
            "destination_city": CITIES[DESTINATION],
            "residence_proof": "居住证明-bench",
        }
        owner = self.headers(f"bench-owner-{self.owners}", DESTINATION, "owner")
        return self.http.post(f"{self.url}/v1/transfers", json=body, headers=owner)

    def time_each(self, phase: str, n: int, reader: dict[str, str], case_id: str) -> dict[str, Any]:
        operations: dict[str, Callable[[], httpx.Response]] = {
            "GET /healthz": lambda: self.http.get(f"{self.url}/healthz"),
            "GET /v1/transfers/{id}": lambda: self.http.get(
                f"{self.url}/v1/transfers/{case_id}", headers=reader
            ),
            "POST /v1/transfers": self.apply,
        }
        out = {}
        for name, call in operations.items():
            samples = Samples(f"{name} ({phase})")
            for _ in range(n):
                start = time.perf_counter()
                response = call()
                elapsed = time.perf_counter() - start
                if response.status_code >= 300:
                    samples.error(f"{response.status_code} {response.text}")
                else:
                    samples.latencies.append(elapsed)
            out[name] = samples.summary()
        return out


def _run(container: Container, args: argparse.Namespace) -> dict[str, Any]:
    app = create_app(container, run_workers=False)
    waiting: WaitingReads = app.state.waiting_reads
    limits = httpx.Limits(max_connections=args.reads + 50, max_keepalive_connections=args.reads + 50)
    with live_server(app) as url, httpx.Client(limits=limits, timeout=60) as http:
        bench = _Bench(container, url, http)
        created = bench.apply()
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        wait_until(
            lambda: (doc := container.readmodels.get(ORIGIN, UUID(case_id))) and doc["version"] >= 2,
            what="the case in the origin's read model",
        )
        reader = bench.headers("bench-reader", ORIGIN, "vehicle_admin")
        for _ in range(5):  # warm-up: connections, the first queries
            bench.apply()

        print(f"bench: {args.samples} x /healthz, GET, POST with nothing waiting ...", flush=True)
        idle = bench.time_each("idle", args.samples, reader, case_id)

        callers = [bench.headers(f"bench-waiter-{n}", ORIGIN, "vehicle_admin") for n in range(args.callers)]
        query = f"{url}/v1/transfers/{case_id}?min_version=3&wait=10"

        with ThreadPoolExecutor(max_workers=args.reads) as pool:
            reads: list[Future[httpx.Response]] = [
                pool.submit(http.get, query, headers=callers[i % args.callers]) for i in range(args.reads)
            ]
            wait_until(lambda: waiting.total() == args.reads, what=f"{args.reads} reads waiting")
            print(f"bench: the same while {args.reads} reads wait ...", flush=True)
            started = time.perf_counter()
            loaded = bench.time_each(f"{args.reads} reads waiting", args.samples, reader, case_id)
            loaded_for = time.perf_counter() - started
            still_waiting = waiting.total()

            release = http.post(
                f"{url}/v1/transfers/{case_id}/archive-release",
                json={"archive_ref": "ARC-bench"},
                headers=bench.headers("bench-origin", ORIGIN, "vehicle_admin"),
            )
            committed = time.perf_counter()
            assert release.status_code == 200, release.text
            # Measured on the server (a read leaves the count once its version is there): the 200
            # client threads share this process's GIL and would add their own parsing to any figure.
            wait_until(lambda: waiting.total() < args.reads, interval=0.001, what="a waiting read to end")
            first = time.perf_counter() - committed
            wait_until(lambda: waiting.total() == 0, interval=0.001, what="the waiting reads to end")
            released = time.perf_counter() - committed
            answers = [read.result() for read in reads]

    statuses: dict[str, int] = {}
    for answer in answers:
        statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
    return {
        "parameters": {"reads": args.reads, "callers": args.callers, "samples": args.samples},
        "idle": idle,
        "while_waiting": loaded,
        "while_waiting_seconds": round(loaded_for, 3),
        "reads_still_waiting_after": still_waiting,
        "first_released_after_commit_ms": round(first * 1000, 1),
        "all_released_after_commit_ms": round(released * 1000, 1),
        "waiting_read_statuses": statuses,
    }


def _markdown(results: dict[str, Any]) -> str:
    p, machine = results["parameters"], results["machine"]
    lines = [
        "# Waiting reads: latency of everyone else while they wait",
        "",
        f"{results['date']} · {machine['cores']} cores · PostgreSQL {machine['postgres']} "
        f"({machine['mode']}) · `python -m bench.waiting_reads`",
        "",
        f"{p['reads']} reads (`?min_version=N&wait=10`, {p['callers']} callers) wait for a version that "
        f"has not arrived; {p['samples']} sequential requests of each kind are timed before and while "
        "they wait.",
        "",
        "| operation | phase | n | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for phase, key in (("idle", "idle"), (f"{p['reads']} waiting", "while_waiting")):
        for name, s in results[key].items():
            lines.append(
                f"| {name} | {phase} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | "
                f"{s['max_ms']} | {s.get('errors', 0)} |"
            )
    lines += [
        "",
        f"All timed requests took {results['while_waiting_seconds']} s; reads still waiting afterwards: "
        f"{results['reads_still_waiting_after']} of {p['reads']}.",
        "",
        "Then the awaited version was committed (a command). The projection consumer applied it and its "
        "signal woke the watcher: the first read had it "
        f"{results['first_released_after_commit_ms']} ms after the command's answer, all {p['reads']} "
        f"{results['all_released_after_commit_ms']} ms after it (answering 200 reads at once, in a process "
        f"whose {p['reads']} client threads share the GIL with the server). They answered "
        f"{', '.join(f'{n}× {s}' for s, n in sorted(results['waiting_read_statuses'].items()))}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
