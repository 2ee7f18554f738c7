"""Token buckets, one per key: the arithmetic of the per-caller rate limit, with no HTTP in it.

A bucket holds up to `burst` tokens and gains `per_second` tokens a second; a request takes one, or is
refused when there is less than one. So a caller may send `burst` requests at once and `per_second` a
second for ever after. Time comes from an injected monotonic clock (seconds as a float): the limit is a
property of the running process, not of domain time, so it follows `time.monotonic` in service and a
fake clock in unit tests — never the settable domain clock that tests freeze.

Buckets live in memory, guarded by one lock: sync endpoints run on a pool of threads. A bucket that has
refilled to the brim is the same as no bucket, so buckets are pruned once there are many of them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

__all__ = ["RateDecision", "RatePolicy", "TokenBuckets"]

K = TypeVar("K", bound=Hashable)

# Refills are floating-point sums; a bucket that ought to hold exactly one token must not hold 0.9999999.
_EPSILON: Final = 1e-9
_PRUNE_ABOVE: Final = 10_000


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """`per_second` requests a second sustained, with bursts of up to `burst` at once."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if not (math.isfinite(self.per_second) and self.per_second > 0):
            raise ValueError(f"per_second must be a positive number, got {self.per_second}")
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, got {self.burst}")


@dataclass(frozen=True, slots=True)
class RateDecision:
    """One request's outcome, in the terms of the IETF RateLimit header fields (whole seconds)."""

    allowed: bool
    limit: int  # the burst: what a full bucket holds
    remaining: int  # whole tokens left after this request
    reset_seconds: int  # until the bucket is full again
    retry_after_seconds: int  # until the next request would be allowed; 0 when this one was

    def headers(self) -> dict[str, str]:
        fields = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            fields["Retry-After"] = str(self.retry_after_seconds)
        return fields


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated


class TokenBuckets(Generic[K]):
    """A token bucket per key under one policy. Thread-safe."""

    def __init__(
        self,
        policy: RatePolicy,
        *,
        now: Callable[[], float] = time.monotonic,
        prune_above: int = _PRUNE_ABOVE,
    ) -> None:
        self.policy = policy
        self._now = now
        self._prune_above = prune_above
        self._prune_at = prune_above
        self._lock = threading.Lock()
        self._buckets: dict[K, _Bucket] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def take(self, key: K) -> RateDecision:
        """Take one token from `key`'s bucket if it has one; either way, say where the bucket stands."""
        with self._lock:
            moment = self._now()
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._prune_at:
                    self._prune(moment)
                bucket = self._buckets[key] = _Bucket(float(self.policy.burst), moment)
            tokens = self._level(bucket, moment)
            bucket.updated = max(bucket.updated, moment)
            allowed = tokens >= 1 - _EPSILON
            if allowed:
                tokens = max(0.0, tokens - 1)
            bucket.tokens = tokens
            return self._decision(allowed, tokens)

    def _level(self, bucket: _Bucket, moment: float) -> float:
        elapsed = max(0.0, moment - bucket.updated)  # a clock that steps back refills nothing
        return min(float(self.policy.burst), bucket.tokens + elapsed * self.policy.per_second)

    def _decision(self, allowed: bool, tokens: float) -> RateDecision:
        rate, burst = self.policy.per_second, self.policy.burst
        return RateDecision(
            allowed=allowed,
            limit=burst,
            remaining=math.floor(tokens + _EPSILON),
            reset_seconds=max(0, math.ceil((burst - tokens) / rate - _EPSILON)),
            retry_after_seconds=0 if allowed else max(1, math.ceil((1 - tokens) / rate - _EPSILON)),
        )

    def _prune(self, moment: float) -> None:
        """Forget the buckets that are full again (forgetting one changes nothing); done only when the
        table has doubled since the last pruning, so its cost per request stays constant."""
        burst = float(self.policy.burst)
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if self._level(bucket, moment) < burst - _EPSILON
        }
        self._prune_at = max(self._prune_above, 2 * len(self._buckets))
