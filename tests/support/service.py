"""The whole service wired for a test: real PostgreSQL, optionally a real broker, HTTP in-process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from tests.support.waiting import wait_until
from xborder.bootstrap import Container
from xborder.infra.clock import Clock
from xborder.service import create_app

CHUAN, YU, HU, ZHE = "510000", "500000", "310000", "330000"

TRANSFER_BODY: dict[str, Any] = {
    "plate": "川A12345",
    "vin": "1M8GDM9AXKP042788",
    "vehicle_type": "small_passenger",
    "use": "non_commercial",
    "owner": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
    "destination_province": YU,
    "destination_city": "重庆市渝北区",
    "residence_proof": "RP-2026-0001",
    "mortgagee": None,
}


@dataclass
class Service:
    container: Container
    client: TestClient
    clock: Clock

    def auth(self, sub: str, province: str, role: str, org: str | None = None) -> dict[str, str]:
        token = self.container.issuer.mint(sub=sub, province=province, role=role, org=org)
        return {"Authorization": f"Bearer {token}"}

    def doc(self, province: str, case_id: str | UUID) -> dict[str, Any] | None:
        return self.container.readmodels.get(province, UUID(str(case_id)))

    def wait_for_version(
        self, province: str, case_id: str | UUID, version: int, timeout: float = 30.0
    ) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            doc = self.doc(province, case_id)
            return doc if doc is not None and doc["version"] >= version else None

        return wait_until(reached, timeout=timeout, what=f"{case_id} v{version} in {province}")

    def apply_for_transfer(self, plate: str) -> dict[str, Any]:
        """An owner's transfer application of `plate` to 重庆, answered 201."""
        response = self.client.post(
            "/v1/transfers", json={**TRANSFER_BODY, "plate": plate}, headers=self.auth("alice", YU, "owner")
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def parked_letters(self, consumer: str, count: int = 1) -> list[Any]:
        """The consumer's parked dead letters, once there are at least `count` of them."""

        def enough() -> list[Any] | None:
            letters = self.container.dead_letters.list(consumer=consumer)
            return letters if len(letters) >= count else None

        return wait_until(enough, timeout=30, what=f"{count} dead letter(s) of {consumer}")

    def event_count(self) -> int:
        total = 0
        for app in self.container.applications.values():
            total += app.recorder.max_notification_id() or 0
        return total


def make_app_client(container: Container) -> TestClient:
    return TestClient(create_app(container, run_workers=False))
