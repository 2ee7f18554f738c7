"""An application recorder that also stores the API's idempotency record in the events' transaction.

A retried POST must either find the first answer or record nothing: writing the answer in the same
transaction as the events means there is no moment where the events exist without the answer (or the
reverse), whatever crashes when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

IDEMPOTENCY_TABLE = "xborder_idempotency"


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    caller: str
    key: str
    fingerprint: str
    status_code: int
    response: dict[str, Any]


class IdempotentApplicationRecorder(PostgresApplicationRecorder):
    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            # Inside psycopg's pipeline a unique violation would abort the pipeline and surface as an
            # OperationalError (which eventsourcing retries). Ask instead, and refuse the whole save as the
            # conflict it is; a racing retry waits here until the first transaction commits.
            curs.execute(
                f"INSERT INTO {IDEMPOTENCY_TABLE} (caller, key, fingerprint, status_code, response) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (caller, key) DO NOTHING RETURNING key",
                (record.caller, record.key, record.fingerprint, record.status_code, Jsonb(record.response)),
            )
            if curs.fetchone() is None:
                raise IntegrityError(f"idempotency key already used by {record.caller}")
        super()._insert_events(curs, stored_events, **kwargs)
