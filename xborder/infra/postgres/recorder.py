"""An application recorder that also stores, in the events' transaction, the API's idempotency record
and each event's routes (the provinces it is delivered to, `xborder.domain.routing`).

A retried POST must either find the first answer or record nothing: writing the answer in the same
transaction as the events means there is no moment where the events exist without the answer (or the
reverse), whatever crashes when.

Records expire (`xborder.infra.idempotency`): a record older than the retention no longer counts, so a
new command with its key replaces it here, in the same statement that would otherwise find the key taken —
it never waits for the janitor to delete the old row first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor, sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from xborder.domain.routing import EventRoutes

IDEMPOTENCY_TABLE = "xborder_idempotency"
# (province, application, notification_id): the events of one application routed to one province, in
# notification order — written under the events table's lock, so commit order is id order here too.
ROUTES_TABLE = "xborder_routes"
# Announced on commit with "<pid>|<application>|<province>,<province>...": other processes' consumers of
# those provinces (and the application's national consumers) wake at once instead of at their next poll.
SAVED_CHANNEL = "xborder_saved"

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    caller: str
    key: str
    fingerprint: str
    status_code: int
    response: dict[str, Any]
    recorded_at: datetime  # by the service's clock, not the database's: expiry follows the same clock
    expired_before: datetime  # an earlier record with this key has expired and is replaced


class IdempotentApplicationRecorder(PostgresApplicationRecorder):
    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            # Inside psycopg's pipeline a unique violation would abort the pipeline and surface as an
            # OperationalError (which eventsourcing retries). Ask instead, and refuse the whole save as the
            # conflict it is; a racing retry waits here until the first transaction commits. A record
            # that has expired is overwritten instead (the WHERE sees the committed row, not a stale one).
            curs.execute(
                f"INSERT INTO {IDEMPOTENCY_TABLE} AS kept"  # noqa: S608
                " (caller, key, fingerprint, status_code, response, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (caller, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,"
                " status_code = EXCLUDED.status_code, response = EXCLUDED.response,"
                " created_at = EXCLUDED.created_at WHERE kept.created_at < %s RETURNING key",
                (
                    record.caller,
                    record.key,
                    record.fingerprint,
                    record.status_code,
                    Jsonb(record.response),
                    record.recorded_at,
                    record.expired_before,
                ),
            )
            if curs.fetchone() is None:
                raise IntegrityError(f"idempotency key already used by {record.caller}")
        super()._insert_events(curs, stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """The library's insert, without a client round trip while the events table is locked.

        The library locks the table (so that commit order is notification order), inserts, waits for
        the ids, and only then sends the COMMIT: the lock is held while the answer travels back, the
        client reads it, and the COMMIT travels out. In the API process the thread that reads it also
        waits for the interpreter's lock, behind forty others: sampled every 20 ms under a light load
        through Kafka, sessions waited on `LOCK TABLE ... IN EXCLUSIVE MODE` in 684 samples of 18 s
        (40 after this). Here the lock, the events, their routes (written from the ids the insert
        returns, in the same statement), the announcements and the COMMIT go out in one pipeline, the
        answers read after: between the lock and the COMMIT there are only the microseconds of Python
        that send each statement. The idempotency record is still written and read first, before the
        lock is asked for, so that a retry racing its first attempt waits on that row, not on every
        other command."""
        if self.datastore.enable_db_functions or not stored_events:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        routes: EventRoutes | None = kwargs.get("routes")
        with self.datastore.get_connection() as conn:
            inserting = conn.cursor()
            with conn.pipeline(), conn.transaction():
                with conn.cursor() as curs:
                    self._insert_events(curs, stored_events, **kwargs)  # the idempotency record, answered
                    self._lock_table(curs)
                    self._notify_channel(curs)
                inserting.execute(*self._insert_with_routes(stored_events, routes))
                if routes is not None:
                    payload = f"{os.getpid()}|{routes.application}|{','.join(sorted(routes.involved))}"
                    conn.execute("SELECT pg_notify(%s, %s)", (SAVED_CHANNEL, payload))
            return [int(row["notification_id"]) for row in inserting.fetchall()]

    def _insert_with_routes(
        self, stored_events: Sequence[StoredEvent], routes: EventRoutes | None
    ) -> tuple[sql.Composed, tuple[Any, ...]]:
        """One statement: the events, and (when given) a row per event and province it is routed to,
        joined to the ids the insert assigned; the ids come back in insertion (= stored) order."""
        events = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        if routes is None:
            return self._insert_statements[0], (events,)
        provinces, keys = routed_rows(
            routes, [(e.originator_id, e.originator_version) for e in stored_events]
        )
        originators, versions = [key[0] for key in keys], [key[1] for key in keys]
        return self._insert_statements[1], (events, routes.application, provinces, originators, versions)

    @cached_property
    def _insert_statements(self) -> tuple[sql.Composed, sql.Composed]:
        """The insert returning the ids, without and with the routes' rows: composed once, not on
        every save (composing identifiers was a measurable part of a statement's cost)."""
        schema = sql.Identifier(self.datastore.schema)
        inserted = sql.SQL(
            "WITH inserted AS (INSERT INTO {schema}.{table} AS t"
            " (originator_id, originator_version, topic, state)"
            " SELECT originator_id, originator_version, topic, state FROM unnest(%s::{schema}.{kind}[])"
            " RETURNING notification_id, originator_id, originator_version)"
        ).format(
            schema=schema,
            table=sql.Identifier(self.events_table_name),
            kind=sql.Identifier(self.stored_event_type_name),
        )
        ordered = sql.SQL(" SELECT notification_id FROM inserted ORDER BY notification_id")
        routed = sql.SQL(
            ", routed AS (INSERT INTO {routes} (province, application, notification_id)"
            " SELECT r.province, %s, i.notification_id FROM inserted i"
            " JOIN unnest(%s::text[], %s::{id_type}[], %s::integer[]) AS r(province, originator_id, version)"
            " ON i.originator_id = r.originator_id AND i.originator_version = r.version"
            " ON CONFLICT DO NOTHING)"
        ).format(routes=sql.Identifier(ROUTES_TABLE), id_type=sql.SQL(self.datastore.originator_id_type))
        return inserted + ordered, inserted + routed + ordered


def routed_rows(routes: EventRoutes, keys: Sequence[K]) -> tuple[list[str], list[K]]:
    """The routes as parallel columns, a row per event and province it is routed to: the provinces,
    and each row's event by its key (its notification id, or its originator and version)."""
    provinces: list[str] = []
    keyed: list[K] = []
    for key, routed_to in zip(keys, routes.provinces, strict=True):
        for province in routed_to:
            provinces.append(province)
            keyed.append(key)
    return provinces, keyed


def insert_routes(curs: Cursor[DictRow], routes: EventRoutes, notification_ids: Sequence[int]) -> None:
    """One row per (event, province it is routed to); a row already there (a backfill racing a save)
    is kept. All of them in one statement: a command's events reach two provinces or more, and a
    statement per row cost the server more to receive and answer than to execute."""
    provinces, ids = routed_rows(routes, notification_ids)
    if provinces:
        curs.execute(
            f"INSERT INTO {ROUTES_TABLE} (province, application, notification_id)"  # noqa: S608
            " SELECT r.province, %s, r.notification_id"
            " FROM unnest(%s::text[], %s::bigint[]) AS r(province, notification_id)"
            " ON CONFLICT DO NOTHING",
            (routes.application, provinces, ids),
        )
