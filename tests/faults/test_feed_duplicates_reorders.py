"""Duplicated and reordered deliveries injected into each province's feed (in-process, no broker): the
read models built through a `ChaosFeed` (tests/support/chaos_feed.py) equal those of a fault-free run
over the same event store — the same cases, versions and documents. A reorder the design does not
absorb (a case's next version before the one it follows) stops the consumer loudly on the gap, with
nothing of the batch applied, and /readyz names it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from tests.faults.oracle import Counts
from tests.faults.summary import Summary
from tests.integration.test_hit_and_run_scenario import CASE_BODY
from tests.support.builders import plate_for
from tests.support.chaos_feed import ChaosFeed
from tests.support.fault_service import PROVINCES, fault_settings
from tests.support.net_oracle import applied_per_province, event_count, read_model, store_cases
from tests.support.postgres import fresh_database
from tests.support.service import TRANSFER_BODY
from xborder.bootstrap import Container, bootstrap
from xborder.consumers.projection import ProjectionConsumer
from xborder.infra.feeds import FeedRecord
from xborder.projections.store import ApplyResult
from xborder.service import create_app

CHUAN, YU, HU = "510000", "500000", "310000"
PLATE_PREFIX = {CHUAN: "川A", YU: "渝A", HU: "沪A"}
ROUTES = ((CHUAN, YU), (CHUAN, HU), (HU, CHUAN), (YU, HU), (HU, YU))
CHAOS = "province_{}_chaos"

Model = dict[UUID, tuple[int, dict[str, Any]]]


class CountingConsumer(ProjectionConsumer):
    """The product's consumer, counting the re-deliveries it skipped."""

    skipped = 0

    def _apply(self, records: Sequence[FeedRecord]) -> ApplyResult:
        result = super()._apply(records)
        self.skipped += result.duplicates
        return result


