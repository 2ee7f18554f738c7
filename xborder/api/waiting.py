"""How many reads each caller may have waiting for a version at once.

A waiting read costs no thread, but it does cost a re-read of the read model whenever the province
changes (and at every poll interval): without a cap, one token could keep thousands of them open and
turn every projection batch into thousands of queries. Over the cap the caller gets 429 with
`Retry-After`; other callers are unaffected. Reads answered at once never count.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from xborder.api.problems import ProblemError
from xborder.domain.actors import Actor

TOO_MANY_WAITING: Final = "reads.too_many_waiting"
RETRY_AFTER_SECONDS: Final = 1

Caller = tuple[str, str | None, str]


def caller_of(actor: Actor) -> Caller:
    """The caller a cap applies to: one account acting for one province in one role."""
    return (actor.sub, actor.province, actor.role.value)


class WaitingReads:
    """Counts the waiting reads of each caller. Thread-safe, although the reads run on the event loop:
    the count must stay right whichever thread or loop serves a request."""

    def __init__(self, max_per_caller: int) -> None:
        self.max_per_caller = max_per_caller
        self._lock = threading.Lock()
        self._waiting: dict[Caller, int] = {}

    def waiting(self, caller: Caller) -> int:
        with self._lock:
            return self._waiting.get(caller, 0)

    def total(self) -> int:
        """All callers' waiting reads (for tests and the benchmark: how many are waiting right now)."""
        with self._lock:
            return sum(self._waiting.values())

    @contextmanager
    def admit(self, actor: Actor) -> Iterator[None]:
        """Hold one of the caller's slots while the block runs; 429 if they are all taken."""
        caller = caller_of(actor)
        with self._lock:
            count = self._waiting.get(caller, 0)
            if count >= self.max_per_caller:
                raise ProblemError(
                    429,
                    TOO_MANY_WAITING,
                    f"at most {self.max_per_caller} reads may wait for a version at once per caller; "
                    "retry when one of them has answered",
                    title="Too many waiting reads",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            self._waiting[caller] = count + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._waiting[caller] - 1
                if left:
                    self._waiting[caller] = left
                else:
                    del self._waiting[caller]
