"""The deadline watcher: keeps the open-deadline table current and records `...Overdue` events.

It is the only thing that turns the passing of time into events; reads never infer overdue-ness on
their own, so every province sees the same overdue flags, at the same versions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from xborder.consumers.worker import FeedWorker
from xborder.domain.application import CaseApplication
from xborder.domain.errors import CaseNotFound, ConcurrentConflict
from xborder.infra.clock import Clock
from xborder.infra.failures import describe_failure, is_passing_fault
from xborder.infra.feeds import Feed
from xborder.projections.dead_letters import DeadLetters, Parking
from xborder.projections.deadlines import CONSUMER, DeadlineTable

logger = logging.getLogger("xborder.deadlines")


class DeadlineWatcher(FeedWorker):
    def __init__(
        self,
        feed: Feed,
        table: DeadlineTable,
        applications: Mapping[str, CaseApplication[Any]],
        clock: Clock,
        *,
        tick_seconds: float = 1.0,
        dead_letters: DeadLetters | None = None,
    ) -> None:
        super().__init__(CONSUMER)
        self.feed = feed
        self.table = table
        self.applications = applications
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.marked = 0
        self.dead_letters = dead_letters
        self.parking = Parking(dead_letters, CONSUMER) if dead_letters else None
        self._checked_at = -float("inf")

    def step(self) -> None:
        records = self.feed.poll(self.tick_seconds)
        if records:
            parking = self.parking
            if parking is None:
                self.table.apply(records)
            else:
                parking.attempt(lambda careful: self.table.apply(records, parking=parking, careful=careful))
        # Once a tick: under load the feed hands over records at every command, and looking for due
        # deadlines after each batch was a query per command for what changes once a second.
        moment = time.monotonic()
        if not records or moment - self._checked_at >= self.tick_seconds:
            self._checked_at = moment
            self.check(self.clock.now())

    def check(self, now: datetime) -> int:
        marked = 0
        for deadline in self.table.due(now):
            app = self.applications[deadline.aggregate_type]
            try:
                if app.mark_overdue(deadline.aggregate_id, deadline.name, now):
                    marked += 1
                    logger.info("deadline %s of %s passed", deadline.name, deadline.aggregate_id)
            except ConcurrentConflict:
                continue  # the case moved on meanwhile; look again at the next tick
            except CaseNotFound:
                pass
            except Exception as error:
                if is_passing_fault(error) or self.dead_letters is None:
                    raise
                # This case's command fails for a reason of its own: the deadlines due after it go on.
                self.table.park(deadline, self.dead_letters, describe_failure(error))
                continue
            self.table.mark_overdue(deadline.aggregate_id, deadline.name)
        self.marked += marked
        return marked
