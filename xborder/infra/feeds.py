"""Feeds: where a consumer reads envelopes from, with positions it stores itself.

A projection or the deadline watcher reads a `Feed` and never knows whether it is Kafka (`KafkaFeed`,
in `xborder.infra.kafka`) or the event store's notification logs (`NotificationLogFeed`, here). A
position is "source -> next position to read": for Kafka the source is `topic:partition` and the
position an offset; for a notification log the source is the application's name and the position a
notification id. Consumers store positions in PostgreSQL in the same transaction as their effects, so
the feed's own notion of progress (Kafka's committed offsets) is never trusted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from xborder.domain.routing import EventRoutes
from xborder.infra.contracts import Envelope, EventSchemas, envelope_from_event, envelopes_for
from xborder.infra.failures import describe_failure, is_passing_fault

PositionLoader = Callable[[], Mapping[str, int]]


class NotificationSelector(Protocol):
    """What a `NotificationLogFeed` reads: the whole logs, or one province's routed share of them
    (`xborder.infra.postgres.routes`)."""

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Any]]:
        """For each (application, first notification id): its notifications from there on, at most
        `limit`, by application name — on PostgreSQL in one query for all the logs, so that a poll
        costs one round trip however many workflows there are."""


class WholeLog:
    """Every notification of each log, asked of each recorder (any persistence module)."""

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Any]]:
        return {
            app.name: app.recorder.select_notifications(start=start, limit=limit) for app, start in starts
        }


whole_log = WholeLog()


class UnreadableRecord(Exception):
    """A record in the feed cannot be read. Skipping it would silently lose an event, so a consumer
    that meets one stops and says where it is."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A record a feed could not turn into an envelope: where it is, and which case it belongs to when
    the record says so (the event store's row, a Kafka key and headers)."""

    source: str
    next_position: int
    reason: str
    aggregate_type: str | None = None
    aggregate_id: UUID | None = None
    version: int | None = None

    @classmethod
    def stored(cls, source: LogSource, notification: Any, error: Exception) -> Unreadable:
        """A stored event (a notification of `source`'s log) this code cannot read."""
        return cls(
            source=source.application.name,
            next_position=notification.id + 1,
            reason=describe_failure(error),
            aggregate_type=source.aggregate_type,
            aggregate_id=notification.originator_id,
            version=notification.originator_version,
        )


# A feed given a handler parks what it cannot read and goes on; without one it raises UnreadableRecord.
UnreadableHandler = Callable[[Unreadable], None]


@dataclass(frozen=True, slots=True)
class FeedRecord:
    envelope: Envelope
    source: str
    next_position: int


class Feed(Protocol):
    def poll(self, timeout: float) -> Sequence[FeedRecord]:
        """Return the next records (possibly none after `timeout` seconds)."""

    def rewind(self) -> None:
        """Forget unapplied progress: re-read the stored positions and continue from there."""

    def interrupt(self) -> None:
        """End a `poll` waiting in another thread now (stopping), or as soon as it can."""

    def close(self) -> None: ...


class Wakeup:
    """Lets in-process writers wake pollers at once instead of waiting for the next poll interval."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0

    def notify(self) -> None:
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def generation(self) -> int:
        with self._condition:
            return self._generation

    def wait(self, seen: int, timeout: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._generation != seen, timeout=timeout)


class ProvincesWakeup(Wakeup):
    """The wakeup of one consumer of several provinces (`xborder.consumers.province_group`): woken
    like any, it also remembers which of its provinces were woken, so that it looks at those only."""

    def __init__(self) -> None:
        super().__init__()
        self._woken: set[str] = set()

    def of(self, province: str) -> Wakeup:
        """What writers notify for `province` (`DeliveryWakeups.join`)."""
        return _ProvinceOf(self, province)

    def mark(self, province: str) -> None:
        with self._condition:
            self._woken.add(province)
            self._generation += 1
            self._condition.notify_all()

    def take_woken(self) -> set[str]:
        """The provinces woken since the last call."""
        with self._condition:
            woken, self._woken = self._woken, set()
            return woken


class _ProvinceOf(Wakeup):
    def __init__(self, group: ProvincesWakeup, province: str) -> None:
        super().__init__()
        self._group = group
        self._province = province

    def notify(self) -> None:
        self._group.mark(self._province)


class DeliveryWakeups:
    """After a save in this process: wakes the consumers of the provinces the saved events involve
    and the national consumers (relay, deadline watcher, process managers) of the application that
    saved — no one else, so a province with no cases, or a process manager of another workflow, is
    not woken by the nation's traffic."""

    def __init__(self) -> None:
        self._provinces: dict[str, Wakeup] = {}
        self._national: dict[frozenset[str], Wakeup] = {}
        self._lock = threading.Lock()

    def of(self, province: str) -> Wakeup:
        with self._lock:
            return self._provinces.setdefault(province, Wakeup())

    def join(self, provinces: Iterable[str], wakeup: ProvincesWakeup) -> None:
        """From now on, a save involving one of these provinces marks it on `wakeup` (their consumer's)."""
        with self._lock:
            for code in provinces:
                self._provinces[code] = wakeup.of(code)

    def national(self, applications: Iterable[str]) -> Wakeup:
        """The wakeup of national consumers of these applications, woken by their saves (shared by
        consumers of the same applications, and by a consumer restarted, so none accumulates)."""
        with self._lock:
            return self._national.setdefault(frozenset(applications), Wakeup())

    def notify(self, routes: EventRoutes) -> None:
        with self._lock:
            national = [w for applications, w in self._national.items() if routes.application in applications]
            provinces = [self._provinces[code] for code in routes.involved if code in self._provinces]
        for wakeup in (*national, *provinces):
            wakeup.notify()

    def notify_all(self) -> None:
        """Wake every consumer: announcements may have been missed (a listener reconnecting)."""
        with self._lock:
            every = [*self._national.values(), *self._provinces.values()]
        for wakeup in every:
            wakeup.notify()


class DecodedEnvelopes:
    """The envelopes of recently read notifications, by (application, notification id, with
    catch-up replays): the involved provinces' consumers and the national ones in one process all
    read an event at about the same time, and decoding it (the stored JSON, upcasting, the contract's
    pydantic models) is most of what reading it costs. Envelopes are immutable, so sharing is safe."""

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, int, bool], list[Envelope]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, bool]) -> list[Envelope] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[str, int, bool], envelopes: list[Envelope]) -> None:
        with self._lock:
            self._entries[key] = envelopes
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)


