"""The relay: each Application's notification log -> its Kafka topic, at least once, in order.

It reads a batch of notifications after the last published one, sends them all (key = aggregate id,
so one case's events stay in one partition, in order), waits for the broker to acknowledge every one,
and only then records the batch's last notification id in PostgreSQL. A crash between send and record
re-publishes that batch after restart; consumers drop the duplicates by version. The position is
never ahead of the broker, so nothing is lost.
"""

from __future__ import annotations

import logging
from typing import Any

from xborder.consumers.worker import Worker
from xborder.infra.contracts import envelopes_for
from xborder.infra.failures import describe_failure, is_passing_fault
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
        topic: str,
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
        self.topic = topic
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
                    self.name,
                    Unreadable(
                        source=app.name,
                        next_position=notification.id + 1,
                        reason=describe_failure(error),
                        aggregate_type=self.source.aggregate_type,
                        aggregate_id=notification.originator_id,
                        version=notification.originator_version,
                    ),
                )
                continue
            for envelope in envelopes:
                futures.append(
                    self.producer.send(
                        self.topic,
                        key=str(envelope.aggregate_id).encode(),
                        value=envelope.to_json_bytes(),
                        headers=publish_headers(envelope),
                    )
                )
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
