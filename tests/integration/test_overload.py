"""An overloaded service refuses new commands at once and changes nothing for them, while the cases
already made can still be read and health still answers; the overload ends once demand falls.

The guard's judgement is unit-tested with a fake clock (tests/unit/api/test_overload.py); here the real
app, on the real database, is put in the state it judges an overload (an interval whose fastest answer
was slower than the target) and asked what a user would ask. What an overload does to the rate
served and to latency is measured by the bench (bench/load.py, "commands refused")."""

from __future__ import annotations

import time

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, TRANSFER_BODY, YU
from xborder.api.overload import OverloadGuard
from xborder.api.shedding import OVERLOADED


class _Clock:
    """Moved by the test; it starts past every interval the guard began on the real clock."""

    def __init__(self) -> None:
        self.now = time.monotonic() + 10.0

    def __call__(self) -> float:
        return self.now


def _overloaded(guard: OverloadGuard, clock: _Clock) -> None:
    """An interval of answers that all took 0.5 s, then the next: the guard judges it an overload."""
    clock.now += 1.0  # a fresh interval: the answers before were fast
    slow = [guard.arrive() for _ in range(guard.floor)]
    clock.now += 0.5
    for request in slow:
        assert request is not None
        guard.answered(request, ok=True)
        guard.leave(request)
    clock.now += 0.5
    assert guard.state().overloaded


def test_an_overloaded_service_refuses_new_commands_and_still_serves_reads(make_service: MakeService) -> None:
    service = make_service("embedded")
    client = service.client
    guard: OverloadGuard = client.app.state.overload_guard  # type: ignore[attr-defined]
    clock = _Clock()
    guard.clock = clock
    case = service.apply_for_transfer("川A10001")
    service.wait_for_version(CHUAN, case["id"], 2)
    events = service.event_count()

    _overloaded(guard, clock)
    limit = guard.state().limit
    assert limit is not None
    held = [guard.arrive() for _ in range(limit)]  # the service is as busy as it may be
    owner = service.auth("alice", YU, "owner")
    refused = client.post(
        "/v1/transfers",
        json={**TRANSFER_BODY, "plate": "川A10002"},
        headers={**owner, "Idempotency-Key": "overload-1"},
    )
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == OVERLOADED
    assert service.event_count() == events  # nothing was recorded for it

    # The case already made is still read (reads go before new work), and health answers.
    clerk = service.auth("chuan-clerk", CHUAN, "vehicle_admin")
    assert client.get(f"/v1/transfers/{case['id']}", headers=clerk).status_code == 200
    assert client.get("/healthz").status_code == 200
    metrics = client.get("/metrics").text
    assert "xborder_api_overloaded 1.0" in metrics
    assert "xborder_api_refused_overloaded_total 1.0" in metrics

    # Demand falls: the busy requests end, an interval passes with nothing refused, and the same
    # command, retried with its key, is taken and answered once.
    for request in held:
        assert request is not None
        guard.leave(request)
    clock.now += 1.0
    assert client.get(f"/v1/transfers/{case['id']}", headers=clerk).status_code == 200
    clock.now += 1.0
    assert guard.state().overloaded is False
    retried = client.post(
        "/v1/transfers",
        json={**TRANSFER_BODY, "plate": "川A10002"},
        headers={**owner, "Idempotency-Key": "overload-1"},
    )
    assert retried.status_code == 201, retried.text
    assert "xborder_api_overloaded 0.0" in client.get("/metrics").text
