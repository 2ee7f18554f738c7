"""/v1/stats over a province's read model: counts and overdue cases by status, and the median and 90th
percentile of the time from a case's opening to each step.

The rows are written straight into the read model with known times, so the percentiles can be checked to
the second; the documents have the shape `xborder.projections.casedoc` gives them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, YU, Service

OPENED = datetime.fromisoformat("2026-11-02T09:00:00+08:00")


def _history(steps: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Version 1 opens the case; each later step at so many seconds after the opening."""
    entries = [("TransferApplied", 0), *steps]
    return [
        {"version": v, "type": step, "at": (OPENED + timedelta(seconds=s)).isoformat(), "province": CHUAN}
        for v, (step, s) in enumerate(entries, start=1)
    ]


def _store(
    service: Service, province: str, status: str, steps: list[tuple[str, int]], *, overdue: bool
) -> None:
    deadlines = {"origin_review": {"due": OPENED.isoformat(), "overdue": overdue}}
    history = _history(steps)
    doc = {
        "id": str(uuid.uuid4()),
        "kind": "transfer",
        "status": status,
        "version": len(history),
        "created_at": OPENED.isoformat(),
        "updated_at": history[-1]["at"],
        "deadlines": deadlines,
        "history": history,
    }
    with service.container.readmodels.database_of(province).transaction() as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.cases (id, kind, status, version, plate, created_at, updated_at, doc)"
                " VALUES (%s, 'transfer', %s, %s, NULL, %s, %s, %s)"
            ).format(sql.Identifier(f"province_{province}")),
            (doc["id"], status, doc["version"], OPENED, history[-1]["at"], Jsonb(doc)),
        )


def test_stats_count_overdue_by_status_and_time_each_step(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    # ten cases reviewed 1..10 minutes after they opened; the later ones archived an hour after that
    for i in range(1, 11):
        steps = [("OriginReviewed", 60 * i)]
        if i > 6:
            steps.append(("ArchiveSent", 60 * i + 3600))
        _store(service, CHUAN, "origin_review" if i <= 6 else "archive_sent", steps, overdue=i in (1, 2, 9))
    _store(service, CHUAN, "applied", [], overdue=False)  # opened only: no step to time

    stats = service.client.get("/v1/stats", headers=service.auth("sc-stats", CHUAN, "traffic_police"))
    assert stats.status_code == 200, stats.text
    transfer = stats.json()["workflows"]["transfer"]

    assert transfer["total"] == 11
    assert transfer["counts"] == {"origin_review": 6, "archive_sent": 4, "applied": 1}
    assert transfer["overdue"] == 3
    assert transfer["overdue_counts"] == {"origin_review": 2, "archive_sent": 1}
    # percentile_cont over 60, 120, ..., 600: the median between the 5th and 6th, p90 at 8.1 of 0..9
    assert transfer["seconds_to"]["OriginReviewed"] == {"n": 10, "median": 330.0, "p90": 546.0}
    # 4020, 4080, 4140, 4200: the median halfway between the middle two, p90 at 2.7 of 0..3
    assert transfer["seconds_to"]["ArchiveSent"] == {"n": 4, "median": 4110.0, "p90": 4182.0}
    assert "TransferApplied" not in transfer["seconds_to"]
    # the medians as clients read them before
    assert transfer["median_seconds_to"] == {"OriginReviewed": 330.0, "ArchiveSent": 4110.0}

    # another province's read model: nothing of 川's cases
    yu = service.client.get("/v1/stats", headers=service.auth("yu-stats", YU, "traffic_police")).json()
    assert yu["workflows"] == {}


def test_a_workflow_without_overdue_cases_or_steps_has_empty_figures(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    _store(service, CHUAN, "applied", [], overdue=False)

    transfer = service.container.readmodels.stats(CHUAN)["transfer"]

    assert transfer == {
        "total": 1,
        "counts": {"applied": 1},
        "overdue": 0,
        "overdue_counts": {},
        "median_seconds_to": {},
        "seconds_to": {},
    }
