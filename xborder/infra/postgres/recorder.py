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
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
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

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        routes: EventRoutes | None = kwargs.get("routes")
        if routes is not None and ids:
            insert_routes(curs, routes, ids)
            payload = f"{os.getpid()}|{routes.application}|{','.join(sorted(routes.involved))}"
            curs.execute("SELECT pg_notify(%s, %s)", (SAVED_CHANNEL, payload))
        return ids


def insert_routes(curs: Cursor[DictRow], routes: EventRoutes, notification_ids: Sequence[int]) -> None:
    """One row per (event, province it is routed to); a row already there (a backfill racing a save)
    is kept. All of them in one statement: a command's events reach two provinces or more, and a
    statement per row cost the server more to receive and answer than to execute."""
    provinces: list[str] = []
    ids: list[int] = []
    for notification_id, routed_to in zip(notification_ids, routes.provinces, strict=True):
        for province in routed_to:
            provinces.append(province)
            ids.append(notification_id)
    if provinces:
        curs.execute(
            f"INSERT INTO {ROUTES_TABLE} (province, application, notification_id)"  # noqa: S608
            " SELECT r.province, %s, r.notification_id"
            " FROM unnest(%s::text[], %s::bigint[]) AS r(province, notification_id)"
            " ON CONFLICT DO NOTHING",
            (routes.application, provinces, ids),
        )
