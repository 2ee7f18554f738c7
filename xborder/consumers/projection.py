"""The projection consumer of one province: feed -> that province's read model, exactly once."""

from __future__ import annotations

import logging

from xborder.consumers.worker import FatalWorkerError, Worker
from xborder.infra.feeds import Feed
from xborder.projections.casedoc import ProjectionGapError
from xborder.projections.store import ProvinceReadModels

logger = logging.getLogger("xborder.projection")


class ProjectionConsumer(Worker):
    def __init__(
        self, province: str, feed: Feed, readmodels: ProvinceReadModels, *, poll_timeout: float = 0.5
    ) -> None:
        super().__init__(f"projection-{province}")
        self.province = province
        self.feed = feed
        self.readmodels = readmodels
        self.poll_timeout = poll_timeout
        self.applied = 0

    def step(self) -> None:
        records = self.feed.poll(self.poll_timeout)
        if not records:
            return
        try:
            result = self.readmodels.apply(self.province, records)
        except ProjectionGapError as gap:
            raise FatalWorkerError(str(gap)) from gap
        self.applied += result.applied
        if result.duplicates:
            logger.info("projection %s skipped %d re-delivered events", self.province, result.duplicates)

    def recover(self) -> None:
        self.feed.rewind()

    def teardown(self) -> None:
        self.feed.close()
