"""Reading back the first answer to an `Idempotency-Key` (written by the recorder with the events), and
letting it expire.

A record counts for `retention` after it was written, judged by the service's injected clock (the one
commands and tokens use, so tests and demos can move it), never by the database's `now()`. An expired
record is ignored at once by `lookup` and overwritten by the next command with its key, so the
behaviour is exact whether or not the janitor (`xborder.consumers.janitor`) has deleted the row yet;
deleting only reclaims the space.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from xborder.infra.clock import Clock
from xborder.infra.postgres.database import Database
from xborder.infra.postgres.recorder import IDEMPOTENCY_TABLE, IdempotencyRecord


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str
    status_code: int
    response: dict[str, Any]


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


class IdempotencyStore:
    def __init__(self, db: Database, *, clock: Clock, retention: timedelta) -> None:
        if retention <= timedelta(0):
            raise ValueError(f"the retention must be positive, got {retention}")
        self._db = db
        self._clock = clock
        self.retention = retention

    def expired_before(self, now: datetime | None = None) -> datetime:
        """Records written before this instant have expired."""
        return (now if now is not None else self._clock.now()) - self.retention

    def lookup(self, caller: str, key: str) -> StoredAnswer | None:
        """The first answer to `key` from `caller`, unless there is none or it has expired."""
        with self._db.transaction() as conn:
            row = conn.execute(
                f"SELECT fingerprint, status_code, response FROM {IDEMPOTENCY_TABLE} "  # noqa: S608
                "WHERE caller = %s AND key = %s AND created_at >= %s",
                (caller, key, self.expired_before()),
            ).fetchone()
        if row is None:
            return None
        return StoredAnswer(row["fingerprint"], int(row["status_code"]), dict(row["response"]))

    def record(
        self, caller: str, key: str, fingerprint: str, status_code: int, response: dict[str, Any]
    ) -> IdempotencyRecord:
        """The record the event recorder writes with the command's events, stamped now."""
        now = self._clock.now()
        return IdempotencyRecord(
            caller,
            key,
            fingerprint,
            status_code,
            response,
            recorded_at=now,
            expired_before=self.expired_before(now),
        )

    def delete_expired(self, limit: int) -> int:
        """Delete up to `limit` expired records, oldest first, in one short transaction; the count.

        Rows another transaction holds (a command replacing an expired record) are skipped, and a row
        that became current again by the time it is locked is re-checked and kept.
        """
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        cutoff = self.expired_before()
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE created_at < %s AND (caller, key) IN ("  # noqa: S608
                f" SELECT caller, key FROM {IDEMPOTENCY_TABLE} WHERE created_at < %s"
                " ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED)",
                (cutoff, cutoff, limit),
            )
            return cursor.rowcount
