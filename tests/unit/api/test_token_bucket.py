"""The token buckets behind the per-caller rate limit, on a fake clock (no sleeping, no I/O)."""

from __future__ import annotations

import threading

import pytest

from xborder.api.token_bucket import RateDecision, RatePolicy, TokenBuckets


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _buckets(per_second: float, burst: int, **kwargs: int) -> tuple[TokenBuckets[str], FakeMonotonic]:
    clock = FakeMonotonic()
    return TokenBuckets(RatePolicy(per_second, burst), now=clock, **kwargs), clock


def test_a_full_bucket_allows_a_burst_then_refuses() -> None:
    buckets, _ = _buckets(per_second=2, burst=3)
    decisions = [buckets.take("alice") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert {d.limit for d in decisions} == {3}
    refused = decisions[-1]
    assert refused.retry_after_seconds == 1  # half a second to the next token, rounded up
    assert refused.reset_seconds == 2  # 1.5 s to refill three tokens, rounded up


def test_tokens_come_back_at_the_sustained_rate_and_never_beyond_the_burst() -> None:
    buckets, clock = _buckets(per_second=2, burst=3)
    for _ in range(3):
        buckets.take("alice")
    clock.advance(0.5)
    assert buckets.take("alice").allowed
    assert not buckets.take("alice").allowed
    clock.advance(3600)
    decisions = [buckets.take("alice") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]


def test_retry_after_counts_whole_seconds_to_the_next_token() -> None:
    buckets, clock = _buckets(per_second=0.25, burst=1)
    assert buckets.take("alice").allowed
    assert buckets.take("alice").retry_after_seconds == 4
    clock.advance(2.5)
    refused = buckets.take("alice")
    assert (refused.allowed, refused.retry_after_seconds) == (False, 2)
    clock.advance(1.5)
    assert buckets.take("alice").allowed


def test_a_refused_request_takes_nothing() -> None:
    buckets, clock = _buckets(per_second=1, burst=1)
    buckets.take("alice")
    for _ in range(10):
        assert not buckets.take("alice").allowed
    clock.advance(1)
    assert buckets.take("alice").allowed


def test_callers_have_their_own_buckets() -> None:
    buckets, _ = _buckets(per_second=1, burst=1)
    assert buckets.take("alice").allowed
    assert not buckets.take("alice").allowed
    assert buckets.take("bob").allowed


def test_a_clock_stepping_back_refills_nothing() -> None:
    buckets, clock = _buckets(per_second=1, burst=1)
    buckets.take("alice")
    clock.advance(-100)
    assert not buckets.take("alice").allowed
    clock.advance(100.5)  # back where it was, plus half a token's worth: not enough
    assert not buckets.take("alice").allowed
    clock.advance(0.5)
    assert buckets.take("alice").allowed


def test_full_buckets_are_forgotten_once_there_are_many() -> None:
    buckets, clock = _buckets(per_second=1, burst=2, prune_above=4)
    for caller in ("a", "b", "c", "d"):
        buckets.take(caller)
    clock.advance(0.5)
    buckets.take("d")  # d is still short of a full bucket
    clock.advance(0.6)  # a, b, c are full again; d is not
    buckets.take("e")
    assert len(buckets) == 2  # d and e
    assert buckets.take("d").remaining == 0  # its state survived the pruning


def test_concurrent_takers_get_exactly_the_burst() -> None:
    buckets, _ = _buckets(per_second=1, burst=50)
    allowed: list[bool] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(20):
            decision = buckets.take("alice")
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 50


def test_decisions_render_the_ietf_header_fields() -> None:
    allowed = RateDecision(allowed=True, limit=10, remaining=9, reset_seconds=1, retry_after_seconds=0)
    assert allowed.headers() == {"RateLimit-Limit": "10", "RateLimit-Remaining": "9", "RateLimit-Reset": "1"}
    refused = RateDecision(allowed=False, limit=10, remaining=0, reset_seconds=10, retry_after_seconds=1)
    assert refused.headers()["Retry-After"] == "1"


@pytest.mark.parametrize(("per_second", "burst"), [(0, 1), (-1, 1), (float("inf"), 1), (1, 0)])
def test_nonsense_policies_are_refused(per_second: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RatePolicy(per_second, burst)
