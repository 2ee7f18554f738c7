"""The holds matrix: what `/v1/vehicles/{plate}` and a refused transfer tell each role of an involved and
an uninvolved province about a vehicle held by an open hit-and-run case.

Everyone learns that the vehicle is held and by which kind of case (a transfer would be refused
anyway); the case id, its province and the reason only whoever may see the case itself — its
provinces' officers — never an owner asking about a plate, which would tip off a suspect.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import MakeService
from tests.integration.test_hit_and_run_scenario import CASE_BODY
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, Service
from xborder.domain.actors import Role

PLATE = "川A12345"
ROLES = [r.value for r in Role if r is not Role.SYSTEM]


def _open_case(service: Service) -> str:
    chuan = service.auth("inv-chuan", CHUAN, "investigator")
    body = {**CASE_BODY, "suspect_vehicle": {"plate": PLATE, "color": "白色", "model": "大众朗逸"}}
    created = service.client.post("/v1/hit-and-runs", json=body, headers=chuan)
    assert created.status_code == 201, created.text
    case_id: str = created.json()["id"]
    asked = service.client.post(
        f"/v1/hit-and-runs/{case_id}/assistance-requests", json={"targets": [YU]}, headers=chuan
    )
    assert asked.status_code == 200, asked.text
    for province in (CHUAN, YU):
        service.wait_for_version(province, case_id, 2)
    return case_id


@pytest.mark.parametrize("province", [CHUAN, YU, HU], ids=["incident", "target", "uninvolved"])
def test_what_each_role_learns_of_a_hold(make_service: MakeService, province: str) -> None:
    service = make_service("embedded", provinces=[CHUAN, YU, HU])
    case_id = _open_case(service)
    for role in ROLES:
        headers = service.auth(f"{role}-{province}", province, role, org="中国人保")
        may_see_case = service.client.get(f"/v1/hit-and-runs/{case_id}", headers=headers).status_code == 200
        view = service.client.get(f"/v1/vehicles/{PLATE}", headers=headers)
        assert view.status_code == 200, view.text
        body: dict[str, Any] = view.json()
        assert body["transferable"] is False, role
        (hold,) = body["holds"]
        assert hold["kind"] == "hit_and_run"
        if may_see_case:
            assert (hold["case_id"], hold["province"]) == (case_id, CHUAN), (province, role)
            assert hold["reason"]
        else:
            assert set(hold) == {"kind", "guidance"}, (province, role)
            assert case_id not in view.text and "suspect" not in view.text
    if province == HU:
        assert not any(
            service.client.get(
                f"/v1/hit-and-runs/{case_id}", headers=service.auth(f"{r}-hu", HU, r)
            ).status_code
            == 200
            for r in ROLES
        ), "an uninvolved province sees no details, whatever the role"
    else:
        officer = service.auth("inv", province, "investigator")
        shown = service.client.get(f"/v1/vehicles/{PLATE}", headers=officer).json()["holds"][0]
        assert shown["case_id"] == case_id, "the case's own investigators see which case holds it"


def test_a_refused_transfer_names_the_case_only_to_whoever_may_see_it(make_service: MakeService) -> None:
    service = make_service("embedded", provinces=[CHUAN, YU, HU])
    case_id = _open_case(service)
    owner = service.auth("someone", YU, "owner")
    refused = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert (refused.status_code, refused.json()["code"]) == (422, "transfer.vehicle_blocked")
    assert refused.json()["field"] == "plate"
    assert case_id not in refused.text and "hit_and_run" in refused.text
    assert [h["kind"] for h in refused.json()["holds"]] == ["hit_and_run"]

    officer = service.auth("yu-admin", YU, "vehicle_admin")
    may_see = service.client.get(f"/v1/hit-and-runs/{case_id}", headers=officer).status_code == 200
    refused = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=officer)
    assert refused.status_code == 422
    assert (case_id in refused.text) is may_see
