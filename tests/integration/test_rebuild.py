"""`xborder projections rebuild`: replaying the event store gives exactly the live read model, and the
live consumer carries on in the rebuilt one."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, TRANSFER_BODY, YU, Service
from tests.support.waiting import wait_until
from xborder.projections.rebuild import rebuild_province


def _all_docs(service: Service, province: str) -> dict[str, object]:
    with service.container.db.transaction() as conn:
        rows = conn.execute(
            sql.SQL("SELECT id, doc FROM {}.cases").format(sql.Identifier(f"province_{province}"))
        )
        return {str(r["id"]): r["doc"] for r in rows}


@pytest.mark.parametrize("mode", [pytest.param("kafka", marks=pytest.mark.kafka), "embedded"])
def test_rebuild_equals_the_live_read_model(make_service: MakeService, mode: str, tmp_path: Path) -> None:
    service = make_service(mode)
    owner = service.auth("alice", YU, "owner")
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    ids = []
    for n in range(3):
        body = {**TRANSFER_BODY, "plate": f"川A1234{n}"}
        ids.append(service.client.post("/v1/transfers", json=body, headers=owner).json()["id"])
    service.client.post(f"/v1/transfers/{ids[0]}/archive-release", json={"archive_ref": "A"}, headers=chuan)
    service.wait_for_version(CHUAN, ids[0], 3)
    for case_id in ids[1:]:
        service.wait_for_version(CHUAN, case_id, 2)
    before = _all_docs(service, CHUAN)

    settings = service.container.settings
    env = {
        **os.environ,
        "DATABASE_URL": service.container.database_url,
        "PROVINCES": ",".join(settings.provinces or []),
        "JWT_SECRET": "integration-test-secret-of-at-least-32-bytes",
        "DATA_DIR": str(tmp_path),
    }
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)  # a rebuild reads the event store, never Kafka
    result = subprocess.run(
        [sys.executable, "-m", "xborder.cli", "projections", "rebuild", "--province", CHUAN],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{CHUAN}: rebuilt from 7 events (7 applied)"
    assert _all_docs(service, CHUAN) == before

    # The live consumer (still running) meets the swapped tables, rewinds, and carries on there.
    released = service.client.post(
        f"/v1/transfers/{ids[1]}/archive-release", json={"archive_ref": "B"}, headers=chuan
    )
    assert released.status_code == 200
    doc = service.wait_for_version(CHUAN, ids[1], 3, timeout=60)
    assert doc == service.wait_for_version(YU, ids[1], 3)
    assert [h["version"] for h in doc["history"]] == [1, 2, 3]


def test_a_rebuild_shared_among_processes_under_live_commands_ends_as_one_process_rebuilds(
    make_service: MakeService,
) -> None:
    """Its forks are taken from a process whose workers and API are running (threads holding pools),
    while commands keep coming: the shares use connections of their own, what was recorded meanwhile
    is caught up before the swap, and the live consumer carries on in the swapped-in read model."""
    service = make_service(provinces=[CHUAN, YU])
    container = service.container
    before = [service.apply_for_transfer(f"川A8{n:04d}") for n in range(12)]
    for case in before:
        service.wait_for_version(CHUAN, case["id"], case["version"])
    during: list[dict[str, Any]] = []
    rebuilt = threading.Event()

    def keep_applying() -> None:
        while not rebuilt.is_set() or len(during) < 3:
            during.append(service.apply_for_transfer(f"川B8{len(during):04d}"))

    applying = threading.Thread(target=keep_applying)
    applying.start()
    wait_until(lambda: len(during) >= 1, timeout=10, what="commands flowing")
    try:
        shared = rebuild_province(
            container.readmodels, container.log_sources(), CHUAN, batch_size=3, processes=2
        )
    finally:
        rebuilt.set()
        applying.join()
    assert shared.processes == 2

    for case in before + during:
        for province in (CHUAN, YU):
            service.wait_for_version(province, case["id"], case["version"])
    live = _all_docs(service, CHUAN)
    assert len(live) == len(before) + len(during)
    alone = rebuild_province(container.readmodels, container.log_sources(), CHUAN, processes=1)
    assert alone.processes == 1
    assert _all_docs(service, CHUAN) == live
