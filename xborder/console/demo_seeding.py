"""Demo data one click away (development sign-in only): `xborder demo`'s seeding, run in the background
of the running service so that the page answers at once and the cases appear as they are made."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("xborder.console.demo")


@dataclass(frozen=True)
class SeedingState:
    running: bool
    lines: tuple[str, ...] = ()  # the last run's summary
    error: str | None = None


class DemoSeeding:
    """At most one seeding at a time per service: a second click while one runs starts nothing."""

    def __init__(self, container: Any, *, cases: int) -> None:
        self._container = container
        self.cases = cases
        self._lock = threading.Lock()
        self._state = SeedingState(running=False)

    @property
    def state(self) -> SeedingState:
        with self._lock:
            return self._state

    def start(self, *, seed: int) -> bool:
        """Start seeding unless it already runs; True when this call started it."""
        with self._lock:
            if self._state.running:
                return False
            self._state = SeedingState(running=True)
        threading.Thread(target=self._run, args=(self.cases, seed), name="demo-seeding", daemon=True).start()
        return True

    def _run(self, cases: int, seed: int) -> None:
        from xborder.demo import seed_demo

        try:
            summary = seed_demo(self._container, cases=cases, seed=seed)
        except Exception as error:  # noqa: BLE001 — shown on the page; the service goes on
            logger.warning("demo seeding failed: %s", type(error).__name__)
            state = SeedingState(running=False, error=type(error).__name__)
        else:
            state = SeedingState(running=False, lines=tuple(summary.lines()))
        with self._lock:
            self._state = state
