"""Kafka clients: the relay's producer, topic set-up, and `KafkaFeed` for the projection consumers.

Kafka distributes; PostgreSQL is the source of truth. The producer is idempotent with `acks=all`, keyed by
aggregate id so per-aggregate order holds within a partition. `KafkaFeed` never trusts Kafka's committed
offsets: on every assignment (and on `rewind()`) it asks its owner for the positions stored in PostgreSQL
and seeks there, so progress is exactly what the owner committed together with its effects.

kafka-python has no type stubs; its objects are held behind explicit annotations here. Nothing in this
module connects at import time.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, TopicAlreadyExistsError
from pydantic import ValidationError

from xborder.infra.contracts import Envelope
from xborder.infra.feeds import FeedRecord, PositionLoader, Unreadable, UnreadableHandler, UnreadableRecord

if TYPE_CHECKING:
    from xborder.infra.settings import Settings

__all__ = [
    "KafkaFeed",
    "PoisonMessage",
    "ensure_topics",
    "kafka_security",
    "make_producer",
    "publish_headers",
    "wait_for_broker",
]

log = logging.getLogger(__name__)

# Consumer-group timeouts. Short enough that a group join takes a few seconds (Tansu, the test broker,
# otherwise holds the join for the whole rebalance timeout); `max_poll_interval_ms` bounds how long one
# batch may take to apply before the member is evicted (it then rejoins and re-seeks to stored positions).
MAX_POLL_INTERVAL_MS: Final = 5000
SESSION_TIMEOUT_MS: Final = 6000
HEARTBEAT_INTERVAL_MS: Final = 1000

# How long the broker may hold a fetch that finds nothing new. A broker that answers a waiting fetch
# only when this ends (Tansu does) adds up to this much to every delivery; 100 ms instead of
# kafka-python's 500 cost idle CPU that 31 consumers in one process could not afford, and one consumer
# per process (`KafkaProvinceFeeds`) can.
FETCH_MAX_WAIT_MS: Final = 100

_REQUEST_TIMEOUT_MS: Final = 15000
_TOPIC_METADATA_TIMEOUT_S: Final = 30.0
_BROKER_PROBE_INTERVAL_S: Final = 0.1
_API_VERSIONS_KEY: Final = 18
_TOPIC_ALREADY_EXISTS_CODE: Final = TopicAlreadyExistsError.errno


def kafka_security(settings: Settings) -> dict[str, Any]:
    """The KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_* and KAFKA_SASL_* settings as kafka-python arguments, the
    same for the producer, every consumer and the admin client (only those set; PLAINTEXT: none). The
    brokers' host names are checked against their certificates (kafka-python's default)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    config: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    files = {
        "ssl_cafile": settings.kafka_ssl_cafile,
        "ssl_certfile": settings.kafka_ssl_certfile,
        "ssl_keyfile": settings.kafka_ssl_keyfile,
    }
    config |= {name: str(path) for name, path in files.items() if path is not None}
    if settings.kafka_security_protocol == "SASL_SSL":
        config["sasl_mechanism"] = settings.kafka_sasl_mechanism
        config["sasl_plain_username"] = settings.kafka_sasl_username
        if settings.kafka_sasl_password is not None:
            config["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return config


def make_producer(
    bootstrap_servers: str, *, client_id: str, security: Mapping[str, Any] | None = None
) -> KafkaProducer:
    """The relay's producer: idempotent, `acks=all`, raw bytes for key and value.

    Up to 5 in-flight requests per connection keep ordering under idempotence (the broker rejects
    out-of-sequence batches and the client retries them in order). `security`: `kafka_security(...)`.
    """
    producer: KafkaProducer = KafkaProducer(
        **(security or {}),
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        retries=2_147_483_647,
        max_in_flight_requests_per_connection=5,
        request_timeout_ms=_REQUEST_TIMEOUT_MS,
        key_serializer=None,
        value_serializer=None,
    )
    return producer


def publish_headers(envelope: Envelope) -> list[tuple[str, bytes]]:
    """Headers a consumer can route on without parsing the value."""
    return [
        ("type", envelope.type.encode()),
        ("version", str(envelope.version).encode()),
        ("schema", envelope.schema_.encode()),
        ("aggregate_type", envelope.aggregate_type.encode()),
    ]


def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int,
    client_id: str,
    security: Mapping[str, Any] | None = None,
) -> None:
    """Create the topics that do not exist yet, then wait until every one is visible in metadata.

    Existing topics are left as they are (their partition count is not changed).
    """
    names = sorted(set(topics))
    if not names:
        return
    admin: KafkaAdminClient = KafkaAdminClient(
        **(security or {}),
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        request_timeout_ms=_REQUEST_TIMEOUT_MS,
        bootstrap_timeout_ms=_REQUEST_TIMEOUT_MS,
    )
    try:
        settings = {"num_partitions": partitions, "replication_factor": replication_factor}
        spec = {name: dict(settings) for name in names}
        response: dict[str, Any] = admin.create_topics(spec, raise_errors=False)
        for result in response.get("topics", []):
            code = int(result.get("error_code", 0))
            if code not in (0, _TOPIC_ALREADY_EXISTS_CODE):
                raise RuntimeError(
                    f"cannot create topic {result.get('name')!r} on {bootstrap_servers}: "
                    f"error {code} {result.get('error_message') or ''}".rstrip()
                )
        _wait_for_topic_metadata(admin, names, bootstrap_servers, _TOPIC_METADATA_TIMEOUT_S)
    finally:
        admin.close()


