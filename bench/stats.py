"""Small timing helpers: latency samples and their summaries. Measurement only, never a verdict."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Samples:
    """Latencies in seconds of one operation, and the wall time the whole series took."""

    name: str
    latencies: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    errors: int = 0
    first_error: str | None = None

    @contextmanager
    def measure(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.latencies.append(time.perf_counter() - start)

    def error(self, detail: str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = detail[:500]

    def summary(self) -> dict[str, Any]:
        ms = [s * 1000.0 for s in self.latencies]
        result: dict[str, Any] = {
            "n": len(ms),
            "p50_ms": _round(percentile(ms, 50)),
            "p95_ms": _round(percentile(ms, 95)),
            "p99_ms": _round(percentile(ms, 99)),
            "mean_ms": _round(sum(ms) / len(ms)) if ms else None,
            "max_ms": _round(max(ms)) if ms else None,
        }
        if self.wall_seconds > 0:
            result["wall_s"] = _round(self.wall_seconds)
            result["ops_per_s"] = _round(len(ms) / self.wall_seconds)
        if self.errors:
            result["errors"] = self.errors
            result["first_error"] = self.first_error
        return result


@contextmanager
def wall_clock(samples: Samples) -> Iterator[None]:
    """Time a whole series into `samples.wall_seconds`."""
    start = time.perf_counter()
    try:
        yield
    finally:
        samples.wall_seconds += time.perf_counter() - start


def _round(value: float) -> float | None:
    if math.isnan(value):
        return None
    return round(value, 3)
