"""Issue 12 §3 over the API: a wrongly named plate released. The incident province (川) named 川A12345;
the owner proves it was elsewhere, 川 amends the suspect vehicle with the reason, and the hold is lifted
— both 川 and the target 渝 see the vehicle free and the release, with its reason, in the case's history;
the owner can apply for the transfer the hold had refused. Then the case is suspended and reopened, and
川 records the capture itself."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import MakeService
from tests.integration.test_hit_and_run_scenario import CASE_BODY
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, Service

PLATE = "川A12345"
REASON = "车主提供案发时车辆在外地的证明，号牌系目击者误认"


def _post(service: Service, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = service.client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("mode", ["embedded"])
def test_a_released_plate_is_free_in_both_provinces_and_the_reason_in_both_histories(
    make_service: MakeService, mode: str
) -> None:
    service = make_service(mode, provinces=[CHUAN, YU, HU])
    chuan = service.auth("inv-chuan", CHUAN, "investigator")
    yu = service.auth("inv-yu", YU, "investigator")
    body = {**CASE_BODY, "suspect_vehicle": {"plate": PLATE, "color": "白色", "model": "大众朗逸"}}
    case_id = _post(service, "/v1/hit-and-runs", body, chuan)["id"]
    base = f"/v1/hit-and-runs/{case_id}"
    _post(service, f"{base}/assistance-requests", {"targets": [YU]}, chuan)
    for province, headers in ((CHUAN, chuan), (YU, yu)):
        service.wait_for_version(province, case_id, 2)
        view = service.client.get(f"/v1/vehicles/{PLATE}", headers=headers).json()
        assert view["transferable"] is False and [h["kind"] for h in view["holds"]] == ["hit_and_run"]
    owner = service.auth("someone", YU, "owner")
    blocked = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert (blocked.status_code, blocked.json()["code"]) == (422, "transfer.vehicle_blocked")

    # only the incident province amends; the target is refused
    by_target = service.client.post(
        f"{base}/suspect-vehicle",
        json={"vehicle": {"plate_partial": "川A*23*5", "color": "白色"}, "reason": REASON},
        headers=yu,
    )
    assert by_target.status_code == 403, by_target.text
    amended = {"plate_partial": "川A*23*5", "color": "白色", "model": "大众朗逸"}
    _post(service, f"{base}/suspect-vehicle", {"vehicle": amended, "reason": REASON}, chuan)

    for province, headers in ((CHUAN, chuan), (YU, yu)):
        doc = service.wait_for_version(province, case_id, 3)
        assert doc["plate"] is None
        (amendment,) = doc["vehicle_amendments"]
        assert (amendment["released_plate"], amendment["reason"]) == (PLATE, REASON)
        shown = service.client.get(base, headers=headers).json()
        assert shown["history"][-1]["type"] == "SuspectVehicleAmended"
        view = service.client.get(f"/v1/vehicles/{PLATE}", headers=headers).json()
        assert (view["transferable"], view["holds"]) == (True, []), province
    applied = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert applied.status_code == 201, applied.text

    # suspended (nobody awaited), reopened (渝's acknowledgement clock anew), caught by 川 itself
    _post(service, f"{base}/suspension", {"reason": "线索穷尽，暂无侦查方向"}, chuan)
    doc = service.wait_for_version(YU, case_id, 4)
    assert (doc["status"], doc["awaiting"], doc["deadlines"]) == ("suspended", [], {})
    _post(service, f"{base}/reopening", {"reason": "群众举报发现疑似车辆"}, chuan)
    doc = service.wait_for_version(YU, case_id, 5)
    assert doc["status"] == "assistance_requested" and set(doc["deadlines"]) == {f"assistance_ack:{YU}"}
    caught = {
        "plate": "川A54321",
        "suspect": {"name": "王五", "id_number": "11010519491231002X"},
        "vehicle_seized": True,
    }
    _post(service, f"{base}/apprehension", caught, chuan)
    for province in (CHUAN, YU):
        doc = service.wait_for_version(province, case_id, 6)
        assert doc["status"] == "handed_over" and doc["apprehension"]["target"] == CHUAN
        assert "determination" in doc["deadlines"]
