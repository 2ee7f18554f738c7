"""Audit rows of concurrent answers committed together, each answer waiting for its own (a fake log:
no I/O)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from xborder.privacy.audit import AuditEntry
from xborder.privacy.group_commit import GroupCommit


class SlowLog:
    """Records batches; the first write waits until released, so others pile up behind it."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[AuditEntry]] = []
        self.release = threading.Event()
        self.started = threading.Event()
        self.fail_on = fail_on

    def record(self, entries: Sequence[AuditEntry]) -> None:
        self.started.set()
        self.release.wait(5)
        if self.fail_on is not None and len(self.batches) == self.fail_on:
            self.batches.append(list(entries))
            raise RuntimeError("the database went away")
        self.batches.append(list(entries))


def entry(n: int) -> AuditEntry:
    return AuditEntry("s", "vehicle_admin", None, "510000", None, ("owner.name",), f"/v1/transfers/{n}")


def test_answers_arriving_during_a_write_are_written_together_and_each_waits_for_its_own() -> None:
    log = SlowLog()
    group = GroupCommit(log)  # type: ignore[arg-type]
    finished: list[int] = []

    def answer(n: int) -> None:
        group.record([entry(n)])
        finished.append(n)

    first = threading.Thread(target=answer, args=(0,))
    first.start()
    assert log.started.wait(5)
    others = [
        threading.Thread(target=lambda n=n: (group.record([entry(n)]), finished.append(n)))
        for n in range(1, 6)
    ]
    for thread in others:
        thread.start()
    while len(group._pending) < 5:  # all five queued behind the first write
        threading.Event().wait(0.001)
    assert finished == []  # nobody answered before their rows were written
    log.release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert sorted(finished) == [0, 1, 2, 3, 4, 5]
    assert [len(batch) for batch in log.batches] == [1, 5]  # one commit for the five that waited


def test_a_failed_write_is_raised_to_every_answer_in_its_batch_and_the_next_ones_go_on() -> None:
    log = SlowLog(fail_on=0)
    log.release.set()
    group = GroupCommit(log)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="went away"):
        group.record([entry(0)])
    group.record([entry(1)])
    assert [len(batch) for batch in log.batches] == [1, 1]