@dataclass(frozen=True, slots=True)
class LogSource:
    """One application's notification log, the aggregate type its events belong to, and the declared
    schemas their envelopes' `data` is built from (the workflow's integration-event contract)."""

    aggregate_type: str
    application: Any  # eventsourcing.application.Application
    events: EventSchemas


class NotificationLogFeed:
    """Reads the Applications' notification logs directly: the embedded mode's feed and the rebuild path.

    Notification ids are gap-free in commit order (eventsourcing locks the events table on insert), so
    `select_notifications(start=next)` never skips an event that commits later with a lower id.

    With `province`, it reads only the notifications routed to that province (`select`) and hands on
    only the envelopes addressed to it: a province's consumer never receives another's case. Without,
    it reads everything — the national consumers (the deadline watcher, process managers, the relay).
    """

    def __init__(
        self,
        sources: Sequence[LogSource],
        load_positions: PositionLoader,
        *,
        wakeup: Wakeup | None = None,
        batch_size: int = 200,
        replay_to_joined: bool = True,
        on_unreadable: UnreadableHandler | None = None,
        province: str | None = None,
        select: NotificationSelector = whole_log,
        decoded: DecodedEnvelopes | None = None,
    ) -> None:
        """`decoded`: shared by the feeds of one process, so that an event is decoded once however
        many of them read it (its provinces' consumers, the deadline watcher)."""
        self._sources = list(sources)
        self._decoded = decoded
        self._province = province
        self._select = select
        self._on_unreadable = on_unreadable
        self._replay_to_joined = replay_to_joined
        self._load_positions = load_positions
        self._wakeup = wakeup or Wakeup()
        self._batch_size = batch_size
        self._next: dict[str, int] = {}
        self.more = False
        self.rewind()

    def rewind(self) -> None:
        stored = self._load_positions()
        self._next = {s.application.name: stored.get(s.application.name, 1) for s in self._sources}

    def poll(self, timeout: float) -> Sequence[FeedRecord]:
        """What there is now; else what arrives within `timeout` (woken by a save in this process, or
        looking again when it ends, for writers in other processes). `poll(0)` reads once."""
        seen = self._wakeup.generation()
        records = self._read_once()
        if not records and timeout > 0:
            self._wakeup.wait(seen, timeout)
            records = self._read_once()
        return records

    @property
    def batch_size(self) -> int:
        return self._batch_size

    def starts(self) -> list[tuple[Any, int]]:
        """Where the next read begins: (application, next notification id) per log."""
        return [(source.application, self._next[source.application.name]) for source in self._sources]

    def _read_once(self) -> list[FeedRecord]:
        records: list[FeedRecord] = []
        selected = self._select(self.starts(), self._batch_size)
        # A log that gave a whole batch may hold more: a consumer of several provinces looks again.
        self.more = any(len(found) >= self._batch_size for found in selected.values())
        for source in self._sources:
            app = source.application
            notifications = selected.get(app.name, ())
            for notification in notifications:
                try:
                    envelopes = self._envelopes(source, notification)
                except Exception as error:  # noqa: BLE001 — whatever the cause, this record is unreadable
                    self._unreadable(source, notification, error)
                else:
                    records.extend(
                        FeedRecord(env, app.name, notification.id + 1)
                        for env in envelopes
                        if self._province is None or self._province in env.provinces
                    )
                self._next[app.name] = notification.id + 1
        return records

    def _envelopes(self, source: LogSource, notification: Any) -> list[Envelope]:
        key = (source.application.name, notification.id, self._replay_to_joined)
        if self._decoded is not None and (known := self._decoded.get(key)) is not None:
            return known
        app = source.application
        event = app.mapper.to_domain_event(notification)
        if self._replay_to_joined:
            envelopes = envelopes_for(source.aggregate_type, event, prior_events_of(app), source.events)
        else:
            envelopes = [envelope_from_event(source.aggregate_type, event, source.events)]
        if self._decoded is not None:
            self._decoded.put(key, envelopes)
        return envelopes

    def _unreadable(self, source: LogSource, notification: Any, error: Exception) -> None:
        if is_passing_fault(error):
            raise error  # the database, not the record: the consumer retries
        where = f"{source.application.name} notification {notification.id}"
        if self._on_unreadable is None:
            raise UnreadableRecord(f"{where}: {describe_failure(error)}") from error
        self._on_unreadable(Unreadable.stored(source, notification, error))

    def interrupt(self) -> None:
        self._wakeup.notify()

    def close(self) -> None:
        self._wakeup.notify()


def prior_events_of(app: Any) -> Callable[[Any, int], Any]:
    """An aggregate's events up to a version, from the Application's event store."""
    return lambda aggregate_id, lte: app.events.get(aggregate_id, lte=lte)


def feed_ready(feed: object) -> bool:
    """A feed that may not be able to receive yet says so (`ready()`: a Kafka consumer before its group
    gave it its topics); any other can."""
    ready = getattr(feed, "ready", None)
    return bool(ready()) if callable(ready) else True
