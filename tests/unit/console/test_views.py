"""What the pages make of the documents: progress steps, the three parties, due times, details."""

from __future__ import annotations

from datetime import datetime

from xborder.console.i18n import Translator
from xborder.console.views import detail_rows, due_text, objection_steps, rescue_parties, transfer_steps, when
from xborder.domain.holidays_cn import china_calendar

T = Translator("zh")
# A Friday afternoon in Beijing.
NOW = datetime.fromisoformat("2026-11-20T15:00:00+08:00")


def _states(steps: list[object]) -> list[tuple[str, str]]:
    return [(s.key, s.state) for s in steps]  # type: ignore[attr-defined]


def test_a_transfers_steps() -> None:
    assert _states(transfer_steps({"status": "archive_verified"}, T)) == [
        ("accepted", "done"),
        ("archive", "current"),
        ("inspection", "todo"),
        ("done", "todo"),
    ]
    registered = transfer_steps({"status": "registered", "new_plate": "渝A88888"}, T)
    assert _states(registered)[-1] == ("done", "done")
    assert "渝A88888" in registered[-1].notes[0]
    refused = transfer_steps({"status": "refused", "refusal": {"reasons": ["stolen"], "detail": "盗抢骗"}}, T)
    assert _states(refused) == [("accepted", "done"), ("returned", "ended")]
    assert refused[-1].label == "退办"
    assert refused[-1].notes == ("盗抢骗嫌疑", "盗抢骗")


def test_an_objections_steps() -> None:
    assert _states(objection_steps({"status": "under_review"}, T)) == [
        ("forwarded", "done"),
        ("reviewing", "current"),
        ("revoked", "todo"),
    ]
    dismissed = objection_steps(
        {"status": "dismissed", "decision": {"upheld": False, "reason": "证据清楚"}}, T
    )
    assert _states(dismissed)[-1] == ("dismissed", "ended")
    assert dismissed[-1].label == "已驳回"
    upheld = {
        "status": "upheld",
        "decision": {"reason": "套牌"},
        "revocation": {"fine_to_refund": 200},
        "refund": None,
    }
    assert _states(objection_steps(upheld, T))[-1] == ("refund", "todo")
    refunded = {**upheld, "status": "refunded", "refund": {"amount": 200}}
    assert _states(objection_steps(refunded, T))[-2:] == [("revoked", "done"), ("refund", "done")]


def test_a_rescues_three_parties() -> None:
    doc = {
        "police": {
            "unit": "六支队", "province": "510000", "dispatched_at": "2026-11-20T14:00:00+08:00",
            "arrived_at": "2026-11-20T14:20:00+08:00", "response_seconds": 1200,
        },
        "medical": {
            "hospital": "广安市人民医院", "province": "510000", "dispatched_at": "2026-11-20T14:30:00+08:00",
            "admitted_at": None, "response_seconds": None,
        },
        "insurers": {"PICC": {"advance": {"amount": 18000}}},
        "fund": {"review": None},
    }  # fmt: skip
    police, medical, funding = rescue_parties(doc, NOW, T)
    assert (police.state, medical.state, funding.state) == ("done", "waiting", "waiting")
    assert "响应 20 分钟" in police.lines[1]
    assert "已等待 30 分钟" in medical.lines[1]
    assert rescue_parties({}, NOW, T)[0].state == "none"


def test_due_times_in_working_days_and_hours() -> None:
    calendar = china_calendar()
    # Due next Tuesday night: Monday and Tuesday are the working days left.
    assert due_text("2026-11-24T23:59:59+08:00", NOW, calendar, T) == "剩 2 个工作日"
    assert due_text("2026-11-20T20:00:00+08:00", NOW, calendar, T) == "剩 5 小时"
    assert due_text("2026-11-20T12:00:00+08:00", NOW, calendar, T) == "超期 3 小时"
    assert due_text(None, NOW, calendar, T) == ""


def test_details_hide_what_has_its_own_section_and_name_the_rest() -> None:
    doc = {
        "id": "x", "kind": "rescue", "status": "open", "version": 1, "history": [], "police": None,
        "accident": "500000", "casualties": [{"ref": "P1", "severity": "serious", "medical_notes": None}],
    }  # fmt: skip
    rows = {row.key: row for row in detail_rows(doc, T)}
    assert set(rows) == {"accident", "casualties"}
    assert rows["accident"].value == "重庆市"
    assert rows["casualties"].table == (("伤员编号", "伤情"), (("P1", "重伤"),))  # no notes column at all
    assert when("2026-11-20T07:00:00Z") == "2026-11-20 15:00"
