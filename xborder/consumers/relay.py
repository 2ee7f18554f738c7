"""The relay: each Application's notification log -> the delivery topics of the provinces each event
involves, at least once, in order.

It reads a batch of notifications after the last published one and sends every event to the delivery
topic of each province in its `provinces` (`xborder.province.<code>.v1`; the catch-up replay of a case's
earlier events to a province that joins it late goes to that province's topic only), and — when the
national stream is on — once to its workflow's national topic. Key = aggregate id, so one case's events
stay in one partition, in order. It waits for the broker to acknowledge every copy, and only then
records the batch's last notification id in PostgreSQL. A crash between send and record
re-publishes that batch after restart; consumers drop the duplicates by version. The position is
never ahead of the broker, so nothing is lost.
"""

from __future__ import annotations

import logging
from typing import Any

from xborder.consumers.worker import Worker
from xborder.domain.routing import province_topic
from xborder.infra.contracts import envelopes_for
from xborder.infra.failures import is_passing_fault
from xborder.infra.feeds import LogSource, Unreadable, Wakeup, prior_events_of
from xborder.infra.kafka import publish_headers
from xborder.infra.postgres.database import Database
from xborder.projections.dead_letters import DeadLetters

logger = logging.getLogger("xborder.relay")


class RelayPositions:
    def __init__(self, db: Database) -> None:
        self._db = db

    def last(self, application: str) -> int:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT last_notification_id FROM xborder_relay_positions WHERE application = %s",
                (application,),
            ).fetchone()
        return int(row["last_notification_id"]) if row else 0

    def record(self, application: str, last_notification_id: int) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO xborder_relay_positions (application, last_notification_id) VALUES (%s, %s) "
                "ON CONFLICT (application) DO UPDATE SET"
                " last_notification_id = EXCLUDED.last_notification_id, updated_at = now()",
                (application, last_notification_id),
            )


class Relay(Worker):
    def __init__(
        self,
        source: LogSource,
        national_topic: str | None,
        producer: Any,  # kafka.KafkaProducer
        positions: RelayPositions,
        *,
        wakeup: Wakeup | None = None,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        ack_timeout: float = 30.0,
        dead_letters: DeadLetters | None = None,
    ) -> None:
        super().__init__(f"relay-{source.application.name}")
        self.dead_letters = dead_letters
        self.source = source
        self.national_topic = national_topic
        self.producer = producer
        self.positions = positions
        self.wakeup = wakeup or Wakeup()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.published = 0
        self._last: int | None = None

    def step(self) -> None:
        app = self.source.application
        if self._last is None:
            self._last = self.positions.last(app.name)
        seen = self.wakeup.generation()
        notifications = app.recorder.select_notifications(start=self._last + 1, limit=self.batch_size)
        if not notifications:
            self.wakeup.wait(seen, self.poll_interval)
            return
        futures = []
        prior_events = prior_events_of(app)
        for notification in notifications:
            try:
                event = app.mapper.to_domain_event(notification)
                envelopes = envelopes_for(self.source.aggregate_type, event, prior_events, self.source.events)
            except Exception as error:
                if self.dead_letters is None or is_passing_fault(error):
                    raise
                # A stored event this code cannot read (a missing upcaster): publishing the rest goes
                # on; the consumers of its case will stop at the gap it leaves, loudly.
                self.dead_letters.park_unreadable(
                    self.name, Unreadable.stored(self.source, notification, error)
                )
                continue
            for envelope in envelopes:
                key = str(envelope.aggregate_id).encode()
                value = envelope.to_json_bytes()
                headers = publish_headers(envelope)
                topics = [province_topic(code) for code in envelope.provinces]
                if self.national_topic is not None and not envelope.catch_up:
                    topics.append(self.national_topic)
                futures += [
                    self.producer.send(topic, key=key, value=value, headers=headers) for topic in topics
                ]
        self.producer.flush(timeout=self.ack_timeout)
        for future in futures:
            future.get(timeout=self.ack_timeout)  # raises if the broker did not acknowledge
        last = notifications[-1].id
        self.positions.record(app.name, last)
        self._last = last
        self.published += len(notifications)

    def recover(self) -> None:
        self._last = None  # re-read the recorded position: re-send what was not acknowledged

    def wake(self) -> None:
        self.wakeup.notify()

    def teardown(self) -> None:
        self.producer.close(timeout=5)
