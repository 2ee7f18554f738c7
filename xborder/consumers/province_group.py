"""One consumer projecting several provinces whose read models share a database.

Each province keeps what makes its read model its own: its records (only its own: the notifications
routed to it, or its delivery topic — `xborder.consumers.province_feeds`), its positions in its own
schema, its dead letters, a gap that stops it. What the provinces of one database share is the work
around that: they are read together (one query, or one Kafka consumer), an event involving two
provinces is decoded once, and the batches of all of them are applied in one transaction
(`ProvinceReadModels.apply_together`) — rows and positions of every province still commit together
or not at all, as one transaction each would.

Measured on the command path of `xborder serve` (31 provinces, a transfer involving two), one
consumer thread per province cost a transaction, a routed read and a thread hand-off per province per
command: the workers' process used about as much CPU as the API's.

When the shared transaction fails for a reason that is not the database's (a poison record, a gap),
it has rolled back, and each province's batch is applied alone, exactly as a consumer of its own
applies it: a poison record is parked in its province, and a gap stops that province only — the
others go on, and the consumer reports the stopped one (`error`, so /readyz answers 503).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from xborder.consumers.province_feeds import ProvinceFeeds
from xborder.consumers.worker import Worker
from xborder.infra.failures import describe_failure, is_passing_fault
from xborder.infra.feeds import FeedRecord, feed_ready
from xborder.projections.casedoc import ProjectionGapError
from xborder.projections.dead_letters import DeadLetters, Parking, projection_consumer
from xborder.projections.store import ApplyResult, ProvinceReadModels

logger = logging.getLogger("xborder.projection")

GROUP_WORKER = "projection-group"


class ProvinceGroupConsumer(Worker):
    def __init__(
        self,
        feeds: ProvinceFeeds,
        readmodels: ProvinceReadModels,
        *,
        dead_letters: DeadLetters,
        poll_timeout: float = 0.5,
        on_applied: Callable[[str, bool], None] | None = None,
        announce_channel: str | None = None,
    ) -> None:
        """`feeds`: each province's records (`xborder.consumers.province_feeds`); `on_applied(province,
        announced)` after each batch that changed a province's read model; `announce_channel`: the
        NOTIFY channel telling other processes which provinces changed."""
        super().__init__(GROUP_WORKER)
        self.feeds = feeds
        self.readmodels = readmodels
        self.poll_timeout = poll_timeout
        self.on_applied = on_applied
        self.announce_channel = announce_channel
        self.parkings = {
            code: Parking(dead_letters, projection_consumer(code), fatal=(ProjectionGapError,))
            for code in feeds.provinces
        }
        self.applied = 0
        self.parked = 0
        self.stopped: dict[str, str] = {}  # province -> why it stopped (a gap)

    @property
    def provinces(self) -> list[str]:
        return [code for code in self.feeds.provinces if code not in self.stopped]

    # ------------------------------------------------------------------ the loop
    def step(self) -> None:
        batches = self.feeds.poll(self.poll_timeout, self.provinces)
        if batches:
            self._apply(batches)

    def _apply(self, batches: Mapping[str, Sequence[FeedRecord]]) -> None:
        try:
            results = self.readmodels.apply_together(
                batches, self.parkings, announce_channel=self.announce_channel
            )
        except Exception as error:
            if is_passing_fault(error):
                raise  # the database: the worker rewinds every feed and retries
            # Described, not quoted: a database error's DETAIL would quote the data it refused.
            logger.info(
                "projection of %d provinces together failed (%s); each alone",
                len(batches),
                describe_failure(error),
            )
            results = self._apply_each_alone(batches)
        for code, result in results.items():
            self.applied += result.applied
            self.parked += result.parked
            if result.applied and self.on_applied is not None:
                self.on_applied(code, result.announced)
            if result.duplicates:
                logger.info("projection %s skipped %d re-delivered events", code, result.duplicates)

    def _apply_each_alone(self, batches: Mapping[str, Sequence[FeedRecord]]) -> dict[str, ApplyResult]:
        """As each province's consumer of its own would: its batch in its own transaction, carefully
        when something in it is poison; a gap stops that province."""
        results: dict[str, ApplyResult] = {}
        for code, records in batches.items():
            parking = self.parkings[code]
            try:
                results[code] = parking.attempt(partial(self._apply_alone, code, records, parking))
            except ProjectionGapError as gap:
                self._stop(code, str(gap))
        return results

    def _apply_alone(
        self, province: str, records: Sequence[FeedRecord], parking: Parking, careful: bool
    ) -> ApplyResult:
        return self.readmodels.apply(province, records, parking=parking, careful=careful)

    def _stop(self, province: str, why: str) -> None:
        self.stopped[province] = why
        self.error = "; ".join(
            f"{code}: ProjectionGapError: {reason}" for code, reason in self.stopped.items()
        )
        logger.critical("projection of %s stopped (the others go on): %s", province, why)

    # ------------------------------------------------------------------ the worker's hooks
    def ready(self) -> bool:
        return feed_ready(self.feeds)

    def recover(self) -> None:
        self.feeds.rewind(self.provinces)

    def wake(self) -> None:
        self.feeds.interrupt()

    def teardown(self) -> None:
        self.feeds.close()
