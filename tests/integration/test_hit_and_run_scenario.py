"""The 川→渝贵云 协查 through HTTP in Kafka and embedded mode: every target sees the case from the
request on, 陕 added later sees its whole history, an unacknowledged request goes overdue for that
target alone, and a known suspect plate holds the vehicle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, Service
from xborder.workflows.hit_and_run.application import HitAndRunCases

GUI, YUN, SHAAN = "520000", "530000", "610000"
TARGETS = [YU, GUI, YUN]
MODES = [pytest.param("kafka", marks=pytest.mark.kafka), "embedded"]

CASE_BODY: dict[str, Any] = {
    "occurred_at": "2026-11-20T13:40:00+08:00",
    "place": {"road": "G85 渝昆高速", "km": 1712.5, "lat": 29.35, "lon": 105.12},
    "casualties": {"dead": 1, "injured": 2},
    "suspect_vehicle": {
        "plate_partial": "川A*23*5",
        "color": "白色",
        "model": "大众朗逸",
        "features": "右前大灯破损",
    },
    "direction": "向重庆方向逃逸",
}


APPREHENSION: dict[str, Any] = {
    "plate": "川A12345",
    "suspect": {"name": "王五", "id_number": "11010519491231002X"},
    "vehicle_seized": True,
}


def _settings() -> dict[str, object]:
    return {"provinces": [CHUAN, YU, GUI, YUN, SHAAN, HU]}


def _post(
    service: Service, case_id: str, action: str, headers: dict[str, str], body: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = service.client.post(
        f"/v1/hit-and-runs/{case_id}/{action}", json=body if body is not None else {}, headers=headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _investigator(service: Service, province: str) -> dict[str, str]:
    return service.auth(f"inv-{province}", province, "investigator")


def _everywhere(service: Service, case_id: str, version: int, provinces: list[str]) -> dict[str, Any]:
    docs = [service.wait_for_version(p, case_id, version) for p in provinces]
    for doc in docs[1:]:
        assert doc == docs[0], "every involved province holds the identical document"
    assert [h["version"] for h in docs[0]["history"]] == list(range(1, version + 1))
    return docs[0]


@pytest.mark.parametrize("mode", MODES)
def test_one_province_asks_many_respond(make_service: MakeService, mode: str) -> None:
    service = make_service(mode, **_settings())
    chuan = _investigator(service, CHUAN)
    created = service.client.post("/v1/hit-and-runs", json=CASE_BODY, headers=chuan)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    service.wait_for_version(CHUAN, case_id, 1)
    assert (
        service.client.get(f"/v1/hit-and-runs/{case_id}", headers=_investigator(service, YU)).status_code
        == 404
    )

    requested = _post(
        service, case_id, "assistance-requests", chuan, {"targets": TARGETS, "ack_within_hours": 12}
    )
    assert requested == {"id": case_id, "version": 2, "status": "assistance_requested"}
    doc = _everywhere(service, case_id, 2, [CHUAN, *TARGETS])
    assert {code: role for code, role in doc["provinces"].items()} == {
        CHUAN: "incident",
        YU: "target",
        GUI: "target",
        YUN: "target",
    }
    # per-target clocks: 12 hours from the request (the clock stands at Fri 2026-11-20 15:00 CST)
    assert doc["deadlines"] == {
        f"assistance_ack:{code}": {"due": "2026-11-21T03:00:00+08:00", "overdue": False} for code in TARGETS
    }
    for code in TARGETS:
        inbox = service.client.get("/v1/inbox", headers=_investigator(service, code)).json()["items"]
        assert [(i["case_id"], i["action"]) for i in inbox] == [(case_id, "acknowledge_assistance")]
    for outsider in (HU, SHAAN):
        assert (
            service.client.get(
                f"/v1/hit-and-runs/{case_id}", headers=_investigator(service, outsider)
            ).status_code
            == 404
        )

    for code in TARGETS:
        _post(service, case_id, "acknowledgements", _investigator(service, code))
    _post(service, case_id, "clues", _investigator(service, GUI), {"hit": False, "details": ""})
    _post(service, case_id, "clues", _investigator(service, YUN), {"hit": False, "details": ""})
    _post(
        service,
        case_id,
        "clues",
        _investigator(service, YU),
        {"hit": True, "details": "綦江收费站卡口抓拍到疑似车辆"},
    )

    # The suspect turned toward 陕: 陕 is added and sees the whole case, history included.
    _post(service, case_id, "assistance-requests", chuan, {"targets": [SHAAN]})
    doc = _everywhere(service, case_id, 9, [CHUAN, *TARGETS, SHAAN])
    assert [h["type"] for h in doc["history"]][:2] == ["CaseOpened", "AssistanceRequested"]
    shaan_view = service.client.get(
        f"/v1/hit-and-runs/{case_id}", headers=_investigator(service, SHAAN)
    ).json()
    assert shaan_view["targets"][YU]["clues"][0]["details"] is None  # another target's clue details
    assert service.client.get(f"/v1/hit-and-runs/{case_id}", headers=chuan).json()["targets"][YU]["clues"][0][
        "details"
    ]

    apprehended = _post(
        service,
        case_id,
        "apprehension",
        _investigator(service, YU),
        APPREHENSION,
    )
    assert apprehended["status"] == "suspect_apprehended"
    service.wait_for_version(CHUAN, case_id, apprehended["version"])
    inbox = service.client.get("/v1/inbox", headers=chuan).json()["items"]
    assert ("take_handover", case_id) in [(i["action"], i["case_id"]) for i in inbox]  # 川 is told at once
    suspect_for_gui = service.client.get(
        f"/v1/hit-and-runs/{case_id}?min_version={apprehended['version']}&wait=10",
        headers=_investigator(service, GUI),
    ).json()
    assert suspect_for_gui["apprehension"]["suspect"]["id_number"] == "1101**********002X"

    _post(service, case_id, "handover", chuan)
    solved = _post(service, case_id, "solution", chuan)
    doc = _everywhere(service, case_id, solved["version"], [CHUAN, *TARGETS, SHAAN])
    assert doc["solved"]["withdrawn_from"] == [GUI, YUN, YU, SHAAN] or sorted(
        doc["solved"]["withdrawn_from"]
    ) == sorted([*TARGETS, SHAAN])
    assert all(doc["targets"][code]["withdrawn_at"] for code in [*TARGETS, SHAAN])
    assert list(doc["deadlines"]) == ["determination"]  # the 陕 acknowledgement clock was withdrawn too

    final = _post(service, case_id, "determination", chuan, {"outcome": "criminal"})
    assert final["status"] == "transferred_to_criminal"
    doc = _everywhere(service, case_id, final["version"], [CHUAN, *TARGETS, SHAAN])
    assert doc["determination"]["outcome"] == "criminal" and doc["deadlines"] == {}
    # a crime carries no points: 163号令 applies only to what is not a crime (道路交通安全法 Art 101)
    assert doc["determination"]["points"] == 0 and "第一百零一条" in doc["determination"]["legal_basis"]
    assert (
        service.client.get(f"/v1/hit-and-runs/{case_id}", headers=_investigator(service, HU)).status_code
        == 404
    )


def test_withdrawal_goes_to_exactly_the_original_targets(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False, **_settings())
    chuan = _investigator(service, CHUAN)
    case_id = service.client.post("/v1/hit-and-runs", json=CASE_BODY, headers=chuan).json()["id"]
    _post(service, case_id, "assistance-requests", chuan, {"targets": [YU, GUI]})
    _post(service, case_id, "assistance-requests", chuan, {"targets": [YUN]})
    _post(service, case_id, "acknowledgements", _investigator(service, YU))
    _post(
        service,
        case_id,
        "apprehension",
        _investigator(service, YU),
        APPREHENSION,
    )
    _post(service, case_id, "handover", chuan)
    _post(service, case_id, "solution", chuan)
    events = list(service.container.application(HitAndRunCases).events.get(UUID(case_id)))
    assert sorted(events[-1].withdrawn_from) == sorted([YU, GUI, YUN])


@pytest.mark.parametrize("mode", MODES)
def test_unacknowledged_request_is_overdue_for_that_target_alone(
    make_service: MakeService, mode: str
) -> None:
    service = make_service(mode, **_settings())
    chuan = _investigator(service, CHUAN)
    case_id = service.client.post("/v1/hit-and-runs", json=CASE_BODY, headers=chuan).json()["id"]
    _post(service, case_id, "assistance-requests", chuan, {"targets": [YU, GUI], "ack_within_hours": 2})
    _post(service, case_id, "acknowledgements", _investigator(service, YU))
    service.wait_for_version(GUI, case_id, 3)

    service.clock.advance(timedelta(hours=2, seconds=1))  # type: ignore[attr-defined]
    doc = _everywhere(service, case_id, 4, [CHUAN, YU, GUI])
    assert doc["history"][-1]["type"] == "AcknowledgementOverdue"
    assert doc["deadlines"] == {
        f"assistance_ack:{GUI}": {"due": "2026-11-20T17:00:00+08:00", "overdue": True}
    }
    inbox = service.client.get("/v1/inbox", headers=_investigator(service, GUI)).json()["items"]
    assert [(i["action"], i["overdue"]) for i in inbox] == [("acknowledge_assistance", True)]
    # late is still better than never: the acknowledgement closes the clock
    _post(service, case_id, "acknowledgements", _investigator(service, GUI))
    assert service.wait_for_version(CHUAN, case_id, 5)["deadlines"] == {}


def test_a_known_suspect_plate_holds_the_vehicle(make_service: MakeService) -> None:
    service = make_service("embedded", **_settings())
    chuan = _investigator(service, CHUAN)
    body = {**CASE_BODY, "suspect_vehicle": {"plate": "川A12345", "color": "白色", "model": "大众朗逸"}}
    case_id = service.client.post("/v1/hit-and-runs", json=body, headers=chuan).json()["id"]
    owner = service.auth("someone", YU, "owner")
    blocked = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert (blocked.status_code, blocked.json()["code"]) == (422, "transfer.vehicle_blocked")
    # the owner learns the kind of case and where to go, not which case hunts the plate
    assert case_id not in blocked.text and [h["kind"] for h in blocked.json()["holds"]] == ["hit_and_run"]

    _post(service, case_id, "assistance-requests", chuan, {"targets": [YU]})
    _post(
        service,
        case_id,
        "apprehension",
        _investigator(service, YU),
        APPREHENSION,
    )
    _post(service, case_id, "handover", chuan)
    _post(service, case_id, "solution", chuan)
    assert (
        service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner).status_code == 422
    )  # still open
    _post(service, case_id, "determination", chuan, {"outcome": "closed", "points": 12})
    assert service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner).status_code == 201


def test_refused_hit_and_run_commands(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False, **_settings())
    chuan = _investigator(service, CHUAN)
    case_id = service.client.post("/v1/hit-and-runs", json=CASE_BODY, headers=chuan).json()["id"]
    events = service.event_count()
    cases = [
        (
            "apprehension before any request",
            "apprehension",
            _investigator(service, YU),
            APPREHENSION,
            404,
        ),
        ("non-target acknowledging", "acknowledgements", _investigator(service, HU), {}, 404),
        ("target = incident", "assistance-requests", chuan, {"targets": [CHUAN]}, 422),
        ("unknown target", "assistance-requests", chuan, {"targets": ["999999"]}, 422),
        (
            "window beyond the zone's 24 hours",
            "assistance-requests",
            chuan,
            {"targets": [YU], "ack_within_hours": 48},
            422,
        ),
        ("solving an open case", "solution", chuan, {}, 409),
        (
            "police instead of investigator",
            "assistance-requests",
            service.auth("cop", CHUAN, "traffic_police"),
            {"targets": [YU]},
            403,
        ),
    ]
    for name, action, headers, body, status in cases:
        response = service.client.post(f"/v1/hit-and-runs/{case_id}/{action}", json=body, headers=headers)
        assert response.status_code == status, f"{name}: {response.text}"
        assert service.event_count() == events, name
    bad_partial = {**CASE_BODY, "suspect_vehicle": {"plate_partial": "川AI"}}
    response = service.client.post("/v1/hit-and-runs", json=bad_partial, headers=chuan)
    assert (response.status_code, response.json()["code"]) == (422, "plate_partial.invalid")


def test_plates_are_taken_as_witnesses_and_officers_type_them(make_service: MakeService) -> None:
    """GA 36-2018 plates typed with full-width characters, the printed dot and spaces are stored in the
    canonical form, the partial plate of a hit-and-run and a full one alike."""
    service = make_service("embedded", workers=False, **_settings())
    inv = _investigator(service, CHUAN)
    body = {
        **CASE_BODY,
        "suspect_vehicle": {**CASE_BODY["suspect_vehicle"], "plate_partial": "川 Ａ·＊２３＊５"},
    }
    cases = service.container.application(HitAndRunCases)
    created = service.client.post("/v1/hit-and-runs", json=body, headers=inv)
    assert created.status_code == 201, created.text
    assert cases.get(UUID(created.json()["id"])).suspect_vehicle["plate_partial"] == "川A*23*5"

    typed = {**body, "suspect_vehicle": {"plate": "川ａ·１２３４５"}}
    created = service.client.post("/v1/hit-and-runs", json=typed, headers=inv)
    assert created.status_code == 201, created.text
    assert cases.get(UUID(created.json()["id"])).suspect_vehicle["plate"] == "川A12345"
