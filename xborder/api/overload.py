"""Telling an overload from a burst, and refusing only what an overload cannot serve in time.

Bounding the requests that wait for a thread (`MAX_REQUESTS_WAITING`) bounds memory, not time. Measured
on this project's 2-core machine with 128 users offering twice what the service can serve: forty
threads, the pools and the interpreter's lock held a queue of seconds in front of every request; users
gave up on commands the service then served for nobody, and the service answered 34 applications/s
within the users' patience against 50 at half that load.

CoDel's idea (Nichols and Jacobson, "Controlling Queue Delay", 2012) tells the two apart: a burst
passes through a queue and leaves it, an overload leaves a *standing* queue, seen in that even the
fastest request of a whole interval was slow. So:

- each request answered without error reports how long it took to its answer's first byte; one that
  waits for a version (a read-your-writes wait is the caller's choice, not a queue) reports instead
  how long it took to begin waiting, and is not counted in progress while it waits;
- at the end of each interval, if at least `floor` requests were timed or were in progress at once
  and the fastest of them took longer than `target`, the API is overloaded;
- while it is, a command arriving when `limit` requests are already in progress is refused at once
  (503, Retry-After), and a read when twice as many are: `limit` is how many were timed per second
  in the last interval times `target` (by Little's law, as many as are served within `target`),
  never below `floor`;
- the overload ends after an interval in which nothing had to be refused: demand fell back below
  what is served. Not at the first fast answer, which the limit itself brings about.

What is refused costs a few hundred microseconds and changes nothing: a command is retried with its
`Idempotency-Key`. What is admitted is answered in about `target` whatever is offered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

DEFAULT_INTERVAL_SECONDS: Final = 1.0


@dataclass(eq=False, slots=True)
class InProgress:
    """One admitted request: when it arrived, whether it is counted as in progress now (not while it
    waits for a version), and whether its time was taken (once: to its answer or to its first wait)."""

    arrived: float
    counted: bool = True
    timed: bool = False


@dataclass(frozen=True, slots=True)
class OverloadState:
    """What operators see in /metrics."""

    overloaded: bool
    limit: int | None  # requests in progress beyond which one is refused (None: not overloaded)
    in_progress: int
    refused: int  # since the start


@dataclass(slots=True)
class _Interval:
    began: float
    timed: int = 0
    fastest: float = float("inf")
    refused: int = 0
    peak: int = 0  # the most requests in progress at once


@dataclass
class OverloadGuard:
    """Admits or refuses each request as described in the module's docstring. Thread-safe: the test
    clients run apps on loops of their own, and the guard is one per app."""

    target: float
    floor: int = 16
    interval: float = DEFAULT_INTERVAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _in_progress: int = field(default=0, init=False)
    _limit: int | None = field(default=None, init=False)  # set while overloaded
    _refused: int = field(default=0, init=False)
    _current: _Interval | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.target <= 0 or self.interval <= 0:
            raise ValueError("the target and the interval must be positive")
        if self.floor < 1:
            raise ValueError(f"the floor must be positive, got {self.floor}")

    def arrive(self, *, reading: bool = False) -> InProgress | None:
        """The request, admitted and counted in progress; None: refused (it must not run).

        `reading`: a safe request (GET, HEAD), admitted up to twice the limit. An overload is cleared
        by refusing new work, not by keeping callers from what they have done: a user who has just
        been answered 201 reads the case next, and refusing that read wastes the command it follows."""
        with self._lock:
            now = self.clock()
            current = self._rolled(now)
            limit = self._limit
            if limit is not None and self._in_progress >= (2 * limit if reading else limit):
                current.refused += 1
                self._refused += 1
                return None
            self._in_progress += 1
            current.peak = max(current.peak, self._in_progress)
            return InProgress(arrived=now)

    def answered(self, request: InProgress, *, ok: bool) -> None:
        """The request's answer started (`ok`: without error; an error's time says nothing of a queue)."""
        with self._lock:
            self._time(request, counts=ok)

    def waiting(self, request: InProgress) -> None:
        """The request waits for something that is not the service's work (a version being applied):
        what it took to get there is its time, and it is not in progress until `working`."""
        with self._lock:
            self._time(request, counts=True)
            if request.counted:
                request.counted = False
                self._in_progress -= 1

    def working(self, request: InProgress) -> None:
        """The request works again after `waiting`."""
        with self._lock:
            if not request.counted:
                request.counted = True
                self._in_progress += 1
                current = self._rolled(self.clock())
                current.peak = max(current.peak, self._in_progress)

    def leave(self, request: InProgress) -> None:
        """The request is over (answered, failed or cancelled)."""
        with self._lock:
            if request.counted:
                request.counted = False
                self._in_progress -= 1

    def state(self) -> OverloadState:
        with self._lock:
            self._rolled(self.clock())
            return OverloadState(
                overloaded=self._limit is not None,
                limit=self._limit,
                in_progress=self._in_progress,
                refused=self._refused,
            )

    def _time(self, request: InProgress, *, counts: bool) -> None:
        if request.timed:
            return
        request.timed = True
        now = self.clock()
        current = self._rolled(now)
        if counts:
            current.timed += 1
            current.fastest = min(current.fastest, now - request.arrived)

    def _rolled(self, now: float) -> _Interval:
        """The current interval, after judging the one that ended (if one did)."""
        current = self._current
        if current is None:
            current = self._current = _Interval(began=now, peak=self._in_progress)
            return current
        elapsed = now - current.began
        if elapsed < self.interval:
            return current
        # Served within the target, by Little's law: what was timed per second, times the target.
        served = max(self.floor, int(current.timed / elapsed * self.target))
        if max(current.timed, current.peak) >= self.floor and current.fastest > self.target:
            self._limit = served
        elif self._limit is not None:
            if current.refused == 0:
                self._limit = None  # nothing had to be refused: the overload is over
            elif current.timed:
                self._limit = served
        # Intervals with nothing at all in them (an idle service) are skipped: the next starts now.
        self._current = _Interval(began=now, peak=self._in_progress)
        return self._current
