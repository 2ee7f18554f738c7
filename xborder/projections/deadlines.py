"""The deadline watcher's read model: open deadlines of every case, fed like any projection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg.rows import DictRow

from xborder.infra.feeds import FeedRecord
from xborder.infra.postgres.database import Database
from xborder.projections.positions import load_consumer_positions, next_positions, store_consumer_positions

CONSUMER = "deadline-watcher"


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

    def apply(self, records: Sequence[FeedRecord]) -> None:
        """Opened deadlines become rows, closed ones disappear, overdue ones stop being watched.
        Re-delivered events are harmless: every change here is idempotent."""
        with self._db.transaction() as conn:
            for record in records:
                env = record.envelope
                if env.catch_up:
                    continue  # an earlier event replayed to a province that joined late: seen already
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
                overdue = env.data.get("deadline")
                if env.type.endswith(("Overdue", "Lapsed")) and isinstance(overdue, str):
                    self._mark(conn, env.aggregate_id, overdue)
            store_consumer_positions(conn, CONSUMER, next_positions(records))

    def due(self, now: datetime, *, limit: int = 100) -> list[DueDeadline]:
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT aggregate_type, aggregate_id, name, due FROM xborder_deadlines "
                "WHERE state = 'open' AND due < %s ORDER BY due LIMIT %s",
                (now, limit),
            ).fetchall()
        return [DueDeadline(r["aggregate_type"], r["aggregate_id"], r["name"], r["due"]) for r in rows]

    def mark_overdue(self, aggregate_id: UUID, name: str) -> None:
        with self._db.transaction() as conn:
            self._mark(conn, aggregate_id, name)

    @staticmethod
    def _mark(conn: psycopg.Connection[DictRow], aggregate_id: UUID, name: str) -> None:
        conn.execute(
            "UPDATE xborder_deadlines SET state = 'overdue' WHERE aggregate_id = %s AND name = %s",
            (aggregate_id, name),
        )
