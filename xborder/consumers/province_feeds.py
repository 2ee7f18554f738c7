"""What a consumer of several provinces reads (`xborder.consumers.province_group`): each province's
records, never another's, read for all of them at once.

- `RoutedProvinceFeeds` (embedded mode): each province's own feed of the notifications routed to it,
  with one query reading every woken province's share (`RoutedTogether`).
- `KafkaProvinceFeeds` (Kafka mode): one consumer subscribed to the delivery topics of the provinces
  this process hosts, its records handed to the province whose topic they came from. A deployment
  that gives each province its own credentials runs one process (`xborder project --province <code>`) per
  province; a process that hosts several holds credentials for their topics anyway.

Both keep each province's positions its own (its schema's `positions`), so a province's read model
is exactly what a consumer of its own would have made of the same records.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from xborder.infra.feeds import (
    Feed,
    FeedRecord,
    NotificationLogFeed,
    ProvincesWakeup,
    Unreadable,
    UnreadableHandler,
    feed_ready,
)
from xborder.infra.postgres.routes import RoutedTogether


class ProvinceFeeds(Protocol):
    @property
    def provinces(self) -> Sequence[str]: ...

    def poll(self, timeout: float, provinces: Collection[str]) -> dict[str, Sequence[FeedRecord]]:
        """Each of these provinces' next records (only those with some), waiting up to `timeout`."""

    def rewind(self, provinces: Collection[str]) -> None:
        """Forget unapplied progress of these provinces: continue from their stored positions."""

    def interrupt(self) -> None: ...

    def close(self) -> None: ...


class RoutedProvinceFeeds:
    def __init__(
        self, feeds: Mapping[str, NotificationLogFeed], together: RoutedTogether, wakeup: ProvincesWakeup
    ) -> None:
        """`feeds`: each province's own, selecting through `together`; `wakeup`: marks the provinces
        a save involved (`DeliveryWakeups.join`)."""
        self._feeds = dict(feeds)
        self._together = together
        self._wakeup = wakeup
        self._look_again: set[str] = set(self._feeds)  # at start: every province

    @property
    def provinces(self) -> Sequence[str]:
        return list(self._feeds)

    def poll(self, timeout: float, provinces: Collection[str]) -> dict[str, Sequence[FeedRecord]]:
        seen = self._wakeup.generation()
        woken = self._wakeup.take_woken() | self._look_again
        if not woken and timeout > 0:
            self._wakeup.wait(seen, timeout)
            # Nothing announced within the interval: look at every province (a missed announcement).
            woken = self._wakeup.take_woken() or set(self._feeds)
        self._look_again = set()
        feeds = {code: feed for code, feed in self._feeds.items() if code in woken and code in provinces}
        if not feeds:
            return {}
        batch_size = min(feed.batch_size for feed in feeds.values())
        self._together.prefetch({code: feed.starts() for code, feed in feeds.items()}, batch_size)
        batches: dict[str, Sequence[FeedRecord]] = {}
        for code, feed in feeds.items():
            records = feed.poll(0)
            if records:
                batches[code] = records
            if feed.more:
                self._look_again.add(code)
        return batches

    def rewind(self, provinces: Collection[str]) -> None:
        for code in provinces:
            self._feeds[code].rewind()
        self._look_again |= set(provinces)

    def interrupt(self) -> None:
        self._wakeup.notify()

    def close(self) -> None:
        for feed in self._feeds.values():
            feed.close()


class KafkaProvinceFeeds:
    """One Kafka consumer for the delivery topics of several provinces (`topics`: province -> topic)."""

    def __init__(self, feed: Feed, topics: Mapping[str, str]) -> None:
        """`feed`: a `KafkaFeed` subscribed to every topic in `topics`, loading every province's
        positions, and parking what it cannot read under the province whose topic it came from."""
        self._feed = feed
        self._province_of = {topic: code for code, topic in topics.items()}
        self._provinces = list(topics)

    @property
    def provinces(self) -> Sequence[str]:
        return list(self._provinces)

    def poll(self, timeout: float, provinces: Collection[str]) -> dict[str, Sequence[FeedRecord]]:
        batches: dict[str, list[FeedRecord]] = {}
        for record in self._feed.poll(timeout):
            code = self._province_of[topic_of(record.source)]
            if code in provinces:  # a stopped province's records are not read on past its gap
                batches.setdefault(code, []).append(record)
        return dict(batches)

    def ready(self) -> bool:
        return feed_ready(self._feed)

    def rewind(self, provinces: Collection[str]) -> None:
        self._feed.rewind()  # every partition to its province's stored position

    def interrupt(self) -> None:
        self._feed.interrupt()

    def close(self) -> None:
        self._feed.close()


def topic_of(source: str) -> str:
    """The topic of a Kafka feed's source, "<topic>:<partition>"."""
    return source.rpartition(":")[0]


def parked_by_topic(handlers: Mapping[str, UnreadableHandler]) -> UnreadableHandler:
    """One handler for a feed of several provinces' topics: each record parked by its topic's
    province (`handlers`: topic -> that province's handler)."""

    def park(unreadable: Unreadable) -> None:
        handlers[topic_of(unreadable.source)](unreadable)

    return park
