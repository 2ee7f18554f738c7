"""`seed_demo` / `xborder demo`: demo cases in every workflow and status, made by the Applications'
commands, which the provinces' read models and inboxes show once the workers ran — overdue ones marked,
lapsed transfers lapsed, each case in exactly its provinces."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.integration.conftest import MakeService
from tests.support.service import Service
from tests.support.waiting import wait_until
from xborder.demo import DEMO_PROVINCES, MIN_CASES, PROMISED_STATUSES, DemoSummary, SeededCase, seed_demo
from xborder.infra.clock import SettableClock
from xborder.workflows.transfer.application import VehicleTransfers

SEED = 7


def test_the_demo_shows_every_status_in_the_provinces_involved(make_service: MakeService) -> None:
    # Workers running while it seeds: the way a console would call it on a running service.
    service = make_service(provinces=list(DEMO_PROVINCES))
    summary = seed_demo(service.container, cases=MIN_CASES, seed=SEED)

    assert len(summary.cases) == MIN_CASES
    assert {kind: set(statuses) for kind, statuses in summary.counts().items()} == PROMISED_STATUSES
    # Exactly the cases of the overdue plans are past a deadline, in every workflow.
    assert all(bool(case.past_due) == case.plan.overdue for case in summary.cases)
    assert set(summary.past_due()) == set(PROMISED_STATUSES)
    assert summary.follow_ups()["hit_and_run"] >= 1

    wait_until(
        lambda: all(_shown(service, case) for case in summary.cases),
        timeout=120,
        interval=0.5,
        what="every demo case in each of its provinces, in its promised status, overdue marked",
    )
    for case in summary.cases:
        holders = {p for p in DEMO_PROVINCES if service.doc(p, case.case_id) is not None}
        assert holders == set(case.provinces), case
        assert len(case.provinces) >= 2 or case.status == "open", case  # past its opening: cross-province

    assert _read_models(service) == (PROMISED_STATUSES, set(PROMISED_STATUSES))
    for kind in PROMISED_STATUSES:
        late = next(c for c in summary.cases if c.kind == kind and c.past_due and c.promised != "lapsed")
        _assert_overdue_in_inbox(service, late)

    # Again, with the same seed: another batch of the very same cases, although the deadline watcher
    # (running all along) flags backdated deadlines between a case's steps at other moments each time,
    # and the step whose save then conflicts is taken again.
    again = seed_demo(service.container, cases=MIN_CASES, seed=SEED)
    assert not {c.case_id for c in summary.cases} & {c.case_id for c in again.cases}
    assert [(c.plan, c.status, c.provinces, c.past_due) for c in again.cases] == [
        (c.plan, c.status, c.provinces, c.past_due) for c in summary.cases
    ]
    assert _vehicles(service, again) == _vehicles(service, summary)


def test_xborder_demo_then_the_service_shows_it(
    database_url: str, make_service: MakeService, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PROVINCES": ",".join(DEMO_PROVINCES),
        "JWT_SECRET": "integration-test-secret-of-at-least-32-bytes",
        "DATA_DIR": str(tmp_path),
    }
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    too_few = _xborder(env, "demo", "--cases", "3")
    assert too_few.returncode == 2, too_few.stderr
    assert f"at least {MIN_CASES}" in too_few.stderr

    seeded = _xborder(env, "demo", "--cases", str(MIN_CASES), "--seed", "3")
    assert seeded.returncode == 0, seeded.stderr
    lines = seeded.stdout.splitlines()
    assert lines[0].startswith(f"xborder demo: {MIN_CASES} cases (seed 3)")
    assert {line.split()[0] for line in lines[1:5]} == set(PROMISED_STATUSES)

    # The service started afterwards (its workers, on the real clock) shows every promised status.
    service = make_service(provinces=list(DEMO_PROVINCES), clock=SettableClock(datetime.now(UTC)))
    wait_until(
        lambda: _read_models(service) == (PROMISED_STATUSES, set(PROMISED_STATUSES)),
        timeout=120,
        interval=0.5,
        what="every promised status in the read models, and overdue cases in every workflow",
    )


def _xborder(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xborder.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _shown(service: Service, case: SeededCase) -> bool:
    """The case is in each of its provinces' read models, at least at its seeded version, in its
    promised status, with the deadlines it was past due marked overdue (a lapsed transfer has none)."""
    for province in case.provinces:
        doc = service.doc(province, case.case_id)
        if doc is None or doc["version"] < case.version or doc["status"] != case.promised:
            return False
        deadlines: dict[str, Any] = doc["deadlines"]
        if case.promised != "lapsed" and not all(deadlines[name]["overdue"] for name in case.past_due):
            return False
    return True


def _assert_overdue_in_inbox(service: Service, case: SeededCase) -> None:
    """Whoever must act on a past-due deadline of the case finds it overdue in their inbox."""
    doc = service.doc(case.provinces[0], case.case_id)
    assert doc is not None
    entry = next(e for e in doc["awaiting"] if e["deadline"] in case.past_due)
    headers = service.auth("demo-reader", entry["province"], entry["role"], entry.get("org"))
    response = service.client.get("/v1/inbox", headers=headers)
    assert response.status_code == 200, response.text
    mine = [item for item in response.json()["items"] if item["case_id"] == str(case.case_id)]
    assert mine, (case, entry)
    assert any(item["overdue"] for item in mine), mine


def _read_models(service: Service) -> tuple[dict[str, frozenset[str]], set[str]]:
    """Across the demo's provinces: each workflow's statuses, and the workflows with an overdue case.
    From the case documents, which one query reads consistently while the projections go on."""
    statuses: dict[str, set[str]] = {}
    overdue: set[str] = set()
    for province in DEMO_PROVINCES:
        for kind in PROMISED_STATUSES:
            page = service.container.readmodels.list_cases(
                province, kind=kind, status=None, page=1, page_size=1000
            )
            assert page.next_page is None
            for doc in page.items:
                statuses.setdefault(kind, set()).add(doc["status"])
                if any(deadline["overdue"] for deadline in doc["deadlines"].values()):
                    overdue.add(kind)
    return {kind: frozenset(found) for kind, found in statuses.items()}, overdue


def _vehicles(service: Service, summary: DemoSummary) -> list[tuple[str, str]]:
    transfers = service.container.application(VehicleTransfers)
    cases = [transfers.get(c.case_id) for c in summary.cases if c.kind == "transfer"]
    return [(case.plate, case.vin) for case in cases]
