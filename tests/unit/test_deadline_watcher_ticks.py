"""The deadline watcher looks for due deadlines once a tick, not after every batch it is handed: under
load a batch arrives with every command, and the look is a query for what changes once a second."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from xborder.consumers.deadlines import DeadlineWatcher
from xborder.infra.feeds import FeedRecord
from xborder.projections.deadlines import DueDeadline


class _Feed:
    def __init__(self, records: list[Any]) -> None:
        self.records = records
        self.polls = 0

    def poll(self, timeout: float) -> list[Any]:
        self.polls += 1
        return list(self.records)


class _Table:
    def __init__(self) -> None:
        self.applied = 0
        self.looked = 0

    def apply(self, records: Sequence[FeedRecord], **_: Any) -> int:
        self.applied += len(records)
        return 0

    def due(self, now: datetime) -> list[DueDeadline]:
        self.looked += 1
        return []


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 30, tzinfo=UTC)


def _watcher(records: list[Any]) -> tuple[DeadlineWatcher, _Table]:
    table = _Table()
    watcher = DeadlineWatcher(_Feed(records), table, {}, _Clock(), tick_seconds=60)  # type: ignore[arg-type]
    return watcher, table


def test_batches_arriving_at_every_step_are_applied_and_due_deadlines_looked_for_once_a_tick() -> None:
    watcher, table = _watcher([object()])
    for _ in range(50):
        watcher.step()
    assert table.applied == 50
    assert table.looked == 1


def test_an_idle_watcher_looks_at_every_tick() -> None:
    watcher, table = _watcher([])  # each poll waited a whole tick for nothing
    for _ in range(5):
        watcher.step()
    assert table.looked == 5
