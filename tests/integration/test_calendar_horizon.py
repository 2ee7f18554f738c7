"""The calendar's horizon on a running service (issue 12 §1).

A transfer applied for on 2026-12-30 starts the 2-working-day archive clock, which counts into 2027, a
year whose State Council holiday schedule (国务院办公厅关于部分节假日安排的通知) the calendar does not
know: both provinces see the due date marked provisional, and readiness warns. An operator adds 2027's
schedule in a data file (`HOLIDAYS_FILE`) and runs `xborder calendar apply`: the case records
`DeadlineRevised`, and both provinces see the corrected due date and why. Running it again revises
nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from uuid import UUID

from tests.integration.conftest import MakeService
from tests.integration.test_console import Browser, page
from tests.support.service import CHUAN, TRANSFER_BODY, YU
from tests.support.waiting import wait_until
from xborder.calendar_apply import Revision, apply_calendar, open_cases_with_deadlines
from xborder.infra.clock import SettableClock

# An example 2027 file for the test (元旦 on Friday 2027-01-01), not the published notice.
YEAR_2027 = {"holidays": ["2027-01-01"], "years": [2027]}


def test_adding_a_year_revises_the_provisional_deadline_in_both_provinces(
    make_service: MakeService, tmp_path: Path
) -> None:
    clock = SettableClock(datetime.fromisoformat("2026-12-30T10:00:00+08:00"))
    service = make_service(clock=clock, dev_signin=True)
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    created = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=yu)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    provisional = {"due": "2027-01-01T23:59:59+08:00", "overdue": False, "provisional": True}
    for province in (CHUAN, YU):
        assert service.wait_for_version(province, case_id, 2)["deadlines"] == {"archive_release": provisional}
    status_before = service.doc(YU, case_id)["status"]  # type: ignore[index]
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    shown = service.client.get(f"/v1/transfers/{case_id}", headers=chuan).json()["deadlines"]
    assert shown == [{"name": "archive_release", **provisional}]

    clerk = Browser(service)
    clerk.sign_in("chuan-clerk", CHUAN, "vehicle_admin", None)
    row = page(clerk.client.get(f"/cases/transfer/{case_id}")).one(data_testid="deadline")
    assert [mark.all_text() for mark in row.find(data_testid="deadline-provisional")] == ["暂定"]
    # 四川's inbox shows the same mark beside the due time.
    inbox = service.client.get("/v1/inbox", headers=chuan).json()["items"]
    assert [(item["case_id"], item["provisional"]) for item in inbox] == [(case_id, True)]
    inbox_row = page(clerk.client.get("/")).one(data_testid="inbox-row", data_case_id=case_id)
    assert [mark.all_text() for mark in inbox_row.find(data_testid="deadline-provisional")] == ["暂定"]

    ready = service.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["calendar"]["horizon"] == "2026-12-31"
    assert "2027" in ready.json()["calendar"]["warning"] and ready.json()["warnings"]

    # The operator adds 2027: a process of the same service with the data file runs the command.
    holidays_file = tmp_path / "holidays-2027.json"
    holidays_file.write_text(json.dumps(YEAR_2027), encoding="utf-8")
    operator = make_service(clock=clock, workers=False, holidays_file=holidays_file)
    assert operator.container.calendar.horizon is not None
    assert operator.container.calendar.horizon.isoformat() == "2027-12-31"
    assert operator.client.get("/readyz").json()["calendar"]["warning"] is None
    wait_until(lambda: open_cases_with_deadlines(operator.container), what="the deadline table")

    assert apply_calendar(operator.container) == [Revision("VehicleTransfer", UUID(case_id))]
    revised = {"due": "2027-01-04T23:59:59+08:00", "overdue": False}
    for province in (CHUAN, YU):
        doc = service.wait_for_version(province, case_id, 3)
        assert doc["deadlines"] == {"archive_release": revised}
        assert doc["history"][-1]["type"] == "DeadlineRevised"
        assert doc["history"][-1]["actor"]["role"] == "system"
        assert doc["status"] == status_before
    assert service.doc(CHUAN, case_id) == service.doc(YU, case_id)
    row = page(clerk.client.get(f"/cases/transfer/{case_id}")).one(data_testid="deadline")
    assert row.find(data_testid="deadline-provisional") == []
    clerk.close()

    assert apply_calendar(operator.container) == []  # idempotent: nothing left to revise
    assert service.container.applications["VehicleTransfer"].get(UUID(case_id)).version == 3
