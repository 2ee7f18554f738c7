"""A caller who may not see a case cannot tell it from a missing one: every method on it (the GET and
every command) answers 404 with the very body a random id gets. Only a caller who may see the case
learns, by a 403, that its role may not do something.

Within an involved province, owners see only the cases they are a party of and insurers only the
rescues they were notified of. A command by such a caller once answered 403 where the GET answered
404, telling it that the id was a real case of its province.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute

from tests.integration.conftest import MakeService
from tests.integration.test_hit_and_run_scenario import APPREHENSION
from tests.integration.test_hit_and_run_scenario import CASE_BODY as HIT_AND_RUN_BODY
from tests.integration.test_objection_scenario import OBJECTION_BODY
from tests.integration.test_rescue_scenario import PICC, RESCUE_BODY
from tests.support.service import CHUAN, TRANSFER_BODY, YU, ZHE, Service
from xborder.workflows.hit_and_run import router as hit_and_runs
from xborder.workflows.objection import router as objections
from xborder.workflows.rescue import router as rescues
from xborder.workflows.transfer import router as transfers

CPIC = "中国太平洋财产保险股份有限公司重庆分公司"

# A valid body for every command on an existing case, so that what answers is the case check and not
# the body's validation. The test below fails when a command is added without a body here.
COMMANDS: dict[str, dict[str, dict[str, Any]]] = {
    "/v1/transfers": {
        "archive-release": {"archive_ref": "ARC-510-2026-0001"},
        "refusal": {"reasons": ["stolen"], "detail": "盗抢车辆"},
        "archive-verification": {"accepted": True},
        "inspection": {"passed": True, "evidence": ["VIN-RUB-1"]},
        "registration": {"new_plate": "渝A88888"},
        "withdrawal": {"reason": "不再转籍"},
    },
    "/v1/objections": {
        "review": {},
        "evidence-requests": {"request": "请调取停车场监控"},
        "evidence": {"evidence": ["CCTV-1"], "note": "车辆在成都"},
        "decision": {"upheld": True, "reason": "套牌车辆"},
        "elimination": {},
        "refund": {"amount": 200},
        "withdrawal": {"reason": "撤回"},
    },
    "/v1/hit-and-runs": {
        "assistance-requests": {"targets": [YU]},
        "acknowledgements": {},
        "clues": {"hit": True, "details": "收费站抓拍"},
        "apprehension": APPREHENSION,
        "handover": {},
        "solution": {},
        "determination": {"outcome": "closed", "points": 12},
        "interim-determination": {"summary": "初步认定"},
        "interim-determination-request": {"reference": "川公交逃申〔2026〕17号"},
        "suspect-vehicle": {"vehicle": {"color": "黑色", "model": "大众朗逸"}, "reason": "号牌误认"},
        "suspension": {"reason": "线索穷尽"},
        "reopening": {"reason": "发现新线索"},
    },
    "/v1/rescues": {
        "police-dispatch": {"unit": "重庆高速交警一支队", "province": YU},
        "police-arrival": {},
        "medical-dispatch": {"hospital": "重庆医科大学附属第一医院", "province": YU},
        "admission": {"patients": ["P1"]},
        "insurer-notice": {"insurer": PICC, "policy": "PDZA2026500000012345"},
        "insurer-advance": {"amount": 1_000, "at_fault": True},
        "fund-notice": {"reason": "uninsured"},
        "fund-review": {"approved": False},
        "fault-determination": {"at_fault": ["渝A12345"]},
        "fund-recovery": {"liable_party": "张三", "amount": 1_000},
        "closure": {},
    },
}


def test_every_command_has_a_body_here() -> None:
    on_a_case = {
        route.path
        for router in (transfers.router, objections.router, hit_and_runs.router, rescues.router)
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in (route.methods or ()) and "/{case_id}/" in route.path
    }
    covered = {f"{prefix}/{{case_id}}/{action}" for prefix, actions in COMMANDS.items() for action in actions}
    assert on_a_case == covered


def _open_cases(service: Service) -> dict[str, str]:
    """One case of each workflow, each involving 渝 or 川, projected there."""

    def create(path: str, body: dict[str, Any], headers: dict[str, str]) -> str:
        response = service.client.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.text
        answer: dict[str, Any] = response.json()
        return str(answer["id"])

    cases = {
        "/v1/transfers": create("/v1/transfers", TRANSFER_BODY, service.auth("alice", YU, "owner")),
        "/v1/objections": create("/v1/objections", OBJECTION_BODY, service.auth("li", CHUAN, "owner")),
        "/v1/hit-and-runs": create(
            "/v1/hit-and-runs", HIT_AND_RUN_BODY, service.auth("inv", CHUAN, "investigator")
        ),
        "/v1/rescues": create("/v1/rescues", RESCUE_BODY, service.auth("yu-120", YU, "dispatcher")),
    }
    for path, province in (
        ("/v1/transfers", CHUAN),
        ("/v1/transfers", YU),
        ("/v1/objections", CHUAN),
        ("/v1/hit-and-runs", CHUAN),
        ("/v1/rescues", YU),
    ):
        service.wait_for_version(province, cases[path], 1)
    return cases


def _every_method(service: Service, prefix: str, case_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """What GET and each command answer on `case_id`, as (status, content type, body)."""
    answers = {"GET": service.client.get(f"{prefix}/{case_id}", headers=headers)}
    answers |= {
        f"POST {action}": service.client.post(f"{prefix}/{case_id}/{action}", json=body, headers=headers)
        for action, body in COMMANDS[prefix].items()
    }
    return {method: (r.status_code, r.headers["content-type"], r.json()) for method, r in answers.items()}


# (workflow, who may not see it although its province is involved)
HIDDEN_FROM = [
    ("/v1/transfers", "owner not a party", ("bob", YU, "owner", None)),
    ("/v1/transfers", "owner not a party, origin", ("bob", CHUAN, "owner", None)),
    ("/v1/transfers", "insurer", ("picc-claims", YU, "insurer", PICC)),
    ("/v1/objections", "owner not a party", ("bob", CHUAN, "owner", None)),
    ("/v1/objections", "insurer", ("picc-claims", CHUAN, "insurer", PICC)),
    ("/v1/hit-and-runs", "owner", ("bob", CHUAN, "owner", None)),
    ("/v1/hit-and-runs", "insurer", ("picc-claims", CHUAN, "insurer", PICC)),
    ("/v1/rescues", "insurer not notified", ("cpic-claims", YU, "insurer", CPIC)),
    ("/v1/rescues", "insurer not notified yet", ("picc-claims", YU, "insurer", PICC)),
    ("/v1/rescues", "owner", ("bob", YU, "owner", None)),
]


@pytest.fixture
def service(make_service: MakeService) -> Service:
    return make_service("embedded", provinces=[CHUAN, YU, ZHE, "310000"])


def test_a_caller_who_may_not_see_a_case_gets_404_for_every_method_like_a_random_id(
    service: Service,
) -> None:
    cases = _open_cases(service)
    events = service.event_count()
    failures = []
    for prefix, who, (sub, province, role, org) in HIDDEN_FROM:
        headers = service.auth(sub, province, role, org=org)
        on_the_case = _every_method(service, prefix, cases[prefix], headers)
        on_a_random_id = _every_method(service, prefix, str(uuid4()), headers)
        for method, answer in on_a_random_id.items():
            assert answer[0] == 404, (prefix, method, answer)  # the body is valid: the id is what answers
            if on_the_case[method] != answer:
                failures.append((prefix, who, method, on_the_case[method]))
    assert not failures, failures
    assert service.event_count() == events, "nothing was recorded"


def test_a_caller_who_may_see_a_case_gets_403_for_what_its_role_may_not_do(service: Service) -> None:
    cases = _open_cases(service)
    forbidden = [
        # the origin's traffic police see the transfer, but it is the vehicle administration's
        ("/v1/transfers", service.auth("chuan-police", CHUAN, "traffic_police"), "archive-release"),
        # the owner sees her own transfer, but the origin releases the archive
        ("/v1/transfers", service.auth("alice", YU, "owner"), "archive-release"),
        ("/v1/objections", service.auth("chuan-admin", CHUAN, "vehicle_admin"), "review"),
        ("/v1/hit-and-runs", service.auth("chuan-police", CHUAN, "traffic_police"), "assistance-requests"),
        # the dispatch centre sees the rescue, but only the notified insurer confirms an advance
        ("/v1/rescues", service.auth("yu-120", YU, "dispatcher"), "insurer-advance"),
        ("/v1/rescues", service.auth("yu-hospital", YU, "medical"), "police-dispatch"),
    ]
    for prefix, headers, action in forbidden:
        assert service.client.get(f"{prefix}/{cases[prefix]}", headers=headers).status_code == 200
        response = service.client.post(
            f"{prefix}/{cases[prefix]}/{action}", json=COMMANDS[prefix][action], headers=headers
        )
        assert (response.status_code, response.json()["code"]) == (403, "auth.forbidden"), (
            prefix,
            action,
            response.text,
        )


def test_a_notified_insurer_sees_the_rescue_and_is_refused_other_roles_work(service: Service) -> None:
    cases = _open_cases(service)
    rescue = cases["/v1/rescues"]
    insurer = service.auth("picc-claims", YU, "insurer", org=PICC)
    notified = service.client.post(
        f"/v1/rescues/{rescue}/insurer-notice",
        json=COMMANDS["/v1/rescues"]["insurer-notice"],
        headers=service.auth("yu-police", YU, "traffic_police"),
    )
    assert notified.status_code == 200, notified.text
    version = notified.json()["version"]
    seen = service.client.get(f"/v1/rescues/{rescue}?min_version={version}&wait=10", headers=insurer)
    assert seen.status_code == 200, seen.text
    closing = service.client.post(f"/v1/rescues/{rescue}/closure", json={}, headers=insurer)
    assert (closing.status_code, closing.json()["code"]) == (403, "auth.forbidden")
    # and another insurer still cannot tell the case exists
    other = service.auth("cpic-claims", YU, "insurer", org=CPIC)
    assert _every_method(service, "/v1/rescues", rescue, other) == _every_method(
        service, "/v1/rescues", str(uuid4()), other
    )