def _wait_for_topic_metadata(
    admin: KafkaAdminClient, names: Sequence[str], bootstrap_servers: str, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    pending: dict[str, str] = {name: "not yet described" for name in names}
    while True:
        try:
            described: list[dict[str, Any]] = admin.describe_topics(topics=list(names))
        except KafkaError as error:
            described = []
            pending = {name: f"describe failed: {error}" for name in names}
        by_name = {str(t.get("name")): t for t in described}
        if described:
            pending = {}
            for name in names:
                reason = _topic_not_ready(by_name.get(name))
                if reason is not None:
                    pending[name] = reason
        if not pending:
            return
        if time.monotonic() >= deadline:
            details = ", ".join(f"{name} ({reason})" for name, reason in sorted(pending.items()))
            raise RuntimeError(
                f"topics not visible in the metadata of {bootstrap_servers} after {timeout:.0f}s: {details}"
            )
        time.sleep(_BROKER_PROBE_INTERVAL_S)


def _topic_not_ready(topic: Mapping[str, Any] | None) -> str | None:
    if topic is None:
        return "missing"
    if int(topic.get("error_code", 0)) != 0:
        return f"error {topic.get('error_code')}"
    partitions: list[Mapping[str, Any]] = list(topic.get("partitions") or [])
    if not partitions:
        return "no partitions"
    for partition in partitions:
        if int(partition.get("error_code", 0)) != 0 or int(partition.get("leader_id", -1)) < 0:
            return f"partition {partition.get('partition_index')} has no leader"
    return None


def wait_for_broker(bootstrap_servers: str, timeout: float) -> None:
    """Block until a broker of `bootstrap_servers` answers a Kafka ApiVersions request.

    The probe speaks the protocol over a plain socket rather than constructing a kafka-python client per
    attempt: a client whose bootstrap fails in its constructor leaves its IO thread running.
    """
    addresses = [_parse_address(a) for a in bootstrap_servers.split(",") if a.strip()]
    if not addresses:
        raise ValueError(f"no broker address in {bootstrap_servers!r}")
    deadline = time.monotonic() + timeout
    last_error = "no attempt made"
    while True:
        for host, port in addresses:
            remaining = deadline - time.monotonic()
            try:
                _probe_api_versions(host, port, max(0.05, min(remaining, 2.0)))
            except (OSError, ValueError) as error:
                last_error = f"{host}:{port}: {error!r}"
            else:
                return
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"Kafka broker at {bootstrap_servers} not reachable within {timeout:.1f}s "
                f"(last error: {last_error})"
            )
        time.sleep(min(_BROKER_PROBE_INTERVAL_S, max(0.0, deadline - time.monotonic())))


def _parse_address(address: str) -> tuple[str, int]:
    address = address.strip()
    for prefix in ("PLAINTEXT://", "plaintext://", "tcp://"):
        address = address.removeprefix(prefix)
    host, sep, port = address.rpartition(":")
    if not sep:
        return address, 9092
    return host.strip("[]"), int(port)


