"""Input positions of the global (not per-province) consumers: the deadline table and vehicle holds.

Stored in the same transaction as the consumer's own rows, so a crash never leaves rows applied
without their position (or the reverse).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xborder.infra.feeds import FeedRecord
from xborder.infra.postgres.database import Database


def next_positions(records: Sequence[FeedRecord]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for record in records:
        if record.source:  # a redelivered record (`xborder dead-letters retry`) has no position
            positions[record.source] = max(record.next_position, positions.get(record.source, 0))
    return positions


def load_consumer_positions(db: Database, consumer: str) -> dict[str, int]:
    with db.read() as conn:
        rows = conn.execute(
            "SELECT source, next_position FROM xborder_consumer_positions WHERE consumer = %s", (consumer,)
        ).fetchall()
    return {r["source"]: int(r["next_position"]) for r in rows}


def store_consumer_positions(conn: Any, consumer: str, positions: dict[str, int]) -> None:
    for source, position in positions.items():
        conn.execute(
            "INSERT INTO xborder_consumer_positions (consumer, source, next_position) VALUES (%s, %s, %s)"
            " ON CONFLICT (consumer, source) DO UPDATE SET next_position ="
            " GREATEST(xborder_consumer_positions.next_position, EXCLUDED.next_position)",
            (consumer, source, position),
        )
