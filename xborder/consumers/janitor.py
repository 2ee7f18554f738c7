"""The janitor: deletes expired idempotency records, so the table does not grow for ever.

Correctness does not wait for it — an expired record is already ignored by lookups and overwritten by
the next command with its key (`xborder.infra.idempotency`) — so it can run rarely and gently: at most
`batch_size` rows per short transaction, batch after batch while a whole batch comes back, then a pause
of `interval_seconds`. Several processes may run it at once (rows one of them holds are skipped by the
others). "Expired" is judged by the service's injected clock, which tests move.
"""

from __future__ import annotations

import logging

from xborder.consumers.worker import Worker
from xborder.infra.idempotency import IdempotencyStore

logger = logging.getLogger("xborder.janitor")


class IdempotencyJanitor(Worker):
    def __init__(self, store: IdempotencyStore, *, interval_seconds: float, batch_size: int) -> None:
        if interval_seconds <= 0:
            raise ValueError(f"interval_seconds must be positive, got {interval_seconds}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        super().__init__("idempotency-janitor")
        self.store = store
        self.interval_seconds = interval_seconds
        self.batch_size = batch_size
        self.deleted = 0

    def step(self) -> None:
        deleted = self.sweep()
        if deleted < self.batch_size:
            # Caught up: rest until the next round (woken early only by stop()).
            self._stopping.wait(self.interval_seconds)

    def sweep(self) -> int:
        """Delete one batch of expired records; how many went."""
        deleted = self.store.delete_expired(self.batch_size)
        if deleted:
            self.deleted += deleted
            logger.info("deleted %d expired idempotency records", deleted)
        return deleted