def _probe_api_versions(host: str, port: int, timeout: float) -> None:
    """Send ApiVersions v0 and check that a well-formed answer with error code 0 comes back."""
    correlation_id = 0x58424F52  # "XBOR"
    client_id = b"xborder-probe"
    body = struct.pack(">hhih", _API_VERSIONS_KEY, 0, correlation_id, len(client_id)) + client_id
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
        if size < 6:
            raise ValueError(f"short ApiVersions response ({size} bytes)")
        answer_id, error_code = struct.unpack(">ih", _recv_exactly(sock, 6))
        if answer_id != correlation_id:
            raise ValueError(f"unexpected correlation id {answer_id}")
        if error_code != 0:
            raise ValueError(f"ApiVersions error code {error_code}")


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < count:
        chunk = sock.recv(count - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        chunks.extend(chunk)
    return bytes(chunks)


def topic_heads(
    bootstrap_servers: str,
    topics: Mapping[str, str],
    *,
    client_id: str,
    timeout_ms: int = 5000,
    security: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, tuple[int, int]]]:
    """For `xborder status`: aggregate type -> `topic:partition` -> (first offset, end offset)."""
    consumer: KafkaConsumer = KafkaConsumer(
        **(security or {}),
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_auto_commit=False,
        request_timeout_ms=max(timeout_ms, 1000) + 1000,
        api_version_auto_timeout_ms=timeout_ms,
    )
    try:
        heads: dict[str, dict[str, tuple[int, int]]] = {}
        for kind, topic in topics.items():
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
            ]
            if not partitions:
                heads[kind] = {}
                continue
            firsts = consumer.beginning_offsets(partitions, timeout_ms=timeout_ms)
            ends = consumer.end_offsets(partitions, timeout_ms=timeout_ms)
            heads[kind] = {
                _source(tp.topic, tp.partition): (int(firsts[tp]), int(ends[tp])) for tp in partitions
            }
        return heads
    finally:
        consumer.close(autocommit=False)


class PoisonMessage(UnreadableRecord):
    """A record whose value is not a valid envelope. The feed stops on it instead of skipping it."""

    def __init__(self, topic: str, partition: int, offset: int, reason: str) -> None:
        super().__init__(f"poison message at {topic}:{partition} offset {offset}: {reason}")
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.reason = reason


