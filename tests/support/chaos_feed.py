"""A feed that delivers what another feed reads, duplicated and reordered, driven by a seeded random
generator: what an at-least-once broker, a consumer restarting from its stored positions, and
partitions interleaving can hand a projection consumer.

Faults it injects, each within what the design says a consumer must absorb (docs/decisions.md,
"Consumers"):

- batches of random size (never splitting the records one stored event produced: they share a position);
- re-deliveries: copies of records handed over in earlier batches, anywhere in a later one;
- duplicates within a batch: a copy of a record placed after the original (anywhere later);
- swaps of adjacent records of different cases (their relative order means nothing);
- late copies of a case's earlier versions after its later ones (a same-case reorder of a duplicate);
- rewinds: the inner feed re-reads from the consumer's stored positions, everything unapplied dropped.

`invert_next_pair()` makes it swap, once, two consecutive unapplied versions of one case — the reorder
the design does not allow: the consumer must stop on the gap, loudly.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from xborder.infra.feeds import Feed, FeedRecord


@dataclass
class ChaosCounts:
    handed: int = 0  # records handed to the consumer, copies included
    redelivered: int = 0  # copies of records of earlier batches
    duplicated: int = 0  # copies within a batch
    late_copies: int = 0  # copies of a case's earlier version placed after a later one
    swaps: int = 0  # adjacent records of different cases swapped
    rewinds: int = 0
    inverted: int = 0  # consecutive versions of one case swapped (a gap: the consumer must stop)
    versions: Counter[tuple[UUID, int]] = field(default_factory=Counter)  # (case, version) -> times handed

    @property
    def copies(self) -> int:
        """Records handed more than once (however the copy came about, rewinds included)."""
        return sum(n - 1 for n in self.versions.values())


class ChaosFeed:
    def __init__(
        self,
        inner: Feed,
        rng: random.Random,
        *,
        max_batch: int = 8,
        redeliver: float = 0.3,
        duplicate: float = 0.2,
        swap: float = 0.4,
        late_copy: float = 0.2,
        rewind: float = 0.15,
    ) -> None:
        self.inner = inner
        self.rng = rng
        self.max_batch = max_batch
        self.redeliver = redeliver
        self.duplicate = duplicate
        self.swap = swap
        self.late_copy = late_copy
        self.rewind_chance = rewind
        self.counts = ChaosCounts()
        self._pending: list[FeedRecord] = []
        self._handed: list[FeedRecord] = []  # handed over before, for re-deliveries
        self._invert = False

    def invert_next_pair(self) -> None:
        self._invert = True

    @property
    def drained(self) -> bool:
        return not self._pending

    # ------------------------------------------------------------------ Feed
    def poll(self, timeout: float) -> Sequence[FeedRecord]:
        if self._pending and self.rng.random() < self.rewind_chance:
            # The consumer "restarts": re-read from its stored positions; nothing unapplied survives.
            self.counts.rewinds += 1
            self._pending.clear()
            self.inner.rewind()
        if not self._pending:
            self._pending.extend(self.inner.poll(timeout))
        if not self._pending:
            return []
        batch = self._take()
        if self._invert and self._inverted(batch):
            self._invert = False
        else:
            self._disturb(batch)
        self._handed.extend(batch)
        del self._handed[:-200]
        self.counts.handed += len(batch)
        self.counts.versions.update((r.envelope.aggregate_id, r.envelope.version) for r in batch)
        return batch

    def rewind(self) -> None:
        """After a failed batch: nothing unapplied survives, and what was handed may not be applied."""
        self._pending.clear()
        self._handed.clear()
        self.inner.rewind()

    def interrupt(self) -> None:
        self.inner.interrupt()

    def close(self) -> None:
        self.inner.close()

    # ------------------------------------------------------------------ faults
    def _take(self) -> list[FeedRecord]:
        size = self.rng.randint(1, self.max_batch)
        end = min(size, len(self._pending))
        # Never split the records of one stored event (a catch-up replay): they share one position, and
        # a consumer that stored it after the first part would never see the rest.
        while end < len(self._pending) and _position(self._pending[end]) == _position(self._pending[end - 1]):
            end += 1
        batch = self._pending[:end]
        del self._pending[:end]
        return batch

    def _disturb(self, batch: list[FeedRecord]) -> None:
        rng = self.rng
        # Re-deliveries of earlier batches' records, anywhere: those versions are applied already.
        if self._handed and rng.random() < self.redeliver:
            for record in rng.sample(self._handed, min(len(self._handed), rng.randint(1, 3))):
                batch.insert(rng.randint(0, len(batch)), record)
                self.counts.redelivered += 1
        # A copy of a record of this batch, somewhere after the original.
        if rng.random() < self.duplicate:
            index = rng.randrange(len(batch))
            batch.insert(rng.randint(index + 1, len(batch)), batch[index])
            self.counts.duplicated += 1
        # A late copy: an earlier version of a case placed right after a later version of it.
        if rng.random() < self.late_copy:
            for later in range(len(batch) - 1, 0, -1):
                case = batch[later].envelope.aggregate_id
                earlier = [r for r in batch[:later] if r.envelope.aggregate_id == case]
                if earlier and earlier[0].envelope.version < batch[later].envelope.version:
                    batch.insert(later + 1, earlier[0])
                    self.counts.late_copies += 1
                    break
        # Swaps of adjacent records of different cases.
        for i in range(len(batch) - 1):
            a, b = batch[i], batch[i + 1]
            if a.envelope.aggregate_id != b.envelope.aggregate_id and rng.random() < self.swap:
                batch[i], batch[i + 1] = b, a
                self.counts.swaps += 1

    def _inverted(self, batch: list[FeedRecord]) -> bool:
        for i in range(len(batch) - 1):
            a, b = batch[i].envelope, batch[i + 1].envelope
            if a.aggregate_id == b.aggregate_id and b.version == a.version + 1:
                batch[i], batch[i + 1] = batch[i + 1], batch[i]
                self.counts.inverted += 1
                return True
        return False


def _position(record: FeedRecord) -> tuple[str, int]:
    return record.source, record.next_position
