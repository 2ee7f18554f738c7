"""Rebuilding a province's read model from the event store, and swapping it in.

The event store is the source of truth: replaying every application's notification log (with the
catch-up replays for provinces that joined cases late) into a fresh schema must give exactly the live
read model. The swap locks the live tables — waiting for a consumer's transaction in flight — catches
the fresh schema up to the last recorded event under that lock, and renames the schemas in the same
transaction. A live consumer's next transaction then fails against the dropped tables, rewinds, and
continues from the rebuilt schema's positions (in Kafka mode there are none yet: it re-reads its topics
from the start and skips, by version, everything already applied).

All of it happens in the province's read-model database (its own, with `READMODEL_URL_<code>`, or the
shared one): the fresh schema is built beside the live one, and a record parked on the way is parked
there, as the live consumer parks it. The event store it replays is always the shared database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import sql

from xborder.infra.feeds import FeedRecord, LogSource, NotificationLogFeed
from xborder.projections.casedoc import ProjectionGapError
from xborder.projections.dead_letters import DeadLetters, Parking, projection_consumer
from xborder.projections.schema import rebuild_schema_name, schema_name
from xborder.projections.store import ProvinceReadModels

logger = logging.getLogger("xborder.rebuild")


@dataclass(frozen=True, slots=True)
class RebuildResult:
    province: str
    events_read: int
    applied: int


def rebuild_province(
    readmodels: ProvinceReadModels,
    sources: Sequence[LogSource],
    province: str,
    *,
    dead_letters: DeadLetters | None = None,
) -> RebuildResult:
    """With `dead_letters`, a record that cannot be applied is parked as the live consumer parks it
    (the same letter, not a second one) instead of failing the rebuild."""
    live, fresh = schema_name(province), rebuild_schema_name(province)
    db = readmodels.database_of(province)
    building = readmodels.with_schemas(rebuild_schema_name)
    consumer = projection_consumer(province)
    parking = Parking(dead_letters, consumer, fatal=(ProjectionGapError,)) if dead_letters else None
    with db.transaction() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(fresh)))
    building.ensure_schema(province)
    feed = NotificationLogFeed(
        sources, lambda: {}, on_unreadable=dead_letters.handler(consumer) if dead_letters else None
    )
    read = applied = 0

    def apply(records: Sequence[FeedRecord]) -> int:
        if parking is None:
            return building.apply(province, records).applied
        return parking.attempt(
            lambda careful: building.apply(province, records, parking=parking, careful=careful)
        ).applied

    def catch_up() -> None:
        nonlocal read, applied
        while records := feed.poll(0):
            read += len(records)
            applied += apply(records)

    catch_up()
    readmodels.with_schemas(schema_name).ensure_schema(province)  # so there is something to swap out
    with db.transaction() as conn:
        conn.execute(
            sql.SQL("LOCK TABLE {live}.cases, {live}.positions IN ACCESS EXCLUSIVE MODE").format(
                live=sql.Identifier(live)
            )
        )
        catch_up()  # what was recorded while we built, now that no consumer can write the live tables
        old = sql.Identifier(f"{live}_old")
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(old))
        conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(live), old))
        conn.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(fresh), sql.Identifier(live))
        )
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(old))
    logger.info("rebuilt the read model of %s: %d events read, %d applied", province, read, applied)
    return RebuildResult(province=province, events_read=read, applied=applied)