def _source(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


class _SeekToStoredPositions(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python is untyped
    """On assignment, seek to the positions the feed's owner stored; nothing to do on revocation.

    kafka-python runs these callbacks on its IO thread; `load_positions` must be quick (one small query).
    """

    def __init__(self, feed: KafkaFeed) -> None:
        self._feed = feed

    def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        log.debug("partitions revoked: %s", sorted(revoked))

    def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        self._feed._seek_to_stored(assigned)


class KafkaFeed:
    """The projection consumers' feed in Kafka mode (see `xborder.infra.feeds.Feed`).

    Positions are `"<topic>:<partition>" -> next offset`. Kafka's committed offsets are never read nor
    written: every assignment seeks to `load_positions()`, or to the beginning of a partition without a
    stored position. A record that does not parse as an `Envelope` (malformed, an unknown schema
    version) goes to `on_unreadable` — the consumer parks it as a dead letter, naming the case its key
    gives — and reading goes on past it. Without a handler it raises `PoisonMessage`; the records
    before it in the same batch are still returned first, and the partition stays positioned on the
    poison record, so every later poll raises again until an operator intervenes.

    The consumer is created on first use, never at import or construction time. One thread drives
    `poll`/`rewind`; `lag()` may be called from another thread and waits for an in-progress poll.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        group_id: str,
        topics: Sequence[str],
        load_positions: PositionLoader,
        client_id: str,
        max_records: int = 500,
        on_unreadable: UnreadableHandler | None = None,
        security: Mapping[str, Any] | None = None,
    ) -> None:
        if not topics:
            raise ValueError("KafkaFeed needs at least one topic")
        if max_records <= 0:
            raise ValueError("max_records must be positive")
        self._bootstrap_servers = bootstrap_servers
        self._group_id = group_id
        self._topics = list(topics)
        self._load_positions = load_positions
        self._client_id = client_id
        self._max_records = max_records
        self._on_unreadable = on_unreadable
        self._security = dict(security or {})
        self._consumer: KafkaConsumer | None = None
        self._closed = False
        self._lock = threading.RLock()

    def _ensure_consumer(self) -> KafkaConsumer:
        if self._closed:
            raise RuntimeError("KafkaFeed is closed")
        if self._consumer is None:
            consumer: KafkaConsumer = KafkaConsumer(
                **self._security,
                bootstrap_servers=self._bootstrap_servers,
                client_id=self._client_id,
                group_id=self._group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self._max_records,
                max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
                session_timeout_ms=SESSION_TIMEOUT_MS,
                heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
                request_timeout_ms=_REQUEST_TIMEOUT_MS,
                fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
                key_deserializer=None,
                value_deserializer=None,
            )
            consumer.subscribe(topics=self._topics, listener=_SeekToStoredPositions(self))
            self._consumer = consumer
        return self._consumer

    def _seek_to_stored(self, partitions: Iterable[TopicPartition]) -> None:
        consumer = self._consumer
        partitions = sorted(partitions)
        if consumer is None or not partitions:
            return
        stored = self._load_positions()
        for tp in partitions:
            offset = stored.get(_source(tp.topic, tp.partition))
            if offset is None:
                consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, int(offset))
        log.debug("seeked to stored positions for %s", [_source(tp.topic, tp.partition) for tp in partitions])

    def poll(self, timeout: float) -> Sequence[FeedRecord]:
        with self._lock:
            consumer = self._ensure_consumer()
            batches: dict[TopicPartition, list[Any]] = consumer.poll(
                timeout_ms=max(0, int(timeout * 1000)), max_records=self._max_records
            )
            ordered = sorted(batches.items(), key=lambda item: (item[0].topic, item[0].partition))
            records: list[FeedRecord] = []
            for index, (tp, messages) in enumerate(ordered):
                for message in messages:
                    try:
                        if message.value is None:
                            raise ValueError("record has no value")
                        envelope = Envelope.from_json_bytes(message.value)
                    except (ValidationError, ValueError) as error:
                        if self._on_unreadable is not None:
                            # Parked with where it is and which case its key names; read on past it.
                            self._on_unreadable(_unreadable(tp, message, _reason(error)))
                            continue
                        poison = PoisonMessage(tp.topic, tp.partition, int(message.offset), _reason(error))
                        # Nothing of this batch after the poison record counts as read: the partition
                        # stays on the poison record, the untouched partitions on their first record.
                        consumer.seek(tp, int(message.offset))
                        for later_tp, later_messages in ordered[index + 1 :]:
                            if later_messages:
                                consumer.seek(later_tp, int(later_messages[0].offset))
                        if records:
                            log.error("%s; returning the %d records before it", poison, len(records))
                            return records
                        raise poison from error
                    records.append(
                        FeedRecord(
                            envelope=envelope,
                            source=_source(tp.topic, tp.partition),
                            next_position=int(message.offset) + 1,
                        )
                    )
            return records

    def ready(self) -> bool:
        """Whether the group has given this consumer its partitions (and it has sought to its stored
        positions): before that, a poll returns nothing however much waits on the topics."""
        with self._lock:
            consumer = self._consumer
            return consumer is not None and not self._closed and bool(consumer.assignment())

    def interrupt(self) -> None:
        """Nothing to do: a Kafka poll waits at most its (short) timeout."""

    def rewind(self) -> None:
        with self._lock:
            if self._consumer is None:
                return  # nothing read yet: the first assignment seeks to the stored positions anyway
            self._seek_to_stored(self._consumer.assignment())

    def lag(self) -> dict[str, int]:
        """End offset minus the next position to read, per assigned partition (empty before assignment)."""
        with self._lock:
            consumer = self._consumer
            if consumer is None or self._closed:
                return {}
            assigned: list[TopicPartition] = sorted(consumer.assignment())
            if not assigned:
                return {}
            ends: dict[TopicPartition, int] = consumer.end_offsets(assigned, timeout_ms=_REQUEST_TIMEOUT_MS)
            lags: dict[str, int] = {}
            for tp in assigned:
                position: int | None = consumer.position(tp, timeout_ms=_REQUEST_TIMEOUT_MS)
                end = int(ends.get(tp, 0))
                # No position yet (a reset still pending) counts as nothing read: conservative.
                lags[_source(tp.topic, tp.partition)] = max(0, end - (position or 0))
            return lags

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            consumer, self._consumer = self._consumer, None
            if consumer is not None:
                consumer.close(autocommit=False)


def _unreadable(tp: TopicPartition, message: Any, reason: str) -> Unreadable:
    headers = {name: value for name, value in (message.headers or [])}
    return Unreadable(
        source=_source(tp.topic, tp.partition),
        next_position=int(message.offset) + 1,
        reason=reason,
        aggregate_type=_text(headers.get("aggregate_type")),
        aggregate_id=_uuid(message.key),
        version=_int(headers.get("version")),
    )


def _text(raw: bytes | None) -> str | None:
    try:
        return raw.decode()[:100] if raw else None
    except UnicodeDecodeError:
        return None


def _uuid(raw: bytes | None) -> UUID | None:
    try:
        return UUID(raw.decode()) if raw else None
    except (UnicodeDecodeError, ValueError):
        return None


def _int(raw: bytes | None) -> int | None:
    text = _text(raw)
    return int(text) if text and text.isdigit() and len(text) < 10 else None


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        details = error.errors()
        first = details[0]["msg"] if details else str(error)
        return f"not a valid envelope ({error.error_count()} errors; first: {first})"
    return str(error)
