"""The 川/浙 objection through HTTP in Kafka and embedded mode; the review overdue with a moved clock;
and the vehicle hold an open objection puts on transfers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from psycopg import sql

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, TRANSFER_BODY, YU, ZHE, Service

MODES = [pytest.param("kafka", marks=pytest.mark.kafka), "embedded"]

OBJECTION_BODY: dict[str, Any] = {
    "recording_province": ZHE,
    "violation": {
        "record_number": "3301062026110012345",
        "plate": "川A12345",
        "occurred_at": "2026-11-12T08:31:00+08:00",
        "place": "杭州市西湖区文三路与学院路口",
        "code": "1625",
        "fine": 200,
        "points": 6,
        "penalty_decided": True,
    },
    "ground": "stolen_or_cloned",
    "ground_detail": "车辆当时停放在成都, 有停车记录",
    "police_report_number": "JJ510104202611100031",
    "party": {"name": "李四", "id_number": "11010519491231002X", "phone": "13912345678"},
    "evidence": ["PARKING-RECEIPT-1"],
}


def _provinces(**extra: object) -> dict[str, object]:
    return {"provinces": [CHUAN, YU, ZHE, "310000"], **extra}


def _command(
    service: Service, case_id: str, action: str, headers: dict[str, str], body: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = service.client.post(
        f"/v1/objections/{case_id}/{action}", json=body if body is not None else {}, headers=headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _same_in_both(service: Service, case_id: str, version: int, status: str) -> dict[str, Any]:
    chuan = service.wait_for_version(CHUAN, case_id, version)
    zhe = service.wait_for_version(ZHE, case_id, version)
    assert chuan == zhe
    assert (chuan["version"], chuan["status"]) == (version, status)
    return chuan


@pytest.mark.parametrize("mode", MODES)
def test_objection_upheld_revokes_the_penalty_and_refunds(make_service: MakeService, mode: str) -> None:
    service = make_service(mode, **_provinces())
    driver = service.auth("driver-li", CHUAN, "owner")
    chuan_police = service.auth("chuan-police", CHUAN, "traffic_police")
    zhe_police = service.auth("zhe-police", ZHE, "traffic_police")

    created = service.client.post("/v1/objections", json=OBJECTION_BODY, headers=driver)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert created.json() == {"id": case_id, "version": 2, "status": "forwarded"}
    doc = _same_in_both(service, case_id, 2, "forwarded")
    assert doc["deadlines"] == {"objection_review": {"due": "2026-11-27T23:59:59+08:00", "overdue": False}}

    view = service.client.get(f"/v1/objections/{case_id}?min_version=2&wait=10", headers=zhe_police).json()
    assert {p["code"]: p["role"] for p in view["provinces"]} == {CHUAN: "handling", ZHE: "recording"}
    assert view["recording_province_name"] == "浙江省"
    assert view["party"]["id_number"] == "11010519491231002X"
    inbox = service.client.get("/v1/inbox", headers=zhe_police).json()["items"]
    assert [(i["case_id"], i["action"]) for i in inbox] == [(case_id, "start_review")]

    assert _command(service, case_id, "review", zhe_police)["status"] == "under_review"
    assert (
        _command(service, case_id, "evidence-requests", zhe_police, {"request": "请调取成都停车场监控"})[
            "status"
        ]
        == "evidence_requested"
    )
    _same_in_both(service, case_id, 4, "evidence_requested")
    assert [i["action"] for i in service.client.get("/v1/inbox", headers=chuan_police).json()["items"]] == [
        "supply_evidence"
    ]
    supplied = _command(
        service, case_id, "evidence", chuan_police, {"evidence": ["CCTV-CD-1"], "note": "车辆在成都"}
    )
    assert supplied == {"id": case_id, "version": 5, "status": "under_review"}

    decided = _command(
        service, case_id, "decision", zhe_police, {"upheld": True, "reason": "套牌车辆, 原车在成都"}
    )
    assert decided == {"id": case_id, "version": 7, "status": "upheld"}  # ObjectionUpheld + PenaltyRevoked
    doc = _same_in_both(service, case_id, 7, "upheld")
    assert doc["revocation"] == {"points_reversed": 6, "fine_to_refund": 200}
    assert list(doc["deadlines"]) == ["record_elimination"]

    assert _command(service, case_id, "refund", zhe_police, {"amount": 200})["status"] == "refunded"
    assert _command(service, case_id, "elimination", zhe_police)["version"] == 9
    doc = _same_in_both(service, case_id, 9, "refunded")
    assert doc["deadlines"] == {} and doc["record_eliminated"] is True and doc["refund"]["amount"] == 200
    assert [h["type"] for h in doc["history"]] == [
        "ObjectionFiled",
        "ObjectionForwarded",
        "ReviewStarted",
        "EvidenceRequested",
        "EvidenceSupplied",
        "ObjectionUpheld",
        "PenaltyRevoked",
        "RefundCompleted",
        "RecordEliminated",
    ]

    hu = service.auth("hu-police", "310000", "traffic_police")
    assert service.client.get(f"/v1/objections/{case_id}", headers=hu).status_code == 404
    with service.container.db.transaction() as conn:
        row = conn.execute(sql.SQL("SELECT count(*) AS n FROM province_310000.cases")).fetchone()
    assert row is not None and row["n"] == 0


@pytest.mark.parametrize("mode", MODES)
def test_dismissed_objection_tells_the_party_why(make_service: MakeService, mode: str) -> None:
    service = make_service(mode, **_provinces())
    driver = service.auth("driver-li", CHUAN, "owner")
    zhe_police = service.auth("zhe-police", ZHE, "traffic_police")
    body = {**OBJECTION_BODY, "ground": "unclear_evidence", "police_report_number": None}
    case_id = service.client.post("/v1/objections", json=body, headers=driver).json()["id"]
    _command(service, case_id, "review", zhe_police)
    _command(
        service, case_id, "decision", zhe_police, {"upheld": False, "reason": "照片清晰可辨, 号牌与车型一致"}
    )
    _same_in_both(service, case_id, 4, "dismissed")
    seen = service.client.get(f"/v1/objections/{case_id}", headers=driver).json()
    assert seen["decision"]["upheld"] is False
    assert seen["decision"]["reason"] == "照片清晰可辨, 号牌与车型一致"
    assert seen["party"]["phone"] == "13912345678"  # the party sees its own data
    masked = service.client.get(
        f"/v1/objections/{case_id}", headers=service.auth("clerk", CHUAN, "vehicle_admin")
    ).json()
    assert masked["party"]["id_number"] == "1101**********002X"


def test_stolen_or_cloned_needs_a_police_report_number(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False, **_provinces())
    driver = service.auth("driver-li", CHUAN, "owner")
    for missing in (None, "", "   "):
        response = service.client.post(
            "/v1/objections", json={**OBJECTION_BODY, "police_report_number": missing}, headers=driver
        )
        assert response.status_code == 422, response.text
        assert (response.json()["code"], response.json()["field"]) == (
            "objection.police_report_required",
            "police_report_number",
        )
    same_province = service.client.post(
        "/v1/objections", json={**OBJECTION_BODY, "recording_province": CHUAN}, headers=driver
    )
    assert (same_province.status_code, same_province.json()["code"]) == (422, "objection.same_province")
    assert service.event_count() == 0


@pytest.mark.parametrize("mode", MODES)
def test_review_not_decided_in_time_is_overdue_for_both(make_service: MakeService, mode: str) -> None:
    service = make_service(mode, **_provinces())
    driver = service.auth("driver-li", CHUAN, "owner")
    case_id = service.client.post("/v1/objections", json=OBJECTION_BODY, headers=driver).json()["id"]
    _same_in_both(service, case_id, 2, "forwarded")
    zhe_police = service.auth("zhe-police", ZHE, "traffic_police")
    _command(service, case_id, "review", zhe_police)

    service.clock.set(datetime.fromisoformat("2026-11-27T23:59:00+08:00"))  # type: ignore[attr-defined]
    assert service.container.deadlines.due(service.clock.now()) == []
    service.clock.set(datetime.fromisoformat("2026-11-28T00:00:01+08:00"))  # type: ignore[attr-defined]
    doc = _same_in_both(service, case_id, 4, "under_review")
    assert doc["history"][-1]["type"] == "ReviewOverdue"
    assert doc["deadlines"]["objection_review"]["overdue"] is True
    zhe_police = service.auth("zhe-police", ZHE, "traffic_police")
    inbox = service.client.get("/v1/inbox", headers=zhe_police).json()["items"]
    assert [(i["action"], i["overdue"]) for i in inbox] == [("decide", True)]
    # Late, but still the recording province's decision to make.
    assert (
        _command(service, case_id, "decision", zhe_police, {"upheld": False, "reason": "证据清楚"})["version"]
        == 5
    )


def test_an_open_objection_holds_the_vehicle_in_every_province(make_service: MakeService) -> None:
    service = make_service("embedded", **_provinces())
    driver = service.auth("driver-li", CHUAN, "owner")
    zhe_police = service.auth("zhe-police", ZHE, "traffic_police")
    owner_at_yu = service.auth("driver-li", YU, "owner")
    objection_id = service.client.post("/v1/objections", json=OBJECTION_BODY, headers=driver).json()["id"]

    # Applying right away — no waiting for any projection — is refused, saying it is an objection and
    # where to ask (the objection is 四川's and 浙江's case: 重庆 is not told which one).
    events = service.event_count()
    blocked = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner_at_yu)
    assert blocked.status_code == 422, blocked.text
    assert blocked.json()["code"] == "transfer.vehicle_blocked"
    assert [(h["kind"], set(h)) for h in blocked.json()["holds"]] == [("objection", {"kind", "guidance"})]
    assert service.event_count() == events

    _command(service, objection_id, "review", zhe_police)
    _command(service, objection_id, "decision", zhe_police, {"upheld": False, "reason": "证据清楚"})
    allowed = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner_at_yu)
    assert allowed.status_code == 201, allowed.text


def test_archive_release_rechecks_the_holds(make_service: MakeService) -> None:
    service = make_service("embedded", **_provinces())
    owner_at_yu = service.auth("driver-li", YU, "owner")
    chuan_admin = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    transfer_id = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner_at_yu).json()["id"]
    # The objection comes after the application, before the origin releases the archive.
    driver = service.auth("driver-li", CHUAN, "owner")
    objection_id = service.client.post("/v1/objections", json=OBJECTION_BODY, headers=driver).json()["id"]
    release = service.client.post(
        f"/v1/transfers/{transfer_id}/archive-release", json={"archive_ref": "A"}, headers=chuan_admin
    )
    assert (release.status_code, release.json()["code"]) == (422, "transfer.vehicle_blocked")
    # 四川 handles the objection, so its vehicle office may see it: it is told which case holds the car
    assert [(h["kind"], h["case_id"]) for h in release.json()["holds"]] == [("objection", objection_id)]

    _command(service, objection_id, "withdrawal", driver, {"reason": "已与发生地沟通"})
    release = service.client.post(
        f"/v1/transfers/{transfer_id}/archive-release", json={"archive_ref": "A"}, headers=chuan_admin
    )
    assert release.status_code == 200, release.text


def test_the_vehicle_view_shows_cases_and_holds(make_service: MakeService) -> None:
    service = make_service("embedded", **_provinces())
    driver = service.auth("driver-li", CHUAN, "owner")
    police = service.auth("chuan-police", CHUAN, "traffic_police")
    objection_id = service.client.post("/v1/objections", json=OBJECTION_BODY, headers=driver).json()["id"]
    service.wait_for_version(CHUAN, objection_id, 2)
    view = service.client.get("/v1/vehicles/川A12345", headers=police).json()
    assert [(c["id"], c["kind"], c["status"]) for c in view["cases"]] == [
        (objection_id, "objection", "forwarded")
    ]
    assert [(h["kind"], h["case_id"], h["province"]) for h in view["holds"]] == [
        ("objection", objection_id, ZHE)
    ]
    assert view["transferable"] is False
    # a province with no case on the plate still sees the hold: it is what a transfer would meet
    other = service.client.get(
        "/v1/vehicles/川A12345", headers=service.auth("yu", YU, "vehicle_admin")
    ).json()
    assert other["cases"] == [] and other["transferable"] is False
    bad = service.client.get("/v1/vehicles/川AI2345", headers=police)
    assert (bad.status_code, bad.json()["code"]) == (422, "plate.invalid")
