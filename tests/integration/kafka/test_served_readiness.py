"""`xborder serve` through Kafka answers /readyz 200 only once its workers' process reports every worker
ready — its consumer given its delivery topics by the group — so a command made as soon as it is ready
is visible in both provinces at once, not after the group's join (a broker may take seconds: Tansu
holds a join for the whole rebalance timeout). Before, /readyz counted only the API process's own
listener, and reads of the first commands waited five seconds and more."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.served import bearer, xborder_serve
from tests.support.service import CHUAN, TRANSFER_BODY, YU
from tests.support.tansu import TansuBroker
from xborder.consumers.status_file import WORKERS_PROCESS


def test_ready_means_a_command_is_delivered_at_once(
    database_url: str, broker: TansuBroker, tmp_path: Path
) -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers}  # all 31 provinces, as `make run`
    with xborder_serve(database_url, tmp_path, env) as url, httpx.Client(base_url=url, timeout=30) as http:
        ready = http.get("/readyz").json()
        assert ready["status"] == "ready" and ready["mode"] == "kafka"
        workers = {worker["name"]: worker for worker in ready["workers"]}
        # The workers' process's own workers are listed and ready, not only this process's listener.
        assert WORKERS_PROCESS not in workers
        assert any(name.startswith("relay") for name in workers), sorted(workers)
        assert all(worker["running"] and worker["ready"] for worker in workers.values()), workers

        answer = http.post("/v1/transfers", json=TRANSFER_BODY, headers=bearer("alice", YU, "owner"))
        assert answer.status_code == 201, answer.text
        case_id, version = answer.json()["id"], answer.json()["version"]
        for province in (CHUAN, YU):
            read = http.get(
                f"/v1/transfers/{case_id}?min_version={version}&wait=2",
                headers=bearer(f"clerk-{province}", province, "vehicle_admin"),
            )
            assert read.status_code == 200, (province, read.status_code, read.text)
            assert read.json()["version"] >= version
