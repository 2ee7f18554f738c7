"""A rebuild reads its next batch while it applies the current one (`ReadAhead`); what it hands the feed
must be exactly what asking the log then would have given."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xborder.projections.rebuild_decoding import ReadAhead


@dataclass(frozen=True)
class _App:
    name: str


@dataclass(frozen=True)
class _Note:
    id: int


class _Log:
    """Notification ids 1..n of one application; `calls` records every (thread, starts) asked."""

    def __init__(self, app: _App, last: int) -> None:
        self.app = app
        self.last = last
        self.calls: list[tuple[str, tuple[int, ...]]] = []

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Any]]:
        self.calls.append((threading.current_thread().name, tuple(start for _, start in starts)))
        start = starts[0][1]
        return {self.app.name: [_Note(i) for i in range(start, min(self.last, start + limit - 1) + 1)]}


def _ids(found: Mapping[str, Sequence[Any]]) -> list[int]:
    return [note.id for notes in found.values() for note in notes]


def test_the_next_batch_is_read_ahead_from_where_the_last_one_ended() -> None:
    app = _App("Transfers")
    log = _Log(app, last=25)
    read = ReadAhead(log)
    try:
        assert _ids(read([(app, 1)], 10)) == list(range(1, 11))
        assert _ids(read([(app, 11)], 10)) == list(range(11, 21))
        assert _ids(read([(app, 21)], 10)) == list(range(21, 26))
    finally:
        read.close()
    ahead = [starts for thread, starts in log.calls if thread.startswith("rebuild-read-ahead")]
    assert ahead[:2] == [(11,), (21,)], log.calls


def test_an_empty_batch_read_ahead_is_asked_again_and_sees_what_was_committed_since() -> None:
    app = _App("Transfers")
    log = _Log(app, last=10)
    read = ReadAhead(log)
    try:
        assert _ids(read([(app, 1)], 10)) == list(range(1, 11))
        log.last = 13  # committed after the read ahead of (11,) found nothing
        assert _ids(read([(app, 11)], 10)) == [11, 12, 13]
    finally:
        read.close()


def test_a_batch_read_ahead_from_other_starts_is_not_handed_out() -> None:
    app = _App("Transfers")
    log = _Log(app, last=30)
    read = ReadAhead(log)
    try:
        read([(app, 1)], 10)
        assert _ids(read([(app, 5)], 10)) == list(range(5, 15))  # a rewind: read from there
    finally:
        read.close()
