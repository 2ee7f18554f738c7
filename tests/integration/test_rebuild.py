"""`xborder projections rebuild`: replaying the event store gives exactly the live read model, and the
live consumer carries on in the rebuilt one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg import sql

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, TRANSFER_BODY, YU, Service


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
