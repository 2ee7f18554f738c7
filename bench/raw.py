"""The raw component: the `eventsourcing` library alone, saving aggregates like a transfer application.

A command/s figure from a shared 2-core machine means little by itself: it moves with the CPU model,
the other work on the machine and PostgreSQL's mood. The library saving equivalent aggregates to the
same server, from as many threads, for the same time, moves with all of those too, so xborder's figure
divided by this one is what holds from run to run and machine to machine: the share of the storage
layer's capacity the service turns into commands.

"Equivalent" means: two events per aggregate (xborder's application is TransferApplied +
ArchiveRequested, saved in one transaction), a payload of similar size and shape (plate, VIN, owner,
provinces, actor, a due date), and the library configured as xborder configures it
(`xborder.infra.postgres.database.eventsourcing_env`: pool of 5 plus 5 overflow, no database
functions, pre-ping), except xborder's own recorder subclass. The library's own application recorder
takes the same table lock per transaction that orders notifications.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.bodies import application_for
from bench.machine import CpuMeter, load_average
from bench.stats import Samples
from xborder.infra.postgres.database import eventsourcing_env

POOL_SIZE = 5  # as xborder's eventsourcing_env gives its Applications


class RawTransfer(Aggregate):
    """A transfer application as a plain library aggregate: no rules, no routing, no read models."""

    @event("Applied")
    def __init__(
        self,
        plate: str,
        vin: str,
        owner: dict[str, str],
        provinces: list[str],
        destination_city: str,
        residence_proof: str,
        actor: dict[str, str],
    ) -> None:
        self.plate = plate
        self.vin = vin
        self.owner = owner
        self.provinces = provinces
        self.destination_city = destination_city
        self.residence_proof = residence_proof
        self.actor = actor
        self.due: str | None = None

    @event("ArchiveRequested")
    def request_archive(self, actor: dict[str, str], due: str) -> None:
        self.due = due


class RawTransfers(Application[Any]):
    name = "RawTransfers"


def library_env(database_url: str) -> dict[str, str]:
    """xborder's own configuration of the library (pools, no database functions, pre-ping), with the
    library's plain recorder instead of xborder's (no idempotency record, no routes)."""
    env = eventsourcing_env(database_url, pool_size=POOL_SIZE)
    del env["APPLICATION_RECORDER_TOPIC"]
    return env | {"CREATE_TABLE": "yes"}


def raw_transfer(serial: int) -> RawTransfer:
    application = application_for(serial)
    body = application.body
    now = datetime.now(UTC)
    actor = {"sub": f"bench-owner-{application.destination.code}", "province": application.destination.code}
    transfer = RawTransfer(
        plate=body["plate"],
        vin=body["vin"],
        owner=body["owner"],
        provinces=sorted([application.origin.code, application.destination.code]),
        destination_city=body["destination_city"],
        residence_proof=body["residence_proof"],
        actor=actor | {"role": "owner"},
    )
    transfer.request_archive(actor | {"role": "vehicle_admin"}, (now + timedelta(days=2)).isoformat())
    return transfer


def raw_throughput(
    database_url: str, *, threads: int, warmup_s: float, duration_s: float, meter: CpuMeter
) -> dict[str, Any]:
    """`threads` threads create and save RawTransfers back to back; aggregates/s over `duration_s`."""
    app = RawTransfers(env=library_env(database_url))
    counter = iter(range(10**9))
    counter_lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)
    window: dict[str, float] = {}
    logs: list[Samples] = [Samples(f"save-{n}") for n in range(threads)]

    def worker(samples: Samples) -> None:
        barrier.wait()
        measure_from, until = window["from"], window["until"]
        while (start := time.perf_counter()) < until:
            with counter_lock:
                serial = next(counter)
            try:
                app.save(raw_transfer(serial))
            except Exception as error:  # noqa: BLE001 — counted and reported, the run goes on
                if start >= measure_from:
                    samples.error(repr(error))
                continue
            if start >= measure_from:
                samples.latencies.append(time.perf_counter() - start)

    workers = [threading.Thread(target=worker, args=(s,), daemon=True) for s in logs]
    for thread in workers:
        thread.start()
    try:
        load_before = load_average()
        begin = time.perf_counter()
        window["from"] = begin + warmup_s
        window["until"] = begin + warmup_s + duration_s
        barrier.wait()
        time.sleep(max(0.0, window["from"] - time.perf_counter()))
        meter.start()
        time.sleep(max(0.0, window["until"] - time.perf_counter()))
        for thread in workers:
            thread.join()
        # Before closing the pool: the meter finds PostgreSQL's backends by their connections.
        cpu = meter.stop(sum(len(s.latencies) for s in logs))
    finally:
        app.close()
    merged = Samples("save")
    for samples in logs:
        merged.latencies += samples.latencies
        merged.errors += samples.errors
        merged.first_error = merged.first_error or samples.first_error
    saved = len(merged.latencies)
    summary = merged.summary()
    return {
        "threads": threads,
        "warmup_s": warmup_s,
        "duration_s": duration_s,
        "aggregates": saved,
        "aggregates_per_s": round(saved / duration_s, 1),
        "events_per_aggregate": 2,
        "latency": summary,
        "errors": merged.errors,
        "first_error": merged.first_error,
        "cpu": cpu,
        "load_average_1m": {"start": load_before, "end": load_average()},
    }
