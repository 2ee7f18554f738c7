"""Python's cycle collector, kept from rescanning what lives as long as the process.

A process of this service holds a large heap that never becomes garbage — the modules, the FastAPI
app and its pydantic schemas, the Applications and their mappers — and allocates at a high rate: every
decoded event is a tree of dicts. With the default thresholds the collector ran a young collection
every 700 allocations and every so often a full one over that whole heap: in a province's rebuild,
measured with py-spy, the collector took about a third of the CPU (2.5 s with it, 1.65 s with it off,
for one province's 17,573 events).

`gc.freeze()` moves what exists after start-up to a generation no collection scans, and a higher
first threshold makes young collections rarer. Reference counting still frees nearly everything at
once; only cycles wait a little longer. Nothing is turned off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

# Allocations between young collections, for a process that allocates in bursts of many small objects.
YOUNG_THRESHOLD: Final = 50_000


def settle_after_start() -> None:
    """For a long-running process, once it has started: what exists now is never rescanned, and
    young collections run every `YOUNG_THRESHOLD` allocations."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@contextmanager
def collecting_rarely() -> Iterator[None]:
    """For a burst of work in a process that goes on afterwards (a rebuild, which the CLI and tests
    also run): the same as `settle_after_start` for the duration, then the collector as it was."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
