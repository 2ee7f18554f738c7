"""The projection consumer of one province: feed -> that province's read model, exactly once.

A gap in a case's versions stops it loudly (applying over a hole would make the province disagree
with the others). Any other record it cannot apply is parked as a dead letter, with the case's later
events behind it, and the province's other cases go on (xborder.projections.dead_letters)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from xborder.consumers.worker import FatalWorkerError, FeedWorker
from xborder.infra.feeds import Feed, FeedRecord
from xborder.projections.casedoc import ProjectionGapError
from xborder.projections.dead_letters import DeadLetters, Parking
from xborder.projections.store import Announcement, ApplyResult, ProvinceReadModels

logger = logging.getLogger("xborder.projection")


class ProjectionConsumer(FeedWorker):
    def __init__(
        self,
        province: str,
        feed: Feed,
        readmodels: ProvinceReadModels,
        *,
        poll_timeout: float = 0.5,
        on_applied: Callable[[bool], None] | None = None,
        announce: Announcement | None = None,
        dead_letters: DeadLetters | None = None,
    ) -> None:
        """`on_applied(announced)` is called after every batch that changed the read model (it wakes
        reads that wait for a version, here and in other processes); `announce`, the NOTIFY that tells
        other processes, sent in the batch's own transaction where it can be (`announced` then True)."""
        super().__init__(f"projection-{province}")
        self.province = province
        self.feed = feed
        self.readmodels = readmodels
        self.poll_timeout = poll_timeout
        self.applied = 0
        self.parked = 0
        self.on_applied = on_applied
        self.announce = announce
        self.parking = Parking(dead_letters, self.name, fatal=(ProjectionGapError,)) if dead_letters else None

    def step(self) -> None:
        records = self.feed.poll(self.poll_timeout)
        if not records:
            return
        try:
            result = self._apply(records)
        except ProjectionGapError as gap:
            raise FatalWorkerError(str(gap)) from gap
        self.applied += result.applied
        self.parked += result.parked
        if result.applied and self.on_applied is not None:
            self.on_applied(result.announced)
        if result.duplicates:
            logger.info("projection %s skipped %d re-delivered events", self.province, result.duplicates)

    def _apply(self, records: Sequence[FeedRecord]) -> ApplyResult:
        """The whole batch in one transaction; if a record in it is poison, again record by record."""
        parking = self.parking
        if parking is None:
            return self.readmodels.apply(self.province, records, announce=self.announce)
        return parking.attempt(
            lambda careful: self.readmodels.apply(
                self.province, records, parking=parking, careful=careful, announce=self.announce
            )
        )
