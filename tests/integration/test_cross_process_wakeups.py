"""The API and the workers in separate processes (as `xborder serve` runs them) wake each other through
PostgreSQL LISTEN/NOTIFY, not by polling: with the workers' poll interval set to a minute, a command
answered by this process is applied by the workers' process while a read here waits (at most 10 s) for
it, and this process's waiting reads were woken by the other process's announcements.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import MakeService
from tests.support.processes import stop_gracefully
from tests.support.service import CHUAN, TRANSFER_BODY, YU

XBORDER = Path(sys.executable).parent / "xborder"
SLOW_POLL = "60"  # seconds: anything that arrives sooner was woken, not polled


@pytest.fixture
def workers_apart(database_url: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS",)}
    env |= {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "workers"),
        "PROVINCES": f"{CHUAN},{YU}",
        "POLL_INTERVAL_SECONDS": SLOW_POLL,
        "IDLE_POLL_SECONDS": SLOW_POLL,
        "JWT_SECRET": "integration-test-secret-of-at-least-32-bytes",
    }
    log = (tmp_path / "work.log").open("wb")
    process = subprocess.Popen([str(XBORDER), "work"], env=env, stdout=log, stderr=log)
    try:
        yield process
    finally:
        stop_gracefully(process)
        log.close()


def test_a_command_here_is_applied_there_and_wakes_the_read_waiting_here(
    make_service: MakeService, workers_apart: subprocess.Popen[bytes]
) -> None:
    # This process: the API and its listener only, polling nothing in under a minute.
    service = make_service(
        "embedded",
        workers=False,
        provinces=[CHUAN, YU],
        poll_interval_seconds=float(SLOW_POLL),
        read_wait_poll_seconds=5.0,
    )
    service.container.start_workers(["listener"])
    owner = service.auth("alice", YU, "owner")
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    # the workers' process has started and listens once a first case reaches both read models
    first = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert first.status_code == 201, first.text
    service.wait_for_version(CHUAN, first.json()["id"], 2, timeout=90)

    created = service.client.post("/v1/transfers", json={**TRANSFER_BODY, "plate": "川A54321"}, headers=owner)
    assert created.status_code == 201, created.text
    case_id, version = created.json()["id"], created.json()["version"]
    read = service.client.get(f"/v1/transfers/{case_id}?min_version={version}&wait=10", headers=chuan)
    assert read.status_code == 200, read.text  # applied there, woken by this process's save
    assert workers_apart.poll() is None
    # nothing projects here: only the other process's announcements can have signalled these reads
    signals = service.container.readmodel_signals
    assert signals.generation(CHUAN) > 0 and signals.generation(YU) > 0
    (listener,) = service.container.workers
    assert listener.name == "listener" and listener.heard > 0  # type: ignore[attr-defined]
