"""Rebuilding a province's read model from the event store, and swapping it in.

The event store is the source of truth: replaying every application's notification log (with the
catch-up replays for provinces that joined cases late) into a fresh schema must give exactly the live
read model. The swap locks the live tables — waiting for a consumer's transaction in flight — catches
the fresh schema up to the last recorded event under that lock, and renames the schemas in the same
transaction. A live consumer's next transaction then fails against the dropped tables, rewinds, and
continues from the rebuilt schema's positions (in Kafka mode there are none yet: it re-reads its topics
from the start and skips, by version, everything already applied).

A rebuild reads what the live consumer reads in embedded mode: only the notifications routed to the
province (`xborder.infra.postgres.routes`), each turned into its envelope and, when it brings the
province into a case late, preceded by the case's earlier events replayed to it (`envelopes_for`) — so
the rebuilt documents, versions and positions are the live consumer's. (Reading the whole logs instead
decoded every event of the nation to keep a province's share.) Unlike a live consumer it:

- reads in much larger batches (`REBUILD_BATCH`): nobody waits for the first one, and a batch writes
  each of its cases once however many of the case's events it holds;
- decodes a batch ahead (`DecodedAhead`), reading the earlier events of every case that joins the
  province in it with one query per log, on a connection it holds, instead of one pooled read per case.
- shares its bulk — the notifications routed to the province when it begins — among forked processes,
  one per core, each applying the cases of one range of ids (`xborder.projections.rebuild_shares`);
  it then carries on alone from where they ended.

All of it happens in the province's read-model database (its own, with `READMODEL_URL_<code>`, or the
shared one): the fresh schema is built beside the live one, and a record parked on the way is parked
there, as the live consumer parks it. The event store it replays is always the shared database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass

from psycopg import sql

from xborder.infra.collector import collecting_rarely
from xborder.infra.feeds import (
    DecodedEnvelopes,
    FeedRecord,
    LogSource,
    NotificationLogFeed,
    NotificationSelector,
)
from xborder.infra.postgres.routes import RoutedNotifications
from xborder.projections.casedoc import ProjectionGapError
from xborder.projections.dead_letters import DeadLetters, Parking, projection_consumer
from xborder.projections.rebuild_decoding import DecodedAhead, HeldLogs, ReadAhead
from xborder.projections.rebuild_shares import build_in_shares, rebuild_processes, routed_bounds
from xborder.projections.schema import rebuild_schema_name, schema_name
from xborder.projections.store import ProvinceReadModels

logger = logging.getLogger("xborder.rebuild")

# Notifications read per log at a time (a live consumer reads 200): a batch of all the logs is applied
# in one transaction, so this also bounds what one transaction holds and what a rebuild keeps in memory.
REBUILD_BATCH = 1000


@dataclass(frozen=True, slots=True)
class RebuildResult:
    province: str
    events_read: int
    applied: int
    processes: int = 1  # how many processes shared the bulk (1: it was not shared, or a share failed)


def rebuild_province(
    readmodels: ProvinceReadModels,
    sources: Sequence[LogSource],
    province: str,
    *,
    dead_letters: DeadLetters | None = None,
    batch_size: int = REBUILD_BATCH,
    select: NotificationSelector | None = None,
    processes: int | None = None,
) -> RebuildResult:
    """With `dead_letters`, a record that cannot be applied is parked as the live consumer parks it
    (the same letter, not a second one) instead of failing the rebuild. `select`: what the province
    reads of the logs, by default the notifications routed to it, as its live consumer does.

    `processes`: how many processes share the bulk (`xborder.projections.rebuild_shares`; by default
    one per core, up to four). The routed notifications are shared only when there is more than a
    batch of them, and never with a `select` of the caller's."""
    shares = processes if processes is not None else rebuild_processes()
    with collecting_rarely():
        return _rebuild(readmodels, sources, province, dead_letters, batch_size, select, shares)


def _rebuild(
    readmodels: ProvinceReadModels,
    sources: Sequence[LogSource],
    province: str,
    dead_letters: DeadLetters | None,
    batch_size: int,
    select: NotificationSelector | None,
    shares: int,
) -> RebuildResult:
    live, fresh = schema_name(province), rebuild_schema_name(province)
    db = readmodels.database_of(province)
    building = readmodels.with_schemas(rebuild_schema_name)
    consumer = projection_consumer(province)
    parking = Parking(dead_letters, consumer, fatal=(ProjectionGapError,)) if dead_letters else None

    def fresh_schema() -> None:
        with db.transaction() as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(fresh)))
        building.ensure_schema(province)

    fresh_schema()
    read = applied = 0
    processes = 1
    starts: dict[str, int] = {}  # where the feed begins, by log: the beginning, or where the shares ended
    if shares > 1 and select is None:
        store = readmodels.shared_database
        bounds = routed_bounds(province, sources, store.read)
        if bounds.routed > batch_size:
            built = build_in_shares(
                province,
                sources,
                building,
                store_url=store.url,
                bounds=bounds.starts,
                shares=shares,
                batch_size=batch_size,
            )
            if built is None:
                fresh_schema()  # what the shares wrote is discarded: one process does it all
            else:
                read, applied, starts = built.events_read, built.applied, dict(bounds.starts)
                processes = shares

    def apply(records: Sequence[FeedRecord]) -> None:
        nonlocal read, applied
        read += len(records)
        if parking is None:
            applied += building.apply(province, records).applied
            return
        applied += parking.attempt(
            lambda careful: building.apply(province, records, parking=parking, careful=careful)
        ).applied

    with ExitStack() as held:
        # Room for three batches' envelopes: the one applied, the one read ahead, and a margin.
        decoded = DecodedEnvelopes(capacity=3 * batch_size * max(1, len(sources)))
        routed = select if select is not None else RoutedNotifications(province)
        read_ahead = ReadAhead(DecodedAhead(routed, sources, HeldLogs(held), decoded))
        # Closed before the held connections it may be reading on are given back.
        with closing(read_ahead):
            feed = NotificationLogFeed(
                sources,
                lambda: starts,
                batch_size=batch_size,
                on_unreadable=dead_letters.handler(consumer) if dead_letters else None,
                province=province,
                select=read_ahead,
                decoded=decoded,
            )
            _catch_up(feed, apply)
            readmodels.with_schemas(schema_name).ensure_schema(province)  # so there is something to swap out
            with db.transaction() as conn:
                conn.execute(
                    sql.SQL("LOCK TABLE {live}.cases, {live}.positions IN ACCESS EXCLUSIVE MODE").format(
                        live=sql.Identifier(live)
                    )
                )
                # What was recorded while we built, now that no consumer can write the live tables.
                _catch_up(feed, apply)
                old = sql.Identifier(f"{live}_old")
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(old))
                conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(live), old))
                conn.execute(
                    sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                        sql.Identifier(fresh), sql.Identifier(live)
                    )
                )
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(old))
    logger.info(
        "rebuilt the read model of %s: %d events read, %d applied, in %d process(es)",
        province,
        read,
        applied,
        processes,
    )
    return RebuildResult(province=province, events_read=read, applied=applied, processes=processes)


def _catch_up(feed: NotificationLogFeed, apply: Callable[[Sequence[FeedRecord]], None]) -> None:
    """Apply batches, in order, until the feed has no more."""
    while records := feed.poll(0):
        apply(records)
