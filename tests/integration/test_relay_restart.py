"""Kafka mode under failure: the relay killed mid-stream and restarted, and a relay that re-publishes
what it already published. Every province's read model ends with no duplicate and no gap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from tests.integration.conftest import MakeService
from tests.support.builders import application_for
from tests.support.service import CHUAN, YU, Service
from tests.support.tansu import TansuBroker
from tests.support.waiting import wait_until
from xborder.consumers.relay import RelayPositions
from xborder.domain.actors import Actor, Role
from xborder.workflows.transfer.application import VehicleTransfers

pytestmark = pytest.mark.kafka

ADMIN_YU = Actor("yu-admin", YU, Role.VEHICLE_ADMIN)
ADMIN_CHUAN = Actor("chuan-admin", CHUAN, Role.VEHICLE_ADMIN)


def _record_cases(service: Service, count: int, start: int = 0) -> list[UUID]:
    """Write straight through the Application: the relay, not the API, is under test."""
    transfers = service.container.application(VehicleTransfers)
    ids = []
    for n in range(start, start + count):
        case = transfers.apply_for(application_for(n), actor=ADMIN_YU, at=service.clock.now())
        transfers.release_archive(case.id, f"ARC-{n}", actor=ADMIN_CHUAN, at=service.clock.now())
        ids.append(case.id)
    return ids


def _assert_exactly_once(service: Service, ids: list[UUID]) -> None:
    for case_id in ids:
        expected = service.container.application(VehicleTransfers).get(case_id).version
        for province in (CHUAN, YU):
            doc = service.wait_for_version(province, case_id, expected, timeout=60)
            assert doc["version"] == expected
            assert [h["version"] for h in doc["history"]] == list(range(1, expected + 1)), "duplicate or gap"


def _relay_process(service: Service, broker: TansuBroker, data_dir: Path) -> subprocess.Popen[bytes]:
    settings = service.container.settings
    env = {
        **os.environ,
        "DATABASE_URL": service.container.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "KAFKA_PARTITIONS": str(settings.kafka_partitions),
        "KAFKA_PROVINCE_PARTITIONS": str(settings.kafka_province_partitions),
        "PROVINCES": ",".join(settings.provinces or []),
        "JWT_SECRET": "integration-test-secret-of-at-least-32-bytes",
        "DATA_DIR": str(data_dir),
        "POLL_INTERVAL_SECONDS": "0.05",
        "RELAY_BATCH_SIZE": "1",  # one event per batch: the kill lands between acknowledged batches
    }
    return subprocess.Popen(
        [sys.executable, "-m", "xborder.cli", "relay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_relay_killed_mid_stream_and_restarted(
    make_service: MakeService, broker: TansuBroker, tmp_path: Path
) -> None:
    service = make_service("kafka", workers=False)
    service.container.start_workers(["projection"])  # the relay runs as its own process below
    positions = RelayPositions(service.container.db)
    ids = _record_cases(service, 40)
    total = service.container.application(VehicleTransfers).recorder.max_notification_id()
    assert total == 40 * 3

    relay = _relay_process(service, broker, tmp_path)
    try:
        wait_until(lambda: positions.last("VehicleTransfers") > 0, timeout=60, what="the relay to publish")
        relay.send_signal(signal.SIGKILL)  # no clean shutdown: whatever was in flight is in flight
        relay.wait(timeout=10)
        assert 0 < positions.last("VehicleTransfers") < total, "the kill must land mid-stream"
        more = _record_cases(service, 20, start=40)  # written while no relay runs
        relay = _relay_process(service, broker, tmp_path)
        wait_until(
            lambda: positions.last("VehicleTransfers") == 60 * 3, timeout=60, what="the relay to catch up"
        )
    finally:
        relay.kill()
        relay.wait(timeout=10)
    _assert_exactly_once(service, ids + more)


def test_republished_events_are_applied_once(make_service: MakeService) -> None:
    """A relay that crashed after the broker acknowledged but before recording its position sends the
    same events again; the consumers must recognise and skip every one of them."""
    service = make_service("kafka")
    ids = _record_cases(service, 10)
    _assert_exactly_once(service, ids)
    before = {(p, i): service.doc(p, i) for p in (CHUAN, YU) for i in ids}

    service.container.stop_workers()
    RelayPositions(service.container.db).record("VehicleTransfers", 0)  # forget: publish everything again
    service.container.start_workers()
    wait_until(
        lambda: RelayPositions(service.container.db).last("VehicleTransfers") == 30,
        timeout=60,
        what="the re-publication",
    )
    extra = _record_cases(service, 1, start=10)  # a marker behind the duplicates, per partition order
    _assert_exactly_once(service, ids + extra)
    after = {(p, i): service.doc(p, i) for p in (CHUAN, YU) for i in ids}
    assert after == before