@pytest.fixture
def container(pg_admin_url: str, tmp_path: Path) -> Iterator[Container]:
    with fresh_database(pg_admin_url, prefix="xbfeed") as url:
        built = bootstrap(fault_settings(url, tmp_path))
        try:
            yield built
        finally:
            built.close()


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def _write_cases(container: Container, transfers: int = 15) -> None:
    """Transfers along every route, each taken a different number of steps, and hit-and-runs that 上海
    joins late (catch-up replays): a store with cases of one to six versions in all three provinces."""

    def auth(sub: str, province: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {container.issuer.mint(sub=sub, province=province, role=role)}"}

    with TestClient(create_app(container, run_workers=False)) as client:
        for n in range(transfers):
            origin, destination = ROUTES[n % len(ROUTES)]
            body = {
                **TRANSFER_BODY,
                "plate": plate_for(7000 + n, PLATE_PREFIX[origin]),
                "destination_province": destination,
            }
            case = _ok(client.post("/v1/transfers", json=body, headers=auth("o", destination, "owner")), 201)[
                "id"
            ]
            here, there = auth("va", destination, "vehicle_admin"), auth("va", origin, "vehicle_admin")
            steps = [
                (there, "archive-release", {"archive_ref": f"ARC-{n}"}),
                (here, "archive-verification", {"accepted": True}),
                (here, "inspection", {"passed": True, "evidence": [f"VIN-RUB-{n}"]}),
                (here, "registration", {"new_plate": plate_for(8000 + n, PLATE_PREFIX[destination])}),
            ]
            for headers, action, payload in steps[: n % (len(steps) + 1)]:
                _ok(client.post(f"/v1/transfers/{case}/{action}", json=payload, headers=headers))
        chuan = auth("inv", CHUAN, "investigator")
        for _ in range(2):
            case = _ok(client.post("/v1/hit-and-runs", json=CASE_BODY, headers=chuan), 201)["id"]
            _ok(
                client.post(
                    f"/v1/hit-and-runs/{case}/assistance-requests", json={"targets": [YU]}, headers=chuan
                )
            )
            yu = auth("inv", YU, "investigator")
            _ok(client.post(f"/v1/hit-and-runs/{case}/acknowledgements", json={}, headers=yu))
            _ok(
                client.post(
                    f"/v1/hit-and-runs/{case}/assistance-requests", json={"targets": [HU]}, headers=chuan
                )
            )


def _drain(consumer: ProjectionConsumer, feed: ChaosFeed | None = None) -> None:
    """Step the consumer in this thread until its feed has nothing more (deterministic: no threads)."""
    idle = 0
    for _ in range(10_000):
        before = consumer.applied
        consumer.step()
        quiet = consumer.applied == before and (feed is None or feed.drained)
        idle = idle + 1 if quiet else 0
        if idle >= 3:
            return
    raise AssertionError(f"{consumer.name} never drained its feed")


def _chaos_consumer(container: Container, code: str, rng: random.Random, **chaos: Any) -> CountingConsumer:
    readmodels = container.readmodels.with_schemas(CHAOS.format)
    readmodels.ensure_schema(code)
    inner = container.province_feed(code, load_positions=lambda: readmodels.load_positions(code))
    return CountingConsumer(code, ChaosFeed(inner, rng, **chaos), readmodels, poll_timeout=0)


def test_duplicated_and_reordered_deliveries_change_nothing(
    container: Container, seed: int, summary: Summary
) -> None:
    with summary.scenario("feed: duplicated and reordered deliveries (in-process, embedded feed)") as row:
        _write_cases(container)
        url = container.database_url

        # The fault-free run: the product's own consumers on the product's own feeds.
        reference: dict[str, Model] = {}
        for code in PROVINCES:
            _drain(
                ProjectionConsumer(code, container.province_feed(code), container.readmodels, poll_timeout=0)
            )
            reference[code] = read_model(url, code)

        rng = random.Random(seed)
        chaotic: dict[str, Model] = {}
        feeds: dict[str, ChaosFeed] = {}
        skipped: dict[str, int] = {}
        for code in PROVINCES:
            consumer = _chaos_consumer(container, code, rng)
            assert isinstance(consumer.feed, ChaosFeed)
            feeds[code] = consumer.feed
            _drain(consumer, consumer.feed)
            assert consumer.error is None and consumer.parked == 0
            chaotic[code] = read_model(url, code, schema=CHAOS.format(code))
            skipped[code] = consumer.skipped

        # The faults were there: copies, swaps and rewinds in every province.
        for code, feed in feeds.items():
            counts = feed.counts
            assert counts.copies > 0 and counts.swaps > 0, (code, counts)
            # Every copy handed over was skipped as a re-delivery, nothing else was.
            assert skipped[code] == counts.copies, (code, skipped[code], counts.copies)
        assert sum(feed.counts.late_copies for feed in feeds.values()) > 0
        assert sum(feed.counts.rewinds for feed in feeds.values()) > 0

        # The oracle: the same cases, versions and documents as the fault-free run, and those the store's.
        cases = store_cases(container)
        for code in PROVINCES:
            assert chaotic[code] == reference[code], f"{code}: the read model differs from the fault-free run"
            expected = {case_id: case.version for case_id, case in cases.items() if code in case.provinces}
            assert {case_id: version for case_id, (version, _) in chaotic[code].items()} == expected
        assert all(reference[code] for code in PROVINCES)

        applied = applied_per_province(chaotic)
        row.counts = Counts(
            written=event_count(container),
            delivered={code: feeds[code].counts.handed for code in PROVINCES},
            applied=applied,
            duplicates={code: feeds[code].counts.copies for code in PROVINCES},
            losses=sum(max(0, applied_per_province(reference)[code] - applied[code]) for code in PROVINCES),
        )
        row.notes = "delivered: records handed by the test's feed, copies included; " + ", ".join(
            f"{code}: {c.redelivered} re-delivered, {c.duplicated} duplicated, {c.late_copies} late copies,"
            f" {c.swaps} swaps, {c.rewinds} rewinds, {skipped[code]} skipped"
            for code, c in ((code, feeds[code].counts) for code in PROVINCES)
        )


def test_a_case_version_delivered_before_its_predecessor_stops_the_consumer(container: Container) -> None:
    """The reorder the design does not absorb: the consumer stops on the gap (docs/decisions.md,
    "Consumers"), its batch rolled back, and /readyz says which consumer and why."""
    _write_cases(container, transfers=3)
    consumer = _chaos_consumer(
        container, YU, random.Random(0), max_batch=50, redeliver=0, duplicate=0, swap=0, late_copy=0, rewind=0
    )
    assert isinstance(consumer.feed, ChaosFeed)
    consumer.feed.invert_next_pair()
    container.workers.append(consumer)
    consumer.start()
    consumer.join(30)
    assert not consumer.running
    assert consumer.feed.counts.inverted == 1
    assert consumer.error is not None and consumer.error.startswith("FatalWorkerError"), consumer.error
    assert "got version" in consumer.error
    assert consumer.applied == 0
    assert read_model(container.database_url, YU, schema=CHAOS.format(YU)) == {}  # nothing of the batch
    with TestClient(create_app(container, run_workers=False)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    stopped = [w for w in ready.json()["workers"] if w["name"] == f"projection-{YU}"]
    assert stopped and "got version" in stopped[0]["error"]
