"""The overload guard: a burst passes, a standing queue sheds new work down to what is served in time,
reads before commands, and the overload ends once nothing had to be refused for an interval."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xborder.api.overload import InProgress, OverloadGuard


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _guard(clock: FakeClock, *, target: float = 0.25, floor: int = 4) -> OverloadGuard:
    return OverloadGuard(target=target, floor=floor, interval=1.0, clock=clock)


def _serve(guard: OverloadGuard, clock: FakeClock, n: int, seconds: float) -> None:
    """`n` requests, each answered `seconds` after it arrived, one after another."""
    for _ in range(n):
        request = guard.arrive()
        assert request is not None
        clock.now += seconds
        guard.answered(request, ok=True)
        guard.leave(request)


def _overload(guard: OverloadGuard, clock: FakeClock, *, timed: int = 40) -> None:
    """An interval of `timed` answers, the fastest 0.5 s (a standing queue), then the next interval."""
    started = [guard.arrive() for _ in range(timed)]
    clock.now += 0.5
    for request in started:
        assert request is not None
        guard.answered(request, ok=True)
        guard.leave(request)
    clock.now += 0.5
    guard.state()  # rolls the interval over


def _answer_each(
    guard: OverloadGuard, clock: FakeClock, requests: list[InProgress | None], tick: float
) -> None:
    """Requests already in progress answered one after another, `tick` seconds apart, and gone."""
    for request in requests:
        assert request is not None
        clock.now += tick
        guard.answered(request, ok=True)
        guard.leave(request)


def _hold(guard: OverloadGuard, n: int, *, reading: bool = False) -> list[InProgress | None]:
    return [guard.arrive(reading=reading) for _ in range(n)]


def test_a_burst_answered_in_time_is_never_refused() -> None:
    clock = FakeClock()
    guard = _guard(clock)
    burst = _hold(guard, 500)
    assert all(request is not None for request in burst)
    _answer_each(guard, clock, burst, 0.001)
    clock.now += 1.0
    assert guard.state().overloaded is False
    assert guard.state().in_progress == 0


def test_a_standing_queue_limits_new_work_to_what_is_served_within_the_target() -> None:
    clock = FakeClock()
    guard = _guard(clock)
    _overload(guard, clock, timed=40)  # 40 answered in 1 s, the fastest in 0.5 s
    state = guard.state()
    assert state.overloaded
    assert state.limit == 10  # 40/s × 0.25 s
    admitted = _hold(guard, 10)
    assert all(request is not None for request in admitted)
    assert guard.arrive() is None  # the eleventh command in progress is refused
    assert guard.state().refused == 1
    # A read is admitted up to twice the limit: refusing it would waste the command it follows.
    reads = _hold(guard, 10, reading=True)
    assert all(request is not None for request in reads)
    assert guard.arrive(reading=True) is None
    # One that leaves makes room for one more.
    first = admitted[0]
    assert first is not None
    guard.leave(first)
    assert guard.arrive(reading=True) is not None


def test_the_limit_never_falls_below_the_floor() -> None:
    clock = FakeClock()
    guard = _guard(clock, floor=8)
    _overload(guard, clock, timed=8)  # 8/s × 0.25 s = 2, below the floor
    assert guard.state().limit == 8


def test_a_few_slow_requests_are_not_an_overload() -> None:
    clock = FakeClock()
    guard = _guard(clock, floor=4)
    _serve(guard, clock, 3, 0.4)  # slow, but fewer than the floor: a slow query, not a queue
    clock.now += 1.0
    assert guard.state().overloaded is False


@pytest.mark.parametrize(("ok", "overloaded"), [(True, False), (False, True)])
def test_one_answer_in_time_is_no_standing_queue_unless_it_was_an_error(ok: bool, overloaded: bool) -> None:
    """One request answered at once among slow ones shows the queue drains: no overload. Unless its
    answer was an error (a 401, a 422, refused before any work), which says nothing of a queue and
    must not hide one."""
    clock = FakeClock()
    guard = _guard(clock)
    slow = _hold(guard, 20)
    quick = guard.arrive()
    assert quick is not None
    clock.now += 0.01
    guard.answered(quick, ok=ok)
    guard.leave(quick)
    clock.now += 0.5
    for request in slow:
        assert request is not None
        guard.answered(request, ok=True)
    clock.now += 0.5
    assert guard.state().overloaded is overloaded


def test_the_overload_ends_after_an_interval_with_nothing_refused() -> None:
    clock = FakeClock()
    guard = _guard(clock)
    _overload(guard, clock)
    held = _hold(guard, 10)
    assert guard.arrive() is None
    # Still refusing in this interval: the next is judged overloaded again (from what it answered).
    _answer_each(guard, clock, held, 0.01)
    clock.now += 1.0
    assert guard.state().overloaded is True
    # An interval in which demand stayed within the limit: over.
    _serve(guard, clock, 5, 0.01)
    clock.now += 1.0
    assert guard.state().overloaded is False
    assert guard.state().limit is None


def test_nothing_answered_while_many_are_in_progress_is_an_overload() -> None:
    """Requests stuck (the database gone, say): past the floor in progress, more are refused."""
    clock = FakeClock()
    guard = _guard(clock, floor=4)
    stuck = _hold(guard, 6)
    assert all(request is not None for request in stuck)
    clock.now += 1.0
    state = guard.state()
    assert state.overloaded and state.limit == 4
    assert guard.arrive() is None


def test_a_read_waiting_for_a_version_is_timed_to_its_wait_and_not_counted_while_it_waits() -> None:
    clock = FakeClock()
    guard = _guard(clock, floor=1)
    read = guard.arrive(reading=True)
    assert read is not None
    clock.now += 0.01
    guard.waiting(read)
    assert guard.state().in_progress == 0
    clock.now += 5.0  # a long wait for the version: the caller's choice, not a queue
    guard.working(read)
    assert guard.state().in_progress == 1
    guard.answered(read, ok=True)
    guard.leave(read)
    assert guard.state().in_progress == 0
    assert guard.state().overloaded is False  # timed at 0.01 s, not 5 s


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        OverloadGuard(target=0)
    with pytest.raises(ValueError, match="floor"):
        OverloadGuard(target=0.25, floor=0)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["arrive", "read", "answer", "error", "wait", "work", "leave", "tick"]),
            st.integers(0, 9),
        ),
        max_size=200,
    )
)
def test_the_count_in_progress_is_exact_whatever_happens(steps: list[tuple[str, int]]) -> None:
    """However requests arrive, wait, work again, fail and leave (each step possibly repeated), the
    count in progress is the admitted requests neither left nor waiting."""
    clock = FakeClock()
    guard = _guard(clock, floor=2)
    live: list[InProgress] = []
    waiting: set[int] = set()
    for step, pick in steps:
        if step in ("arrive", "read"):
            request = guard.arrive(reading=step == "read")
            if request is not None:
                live.append(request)
        elif step == "tick":
            clock.now += 0.3
        elif live:
            request = live[pick % len(live)]
            if step == "answer":
                guard.answered(request, ok=True)
            elif step == "error":
                guard.answered(request, ok=False)
            elif step == "wait":
                guard.waiting(request)
                waiting.add(id(request))
            elif step == "work":
                guard.working(request)
                waiting.discard(id(request))
            else:
                guard.leave(request)
                live.remove(request)
                waiting.discard(id(request))
        expected = sum(1 for request in live if id(request) not in waiting)
        assert guard.state().in_progress == expected
