"""Deadlines with a moved clock: the watcher records ...Overdue (and the lapse), and both provinces
see it; reads never infer overdue-ness on their own."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, TRANSFER_BODY, YU
from xborder.workflows.transfer.application import VehicleTransfers


@pytest.mark.parametrize("mode", [pytest.param("kafka", marks=pytest.mark.kafka), "embedded"])
def test_overdue_archive_release_then_lapse(make_service: MakeService, mode: str) -> None:
    service = make_service(mode)
    clock = service.clock
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    case_id = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=yu).json()["id"]
    doc = service.wait_for_version(CHUAN, case_id, 2)
    assert doc["deadlines"] == {"archive_release": {"due": "2026-11-24T23:59:59+08:00", "overdue": False}}

    clock.set(datetime.fromisoformat("2026-11-24T23:59:00+08:00"))  # type: ignore[attr-defined]
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")  # tokens live 8 hours on this clock too
    inbox = service.client.get("/v1/inbox", headers=chuan).json()["items"]
    assert [(i["case_id"], i["action"], i["overdue"]) for i in inbox] == [
        (case_id, "release_or_refuse_archive", False)
    ]

    clock.set(datetime.fromisoformat("2026-11-25T00:00:01+08:00"))  # type: ignore[attr-defined]
    for province in (CHUAN, YU):
        doc = service.wait_for_version(province, case_id, 3)
        assert doc["deadlines"]["archive_release"]["overdue"] is True
        assert doc["history"][-1]["type"] == "ArchiveReleaseOverdue"
        assert doc["history"][-1]["actor"]["role"] == "system"
    assert service.doc(CHUAN, case_id) == service.doc(YU, case_id)
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    inbox = service.client.get("/v1/inbox", headers=chuan).json()["items"]
    assert [(i["case_id"], i["overdue"]) for i in inbox] == [(case_id, True)]

    # Late is still allowed: the release closes the overdue clock and starts verification and lapse.
    released = service.client.post(
        f"/v1/transfers/{case_id}/archive-release", json={"archive_ref": "A"}, headers=chuan
    )
    assert released.json()["version"] == 4
    doc = service.wait_for_version(YU, case_id, 4)
    assert doc["deadlines"] == {
        "archive_verification": {"due": "2026-11-26T23:59:59+08:00", "overdue": False},
        "transfer_lapse": {"due": "2026-12-25T23:59:59+08:00", "overdue": False},
    }

    # 30 calendar days pass without registration: verification overdue first, then the lapse.
    clock.set(datetime.fromisoformat("2026-12-26T09:00:00+08:00"))  # type: ignore[attr-defined]
    for province in (CHUAN, YU):
        doc = service.wait_for_version(province, case_id, 6)
        assert doc["status"] == "lapsed"
        assert [h["type"] for h in doc["history"][-2:]] == ["ArchiveVerificationOverdue", "TransferLapsed"]
        assert doc["deadlines"] == {}
    assert service.container.application(VehicleTransfers).get(case_id).status == "lapsed"
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    refused = service.client.post(
        f"/v1/transfers/{case_id}/archive-verification", json={"accepted": True}, headers=yu
    )
    assert refused.status_code == 409
