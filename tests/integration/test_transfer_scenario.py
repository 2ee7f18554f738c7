"""The 川→渝 transfer through HTTP, in Kafka mode and in embedded mode: both provinces' read models
show every step with the same status and version, and a third province sees nothing."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import sql

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, Service

MODES = [pytest.param("kafka", marks=pytest.mark.kafka), "embedded"]


def _post(
    service: Service, path: str, headers: dict[str, str], body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    response = service.client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'
    result: dict[str, Any] = response.json()
    return result


def _assert_same_everywhere(service: Service, case_id: str, version: int, status: str) -> None:
    chuan = service.wait_for_version(CHUAN, case_id, version)
    yu = service.wait_for_version(YU, case_id, version)
    assert chuan == yu, "both provinces must hold the identical case document"
    assert (chuan["version"], chuan["status"]) == (version, status)
    assert [h["version"] for h in chuan["history"]] == list(range(1, version + 1))


@pytest.mark.parametrize("mode", MODES)
def test_transfer_from_sichuan_to_chongqing(make_service: MakeService, mode: str) -> None:
    service = make_service(mode)
    owner = service.auth("alice", YU, "owner")
    yu_admin = service.auth("yu-admin", YU, "vehicle_admin")
    chuan_admin = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    hu_admin = service.auth("hu-admin", HU, "vehicle_admin")

    created = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert created.headers["Location"] == f"/v1/transfers/{case_id}"
    assert created.json() == {"id": case_id, "version": 2, "status": "archive_requested"}
    _assert_same_everywhere(service, case_id, 2, "archive_requested")

    # The origin sees it as origin, with its archive deadline (Fri 15:00 + 2 working days = Tue).
    seen_by_chuan = service.client.get(f"/v1/transfers/{case_id}?min_version=2&wait=10", headers=chuan_admin)
    assert seen_by_chuan.status_code == 200
    view = seen_by_chuan.json()
    assert {p["code"]: p["role"] for p in view["provinces"]} == {CHUAN: "origin", YU: "destination"}
    assert view["deadlines"] == [
        {"name": "archive_release", "due": "2026-11-24T23:59:59+08:00", "overdue": False}
    ]
    assert view["owner"]["id_number"] == "11010519491231002X"  # vehicle administration needs it in clear

    steps = [
        (chuan_admin, "archive-release", {"archive_ref": "ARC-510-2026-0001"}, 3, "archive_released"),
        (yu_admin, "archive-verification", {"accepted": True, "reason": ""}, 4, "archive_verified"),
        (
            yu_admin,
            "inspection",
            {"passed": True, "reasons": [], "evidence": ["VIN-RUBBING-1", "PHOTO-1"]},
            5,
            "inspected",
        ),
        (yu_admin, "registration", {"new_plate": "渝A88888"}, 6, "registered"),
    ]
    for headers, action, body, version, status in steps:
        result = _post(service, f"/v1/transfers/{case_id}/{action}", headers, body)
        assert result == {"id": case_id, "version": version, "status": status}
        _assert_same_everywhere(service, case_id, version, status)

    final = service.client.get(f"/v1/transfers/{case_id}", headers=yu_admin).json()
    assert final["new_plate"] == "渝A88888"
    assert final["deadlines"] == []
    assert [h["type"] for h in final["history"]] == [
        "TransferApplied",
        "ArchiveRequested",
        "ArchiveReleased",
        "ArchiveVerified",
        "VehicleInspected",
        "TransferRegistered",
    ]

    # 沪 is not involved: 404 like a missing case, and nothing at all in its read model.
    response = service.client.get(f"/v1/transfers/{case_id}", headers=hu_admin)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "case.not_found"
    with service.container.db.transaction() as conn:
        count = conn.execute(sql.SQL("SELECT count(*) AS n FROM province_310000.cases")).fetchone()
    assert count is not None and count["n"] == 0


@pytest.mark.parametrize("mode", MODES)
def test_origin_refuses_with_reasons(make_service: MakeService, mode: str) -> None:
    service = make_service(mode)
    owner = service.auth("bob", YU, "owner")
    chuan_admin = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    case_id = _post(service, "/v1/transfers", owner, TRANSFER_BODY, status=201)["id"]
    result = _post(
        service,
        f"/v1/transfers/{case_id}/refusal",
        chuan_admin,
        {"reasons": ["unresolved_violations", "sealed_or_seized"], "detail": "两起未处理违法"},
    )
    assert result["status"] == "refused"
    _assert_same_everywhere(service, case_id, 3, "refused")
    doc = service.client.get(f"/v1/transfers/{case_id}", headers=owner).json()
    assert doc["refusal"] == {
        "reasons": ["sealed_or_seized", "unresolved_violations"],
        "detail": "两起未处理违法",
    }
    assert doc["deadlines"] == []


def test_owner_sees_own_cases_only_and_others_are_masked(make_service: MakeService) -> None:
    service = make_service("embedded")
    alice = service.auth("alice", YU, "owner")
    mallory = service.auth("mallory", YU, "owner")
    police = service.auth("cop", CHUAN, "traffic_police")
    case_id = _post(service, "/v1/transfers", alice, TRANSFER_BODY, status=201)["id"]
    service.wait_for_version(YU, case_id, 2)
    service.wait_for_version(CHUAN, case_id, 2)

    assert (
        service.client.get(f"/v1/transfers/{case_id}", headers=alice).json()["owner"]["phone"]
        == "13812345678"
    )
    assert service.client.get(f"/v1/transfers/{case_id}", headers=mallory).status_code == 404
    assert service.client.get("/v1/transfers", headers=mallory).json() == {"items": [], "next_page": None}
    assert [c["id"] for c in service.client.get("/v1/transfers", headers=alice).json()["items"]] == [case_id]

    masked = service.client.get(f"/v1/transfers/{case_id}", headers=police).json()["owner"]
    assert masked == {"name": "张*", "id_number": "1101**********002X", "phone": "138****5678"}

    # Someone else's owner token cannot withdraw it either.
    response = service.client.post(
        f"/v1/transfers/{case_id}/withdrawal", json={"reason": "x"}, headers=mallory
    )
    assert response.status_code == 404
    assert (
        _post(service, f"/v1/transfers/{case_id}/withdrawal", alice, {"reason": "changed my mind"})["status"]
        == "withdrawn"
    )


def test_read_your_writes_answers_202_when_the_version_has_not_arrived(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)  # nothing projects: the version can never arrive
    owner = service.auth("alice", YU, "owner")
    case_id = _post(service, "/v1/transfers", owner, TRANSFER_BODY, status=201)["id"]
    response = service.client.get(f"/v1/transfers/{case_id}?min_version=2&wait=0.2", headers=owner)
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "1"
    assert response.json()["version"] == 0
    # without min_version too: the case exists and the caller will see it, so not 404 but "not yet"
    pending = service.client.get(f"/v1/transfers/{case_id}", headers=owner)
    assert (pending.status_code, pending.headers["Retry-After"]) == (202, "1")
    assert (
        service.client.get(f"/v1/transfers/{case_id}", headers=service.auth("b", YU, "owner")).status_code
        == 404
    )
