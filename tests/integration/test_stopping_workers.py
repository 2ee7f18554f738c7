"""Stopping the workers is prompt even though idle consumers wait long between looks: a consumer waiting
for news is interrupted, and all are asked to stop at once (a service's shutdown, a test's teardown)."""

from __future__ import annotations

import time

from tests.integration.conftest import MakeService
from xborder.consumers.province_group import ProvinceGroupConsumer
from xborder.domain.provinces import PROVINCES

IDLE_POLL = 60.0  # seconds: a consumer left to wait this out would hold the shutdown up


def test_idle_workers_of_31_provinces_stop_at_once(make_service: MakeService) -> None:
    service = make_service("embedded", provinces=None, idle_poll_seconds=IDLE_POLL)
    container = service.container
    # The 31 provinces' read models share the database: one consumer projects them together.
    group = next(w for w in container.workers if isinstance(w, ProvinceGroupConsumer))
    assert sorted(group.provinces) == sorted(p.code for p in PROVINCES)
    assert all(worker.running for worker in container.workers)

    workers = list(container.workers)
    # One consumer alone, waiting for news: interrupted, not left to wait its minute out.
    consumer = group
    consumer.stop(timeout=5)
    assert not consumer.running

    started = time.monotonic()
    container.stop_workers()
    stopped_after = time.monotonic() - started

    # Each stop waits at most 10 s for its thread: a consumer not interrupted would still be waiting.
    assert [w.name for w in workers if w.running] == []
    # Not a speed figure: far below one idle wait, which is what a consumer not interrupted costs.
    assert stopped_after < 10, f"stopping took {stopped_after:.1f} s"
