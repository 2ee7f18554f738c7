"""The 渝/川 joint rescue through HTTP in Kafka and embedded mode; funding by insurer and by the relief
fund; what insurers see; and the fled-driver rescue opening exactly one hit-and-run case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, HU, YU, Service
from tests.support.waiting import wait_until
from xborder.consumers.relay import RelayPositions
from xborder.workflows.hit_and_run.application import HitAndRunCases

MODES = [pytest.param("kafka", marks=pytest.mark.kafka), "embedded"]
PICC = "中国人民财产保险股份有限公司重庆市分公司"

RESCUE_BODY: dict[str, Any] = {
    "occurred_at": "2026-11-20T14:52:00+08:00",
    "place": {"road": "G75 兰海高速 (渝川界)", "km": 2101.3, "lat": 30.02, "lon": 106.28},
    "casualties": [
        {"ref": "P1", "severity": "serious", "medical_notes": "左股骨骨折, 失血"},
        {"ref": "P2", "severity": "minor", "medical_notes": "软组织挫伤"},
    ],
    "vehicles": [{"plate": "渝A12345", "insurer": PICC, "policy": "PDZA2026500000012345"}],
    "driver_fled": False,
}


def _post(
    service: Service,
    case_id: str,
    action: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
    status: int = 200,
) -> dict[str, Any]:
    response = service.client.post(
        f"/v1/rescues/{case_id}/{action}", json=body if body is not None else {}, headers=headers
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def _same_in_both(service: Service, case_id: str, version: int) -> dict[str, Any]:
    yu = service.wait_for_version(YU, case_id, version)
    chuan = service.wait_for_version(CHUAN, case_id, version)
    assert yu == chuan
    return yu


@pytest.mark.parametrize("mode", MODES)
def test_rescue_across_the_border_with_insurer_and_fund(make_service: MakeService, mode: str) -> None:
    service = make_service(mode)
    dispatcher = service.auth("yu-120", YU, "dispatcher")
    yu_police = service.auth("yu-police", YU, "traffic_police")
    created = service.client.post("/v1/rescues", json=RESCUE_BODY, headers=dispatcher)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert created.json()["status"] == "open"

    # the nearest police unit and hospital are 川's
    _post(
        service,
        case_id,
        "police-dispatch",
        dispatcher,
        {"unit": "四川高速公路交警六支队三大队", "province": CHUAN},
    )
    _post(service, case_id, "medical-dispatch", dispatcher, {"hospital": "广安市人民医院", "province": CHUAN})
    doc = _same_in_both(service, case_id, 3)
    assert doc["status"] == "responding" and doc["provinces"] == {YU: "accident", CHUAN: "responder"}

    service.clock.advance(timedelta(minutes=18))  # type: ignore[attr-defined]
    _post(service, case_id, "police-arrival", service.auth("sc-police", CHUAN, "traffic_police"))
    service.clock.advance(timedelta(minutes=22))  # type: ignore[attr-defined]
    admitted = _post(
        service,
        case_id,
        "admission",
        service.auth("ga-hospital", CHUAN, "medical"),
        {"patients": ["P1", "P2"]},
    )
    assert admitted["status"] == "patients_admitted"
    doc = _same_in_both(service, case_id, 5)
    assert doc["police"]["response_seconds"] == 18 * 60
    assert doc["medical"]["response_seconds"] == 40 * 60

    # insurer: written notice, then an advance within the 交强险 medical limit
    _post(service, case_id, "insurer-notice", yu_police, {"insurer": PICC, "policy": "PDZA2026500000012345"})
    insurer = service.auth("picc-claims", YU, "insurer", org=PICC)
    over = _post(
        service, case_id, "insurer-advance", insurer, {"amount": 18_001, "at_fault": True}, status=422
    )
    assert (over["code"], over["field"]) == ("insurer.advance_over_limit", "amount")
    over = _post(
        service, case_id, "insurer-advance", insurer, {"amount": 1_801, "at_fault": False}, status=422
    )
    assert over["code"] == "insurer.advance_over_limit"
    assert (
        _post(service, case_id, "insurer-advance", insurer, {"amount": 18_000, "at_fault": True})["status"]
        == "funding_confirmed"
    )

    # costs above the limit go to the accident province's relief fund
    _post(service, case_id, "fund-notice", yu_police, {"reason": "over_limit"})
    doc = service.wait_for_version(YU, case_id, 8)
    assert list(doc["deadlines"]) == ["fund_review"]
    fund = service.auth("yu-fund", YU, "fund")
    assert [i["action"] for i in service.client.get("/v1/inbox", headers=fund).json()["items"]] == [
        "review_fund"
    ]
    _post(service, case_id, "fund-review", fund, {"approved": True, "amount": 9_500})
    closed = _post(service, case_id, "closure", dispatcher)
    doc = _same_in_both(service, case_id, closed["version"])
    assert doc["status"] == "closed" and doc["fund"]["review"]["amount"] == 9_500 and doc["deadlines"] == {}

    stats = service.client.get("/v1/stats", headers=service.auth("sc-stats", CHUAN, "traffic_police")).json()
    rescue = stats["workflows"]["rescue"]
    assert rescue["counts"] == {"closed": 1}
    assert rescue["median_police_response_seconds"] == 18 * 60
    assert rescue["median_medical_response_seconds"] == 40 * 60
    assert rescue["median_seconds_to"]["PoliceArrived"] == 18 * 60
    assert (
        service.client.get(f"/v1/rescues/{case_id}", headers=service.auth("hu", HU, "dispatcher")).status_code
        == 404
    )


def test_insurers_see_only_their_rescues_and_no_medical_notes(make_service: MakeService) -> None:
    service = make_service("embedded")
    dispatcher = service.auth("yu-120", YU, "dispatcher")
    case_id = service.client.post("/v1/rescues", json=RESCUE_BODY, headers=dispatcher).json()["id"]
    picc = service.auth("picc-claims", YU, "insurer", org=PICC)
    other = service.auth("cpic-claims", YU, "insurer", org="中国太平洋财产保险股份有限公司")
    service.wait_for_version(YU, case_id, 1)
    assert service.client.get(f"/v1/rescues/{case_id}", headers=picc).status_code == 404  # not notified yet
    _post(service, case_id, "insurer-advance", picc, {"amount": 100, "at_fault": True}, status=404)

    _post(service, case_id, "insurer-notice", dispatcher, {"insurer": PICC, "policy": "PDZA2026500000012345"})
    view = service.client.get(f"/v1/rescues/{case_id}?min_version=2&wait=10", headers=picc)
    assert view.status_code == 200
    assert [c["medical_notes"] for c in view.json()["casualties"]] == [None, None]
    assert "股骨" not in view.text
    assert [i["action"] for i in service.client.get("/v1/inbox", headers=picc).json()["items"]] == [
        "confirm_advance"
    ]
    assert service.client.get(f"/v1/rescues/{case_id}", headers=other).status_code == 404
    assert service.client.get("/v1/inbox", headers=other).json()["items"] == []
    assert service.client.get("/v1/rescues", headers=other).json()["items"] == []
    notes = service.client.get(f"/v1/rescues/{case_id}", headers=dispatcher).json()["casualties"][0][
        "medical_notes"
    ]
    assert notes == "左股骨骨折, 失血"
    # a driver who did not flee cannot be sent to the fund for fleeing
    refused = _post(service, case_id, "fund-notice", dispatcher, {"reason": "driver_fled"}, status=422)
    assert refused["code"] == "fund.reason_not_applicable"


@pytest.mark.parametrize("mode", MODES)
def test_a_fled_driver_opens_exactly_one_hit_and_run_case(make_service: MakeService, mode: str) -> None:
    service = make_service(mode)
    dispatcher = service.auth("yu-120", YU, "dispatcher")
    body = {**RESCUE_BODY, "driver_fled": True, "vehicles": []}
    rescue_id = service.client.post("/v1/rescues", json=body, headers=dispatcher).json()["id"]
    doc = service.wait_for_version(YU, rescue_id, 1)
    case_id = doc["hit_and_run_id"]
    assert case_id and list(doc["deadlines"]) == ["fund_notice"]

    investigator = service.auth("yu-inv", YU, "investigator")
    case = service.client.get(f"/v1/hit-and-runs/{case_id}?min_version=1&wait=10", headers=investigator)
    assert case.status_code == 200, case.text
    assert case.json()["rescue_id"] == rescue_id
    assert case.json()["casualties"] == {"dead": 0, "injured": 2}
    assert case.json()["history"][0]["actor"]["role"] == "system"
    hit_and_runs = service.container.application(HitAndRunCases)
    assert hit_and_runs.recorder.max_notification_id() == 1

    # Replay: every event delivered again (in Kafka mode the relay publishes them all again).
    service.container.stop_workers()
    if mode == "kafka":
        RelayPositions(service.container.db).record("JointRescues", 0)
    with service.container.db.transaction() as conn:
        conn.execute("DELETE FROM xborder_consumer_positions WHERE consumer = 'process.rescue-hit-and-run'")
    service.container.start_workers()
    process = next(w for w in service.container.workers if w.name == "process-rescue-hit-and-run")
    wait_until(
        lambda: bool(service.container.db and _process_caught_up(service)),
        timeout=60,
        what="the replay to be processed",
    )
    assert process.opened == 0
    assert hit_and_runs.recorder.max_notification_id() == 1, "a replay must not open a second case"
    assert hit_and_runs.get(UUID(case_id)).version == 1

    # the fund path of a fled driver: notified within 3 working days, reviewed, paid
    _post(service, rescue_id, "fund-notice", dispatcher, {"reason": "driver_fled"})
    paid = _post(
        service,
        rescue_id,
        "fund-review",
        service.auth("yu-fund", YU, "fund"),
        {"approved": True, "amount": 30_000},
    )
    assert paid["status"] == "funding_confirmed"
    # an insurer cannot be asked to advance for a fled driver's rescue
    refused = _post(
        service, rescue_id, "insurer-notice", dispatcher, {"insurer": PICC, "policy": "X"}, status=422
    )
    assert refused["code"] == "insurer.not_applicable"


def _process_caught_up(service: Service) -> bool:
    with service.container.db.transaction() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM xborder_consumer_positions"
            " WHERE consumer = 'process.rescue-hit-and-run'"
        ).fetchone()
    return row is not None and row["n"] > 0


@pytest.mark.parametrize("mode", ["embedded"])
def test_fund_review_overdue_with_a_moved_clock(make_service: MakeService, mode: str) -> None:
    service = make_service(mode)
    dispatcher = service.auth("yu-120", YU, "dispatcher")
    body = {**RESCUE_BODY, "vehicles": [{"plate": "渝A12345", "insurer": None, "policy": None}]}  # uninsured
    rescue_id = service.client.post("/v1/rescues", json=body, headers=dispatcher).json()["id"]
    _post(service, rescue_id, "fund-notice", dispatcher, {"reason": "uninsured"})
    doc = service.wait_for_version(YU, rescue_id, 2)
    # notified Fri 2026-11-20 15:00: 5 working days -> Fri 2026-11-27
    assert doc["deadlines"] == {"fund_review": {"due": "2026-11-27T23:59:59+08:00", "overdue": False}}
    service.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    doc = service.wait_for_version(YU, rescue_id, 3)
    assert doc["history"][-1]["type"] == "FundReviewOverdue" and doc["deadlines"]["fund_review"]["overdue"]


def test_funding_rules_over_the_api(make_service: MakeService) -> None:
    """Issue 12 §4 through HTTP: the police determine fault, the insurer advances under a head within
    its limit (条例 第二十三条) and states costs above it, which starts the fund's notice clock; the
    fund is refused rescue costs beyond 7 days from admission (办法 第十四条) and pays no more than
    requested; its recovery from the liable party is recorded, the name masked for the insurer."""
    service = make_service("embedded")
    dispatcher = service.auth("yu-120", YU, "dispatcher")
    yu_police = service.auth("yu-police", YU, "traffic_police")
    insurer = service.auth("picc-claims", YU, "insurer", org=PICC)
    fund = service.auth("yu-fund", YU, "fund")
    case_id = service.client.post("/v1/rescues", json=RESCUE_BODY, headers=dispatcher).json()["id"]
    _post(service, case_id, "medical-dispatch", dispatcher, {"hospital": "广安市人民医院", "province": CHUAN})
    _post(service, case_id, "admission", service.auth("ga-hospital", CHUAN, "medical"), {"patients": ["P1"]})
    _post(service, case_id, "insurer-notice", yu_police, {"insurer": PICC, "policy": "PDZA2026500000012345"})

    # 条例 第二十三条: the death and disability head, ¥18,000 when not at fault (the insurer's word)
    over = _post(
        service,
        case_id,
        "insurer-advance",
        insurer,
        {"amount": 18_001, "at_fault": False, "head": "death_disability"},
        status=422,
    )
    assert (over["code"], over["field"]) == ("insurer.advance_over_limit", "amount")
    assert "第二十三条" in over["detail"] and "¥18,000" in over["detail"]
    # the police determine the insured at fault: the advance follows, no longer provisional
    _post(service, case_id, "fault-determination", yu_police, {"at_fault": ["渝A12345"]})
    contradicted = _post(
        service, case_id, "insurer-advance", insurer, {"amount": 100, "at_fault": False}, status=422
    )
    assert (contradicted["code"], contradicted["field"]) == ("insurer.at_fault_determined", "at_fault")
    _post(
        service, case_id, "insurer-advance", insurer, {"amount": 18_000, "head": "medical", "costs": 40_000}
    )
    doc = service.wait_for_version(YU, case_id, 6)
    medical = doc["insurers"][PICC]["advances"]["medical"]
    assert (medical["at_fault"], medical["at_fault_provisional"], medical["over_limit"]) == (
        True,
        False,
        True,
    )
    # the over-limit route: the fund's 3-working-day notice clock runs (Fri 11-20 -> Wed 11-25)
    assert doc["deadlines"]["fund_notice"]["due"] == "2026-11-25T23:59:59+08:00"

    # 办法 第十四条: admitted Fri 2026-11-20, rescue costs up to 2026-11-27 at most
    beyond = _post(
        service,
        case_id,
        "fund-notice",
        yu_police,
        {"reason": "over_limit", "rescue_costs": 22_000, "rescue_costs_until": "2026-11-28"},
        status=422,
    )
    assert (beyond["code"], beyond["field"]) == ("fund.rescue_beyond_7_days", "rescue_costs_until")
    assert "第十四条" in beyond["detail"]
    _post(
        service,
        case_id,
        "fund-notice",
        yu_police,
        {"reason": "over_limit", "rescue_costs": 22_000, "rescue_costs_until": "2026-11-27"},
    )
    more = _post(service, case_id, "fund-review", fund, {"approved": True, "amount": 22_001}, status=422)
    assert (more["code"], more["field"]) == ("fund.amount_over_request", "amount")
    _post(service, case_id, "fund-review", fund, {"approved": True, "amount": 22_000})
    _post(service, case_id, "closure", dispatcher)
    recovered = _post(service, case_id, "fund-recovery", fund, {"liable_party": "张三丰", "amount": 22_000})
    doc = _same_in_both(service, case_id, recovered["version"])
    assert doc["status"] == "closed" and doc["fund"]["recovered"] == 22_000
    assert doc["fund"]["request"]["rescue_costs_until"] == "2026-11-27"
    seen = service.client.get(f"/v1/rescues/{case_id}", headers=fund).json()
    assert seen["fund"]["recoveries"][0]["liable_party"] == "张三丰"
    seen = service.client.get(f"/v1/rescues/{case_id}", headers=insurer).json()
    assert seen["fund"]["recoveries"][0]["liable_party"] == "张**"
