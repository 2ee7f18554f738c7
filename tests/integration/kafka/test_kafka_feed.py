"""KafkaFeed, the producer and topic set-up against a real Kafka-protocol broker (Tansu, in memory)."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

import pytest
from kafka import KafkaAdminClient, KafkaProducer

from tests.support.tansu import TansuBroker, free_port
from xborder.infra.contracts import Envelope, event_id_for
from xborder.infra.feeds import FeedRecord
from xborder.infra.kafka import (
    KafkaFeed,
    PoisonMessage,
    ensure_topics,
    make_producer,
    publish_headers,
    wait_for_broker,
)

pytestmark = pytest.mark.kafka

PARTITIONS = 3
AGGREGATES = 3
VERSIONS = 10
TIMEOUT = 20.0  # generous bound for any single condition; the happy path takes a few seconds
QUIET = 0.5  # how long "nothing more arrives" is checked for


@pytest.fixture(scope="module")
def broker() -> Iterator[TansuBroker]:
    with TansuBroker() as running:
        yield running


@pytest.fixture(scope="module")
def producer(broker: TansuBroker) -> Iterator[KafkaProducer]:
    made = make_producer(broker.bootstrap_servers, client_id="test-producer")
    yield made
    made.close(timeout=5)


def unique(name: str) -> str:
    return f"test.{name}.{uuid.uuid4().hex[:8]}"


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def envelope(aggregate_id: uuid.UUID, version: int) -> Envelope:
    return Envelope(
        event_id=event_id_for(aggregate_id, version),
        aggregate_type="VehicleTransfer",
        aggregate_id=aggregate_id,
        version=version,
        type="TestHappened",
        occurred_at=datetime.now(UTC),
        provinces=["500000", "510000"],
        data={"n": version},
    )


def send(producer: KafkaProducer, topic: str, env: Envelope) -> tuple[int, int]:
    """Publish one envelope; returns its (partition, offset) once the broker acknowledged it."""
    future = producer.send(
        topic,
        key=str(env.aggregate_id).encode(),
        value=env.to_json_bytes(),
        headers=publish_headers(env),
    )
    metadata = future.get(timeout=TIMEOUT)
    return int(metadata.partition), int(metadata.offset)


def publish_cases(
    broker: TansuBroker, producer: KafkaProducer, topic: str, partitions: int = PARTITIONS
) -> dict[tuple[str, int], Envelope]:
    """3 aggregates x 10 versions, interleaved; returns (source, offset) -> envelope."""
    ensure_topics(
        broker.bootstrap_servers, [topic], partitions=partitions, replication_factor=1, client_id="test"
    )
    aggregates = [uuid.uuid4() for _ in range(AGGREGATES)]
    futures = [
        (
            env,
            producer.send(
                topic,
                key=str(env.aggregate_id).encode(),
                value=env.to_json_bytes(),
                headers=publish_headers(env),
            ),
        )
        for version in range(1, VERSIONS + 1)
        for env in (envelope(a, version) for a in aggregates)
    ]
    producer.flush(timeout=TIMEOUT)
    published: dict[tuple[str, int], Envelope] = {}
    for env, future in futures:
        metadata = future.get(timeout=TIMEOUT)
        published[(f"{topic}:{metadata.partition}", int(metadata.offset))] = env
    assert len(published) == AGGREGATES * VERSIONS
    return published


def make_feed(broker: TansuBroker, topic: str, positions: Callable[[], Mapping[str, int]]) -> KafkaFeed:
    return KafkaFeed(
        broker.bootstrap_servers,
        group_id=unique("group"),
        topics=[topic],
        load_positions=positions,
        client_id="test-feed",
    )


def read(feed: KafkaFeed, expected: int) -> list[FeedRecord]:
    """Poll until `expected` records arrived, then check that nothing more arrives for a moment."""
    records: list[FeedRecord] = []
    deadline = time.monotonic() + TIMEOUT
    while len(records) < expected:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"received {len(records)} of {expected} records within {TIMEOUT}s")
        records.extend(feed.poll(min(remaining, 1.0)))
    records.extend(feed.poll(QUIET))
    return records


def keyed(records: list[FeedRecord]) -> dict[tuple[str, int], Envelope]:
    """(source, offset) -> envelope; fails on any record delivered twice."""
    result = {(r.source, r.next_position - 1): r.envelope for r in records}
    assert len(result) == len(records), "a record was delivered twice"
    return result


def assert_per_aggregate_order(records: list[FeedRecord]) -> None:
    versions: dict[uuid.UUID, list[int]] = defaultdict(list)
    for record in records:
        versions[record.envelope.aggregate_id].append(record.envelope.version)
    for aggregate_id, seen in versions.items():
        assert seen == sorted(seen), f"aggregate {aggregate_id} out of order: {seen}"


def test_ensure_topics_is_idempotent(broker: TansuBroker) -> None:
    topics = [unique("a"), unique("b")]
    for _ in range(2):
        ensure_topics(
            broker.bootstrap_servers, topics, partitions=PARTITIONS, replication_factor=1, client_id="test"
        )
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers, client_id="test-admin")
    try:
        described = {t["name"]: t for t in admin.describe_topics(topics)}
    finally:
        admin.close()
    assert set(described) == set(topics)
    for topic in topics:
        assert described[topic]["error_code"] == 0
        assert len(described[topic]["partitions"]) == PARTITIONS


def test_fresh_feed_receives_everything_exactly_once_in_order(
    broker: TansuBroker, producer: KafkaProducer
) -> None:
    topic = unique("all")
    published = publish_cases(broker, producer, topic)
    feed = make_feed(broker, topic, dict)
    try:
        records = read(feed, len(published))
        assert keyed(records) == published
        for record in records:
            assert record.envelope.version == record.envelope.data["n"]
        assert_per_aggregate_order(records)
        wait_until(lambda: set(feed.lag().values()) == {0}, "lag 0 on every partition")
        assert len(feed.lag()) == PARTITIONS
    finally:
        feed.close()


def test_stored_positions_are_honoured(broker: TansuBroker, producer: KafkaProducer) -> None:
    topic = unique("stored")
    published = publish_cases(broker, producer, topic)
    per_partition: dict[str, list[int]] = defaultdict(list)
    for source, offset in published:
        per_partition[source].append(offset)
    stored = {source: sorted(offsets)[len(offsets) // 2] for source, offsets in per_partition.items()}
    expected = {(s, o): e for (s, o), e in published.items() if o >= stored[s]}
    assert 0 < len(expected) < len(published)

    feed = make_feed(broker, topic, lambda: stored)
    try:
        records = read(feed, len(expected))
        assert keyed(records) == expected
        assert_per_aggregate_order(records)
    finally:
        feed.close()


def test_rewind_redelivers_from_stored_positions(broker: TansuBroker, producer: KafkaProducer) -> None:
    topic = unique("rewind")
    published = publish_cases(broker, producer, topic)
    stored: dict[str, int] = {}
    feed = make_feed(broker, topic, lambda: dict(stored))
    try:
        first = read(feed, len(published))
        assert keyed(first) == published

        # Nothing was stored: rewind goes back to the beginning of every partition.
        feed.rewind()
        assert keyed(read(feed, len(published))) == published

        # Store the positions reached by the first half of the records: rewind resumes right after them.
        for record in first[: len(first) // 2]:
            stored[record.source] = max(stored.get(record.source, 0), record.next_position)
        feed.rewind()
        expected = {(s, o): e for (s, o), e in published.items() if o >= stored.get(s, 0)}
        assert 0 < len(expected) < len(published)
        again = read(feed, len(expected))
        assert keyed(again) == expected
        assert_per_aggregate_order(again)
    finally:
        feed.close()


def test_garbage_value_raises_poison_message(broker: TansuBroker, producer: KafkaProducer) -> None:
    topic = unique("poison")
    ensure_topics(broker.bootstrap_servers, [topic], partitions=1, replication_factor=1, client_id="test")
    aggregate_id = uuid.uuid4()
    good = [envelope(aggregate_id, 1), envelope(aggregate_id, 2)]
    for env in good:
        send(producer, topic, env)
    garbage = producer.send(topic, key=str(aggregate_id).encode(), value=b"\x00not an envelope{")
    poison_offset = int(garbage.get(timeout=TIMEOUT).offset)
    send(producer, topic, envelope(aggregate_id, 3))

    feed = make_feed(broker, topic, dict)
    try:
        records: list[FeedRecord] = []
        deadline = time.monotonic() + TIMEOUT
        with pytest.raises(PoisonMessage) as raised:
            while time.monotonic() < deadline:
                records.extend(feed.poll(1.0))
        assert (raised.value.topic, raised.value.partition, raised.value.offset) == (topic, 0, poison_offset)
        assert f"{topic}:0 offset {poison_offset}" in str(raised.value)
        # The records before the poison are delivered; the one after it never is.
        assert [r.envelope for r in records] == good
        # The feed stays on the poison record: it is never skipped silently.
        with pytest.raises(PoisonMessage):
            feed.poll(TIMEOUT)
    finally:
        feed.close()


def test_wait_for_broker_names_the_unreachable_address() -> None:
    address = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=address):
        wait_for_broker(address, 0.3)
    assert time.monotonic() - started < 5


def test_a_feed_is_ready_once_the_group_gave_it_its_partitions(
    broker: TansuBroker, producer: KafkaProducer
) -> None:
    """What /readyz counts (`Worker.ready`): before its group has assigned it the topic's partitions a
    feed receives nothing however much waits there, so it is not ready; once assigned, it is; closed,
    it is not."""
    topic = unique("ready")
    published = publish_cases(broker, producer, topic)
    feed = make_feed(broker, topic, dict)
    try:
        assert feed.ready() is False  # not even a consumer yet
        records: list[FeedRecord] = []
        deadline = time.monotonic() + TIMEOUT
        while not feed.ready():
            assert not records, "records arrived before the feed had its partitions"
            assert time.monotonic() < deadline, "the group never assigned the feed its partitions"
            records += feed.poll(0.2)
        assert feed.ready() is True
        records += read(feed, len(published) - len(records))
        assert keyed(records) == published
    finally:
        feed.close()
    assert feed.ready() is False
