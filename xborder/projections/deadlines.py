"""The deadline watcher's read model: open deadlines of every case, fed like any projection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from xborder.domain.text import ensure_storable
from xborder.infra.feeds import FeedRecord
from xborder.infra.postgres.database import Database
from xborder.projections.dead_letters import Connection, DeadLetters, Parking, apply_records
from xborder.projections.positions import load_consumer_positions, next_positions, store_consumer_positions

CONSUMER = "deadline-watcher"
# Dead letters of overdue commands that failed (not of feed records: those are CONSUMER's).
OVERDUE_CONSUMER = "deadline-watcher.overdue"


@dataclass(frozen=True, slots=True)
class DueDeadline:
    aggregate_type: str
    aggregate_id: UUID
    name: str
    due: datetime


class DeadlineTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def load_positions(self) -> dict[str, int]:
        return load_consumer_positions(self._db, CONSUMER)

    def apply(
        self, records: Sequence[FeedRecord], *, parking: Parking | None = None, careful: bool = False
    ) -> int:
        """Opened deadlines become rows, closed ones disappear, overdue ones stop being watched.
        Re-delivered events are harmless: every change here is idempotent. Returns how many records
        were parked (see `ProvinceReadModels.apply` for `parking` and `careful`).

        The fast path is pipelined: the parked cases' query is one round trip, and every write goes
        with the COMMIT in a second — not one round trip per deadline opened or closed. Careful, each
        record in its own savepoint, it is not."""
        with self._db.transaction(pipelined=not careful) as conn:
            parked = apply_records(conn, records, self._apply_one, parking=parking, careful=careful)
            store_consumer_positions(conn, CONSUMER, next_positions(records))
        return parked

    def _apply_one(self, conn: Connection, record: FeedRecord) -> None:
        env = record.envelope
        if env.catch_up:
            return  # an earlier event replayed to a province that joined late: seen already
        ensure_storable([env.deadlines.closed, list(env.deadlines.opened), env.deadlines.overdue])
        for name in env.deadlines.closed:
            conn.execute(
                "DELETE FROM xborder_deadlines WHERE aggregate_id = %s AND name = %s",
                (env.aggregate_id, name),
            )
        for name, due in env.deadlines.opened.items():
            conn.execute(
                "INSERT INTO xborder_deadlines (aggregate_type, aggregate_id, name, due, state) "
                "VALUES (%s, %s, %s, %s, 'open') ON CONFLICT (aggregate_id, name) "
                "DO UPDATE SET due = EXCLUDED.due, state = 'open'",
                (env.aggregate_type, env.aggregate_id, name, due),
            )
        for name in env.deadlines.overdue:  # the domain says which clocks passed: stop watching them
            self._mark(conn, env.aggregate_id, name)

    def due(self, now: datetime, *, limit: int = 100) -> list[DueDeadline]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT aggregate_type, aggregate_id, name, due FROM xborder_deadlines "
                "WHERE state = 'open' AND due < %s ORDER BY due LIMIT %s",
                (now, limit),
            ).fetchall()
        return [DueDeadline(r["aggregate_type"], r["aggregate_id"], r["name"], r["due"]) for r in rows]

    def mark_overdue(self, aggregate_id: UUID, name: str) -> None:
        with self._db.transaction() as conn:
            self._mark(conn, aggregate_id, name)

    def park(self, deadline: DueDeadline, letters: DeadLetters, error: str) -> None:
        """A deadline whose overdue command fails for a reason of its own: stop watching it (so the
        deadlines due after it are not held up) and leave a dead letter saying which and why."""
        with self._db.transaction() as conn:
            self._mark(conn, deadline.aggregate_id, deadline.name, state="parked")
            conn.execute(
                "INSERT INTO xborder_dead_letters (consumer, source, position, aggregate_type,"
                " aggregate_id, event_type, error) VALUES (%s, %s, 0, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (
                    OVERDUE_CONSUMER,
                    f"deadline:{deadline.name}",
                    deadline.aggregate_type,
                    deadline.aggregate_id,
                    "mark_overdue",
                    error,
                ),
            )

    def reopen(self, aggregate_id: UUID, name: str) -> None:
        """Watch a parked deadline again (`xborder dead-letters retry`)."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE xborder_deadlines SET state = 'open' WHERE aggregate_id = %s AND name = %s"
                " AND state = 'parked'",
                (aggregate_id, name),
            )

    @staticmethod
    def _mark(conn: Connection, aggregate_id: UUID, name: str, *, state: str = "overdue") -> None:
        conn.execute(
            "UPDATE xborder_deadlines SET state = %s WHERE aggregate_id = %s AND name = %s",
            (state, aggregate_id, name),
        )
