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

All of it happens in the province's read-model database (its own, with `READMODEL_URL_<code>`, or the
shared one): the fresh schema is built beside the live one, and a record parked on the way is parked
there, as the live consumer parks it. The event store it replays is always the shared database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg import sql
from psycopg.rows import tuple_row

from xborder.infra.collector import collecting_rarely
from xborder.infra.contracts import envelopes_for
from xborder.infra.feeds import (
    DecodedEnvelopes,
    FeedRecord,
    LogSource,
    NotificationLogFeed,
    NotificationSelector,
    prior_events_of,
)
from xborder.infra.postgres.routes import RoutedNotifications
from xborder.projections.casedoc import ProjectionGapError
from xborder.projections.dead_letters import DeadLetters, Parking, projection_consumer
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


class HeldLogs:
    """One connection per log's Application, held for the whole rebuild (given back when `stack`
    closes): each read through the Application's event store borrows a pooled connection pinged before
    it is lent, a round trip more per read."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._connections: dict[str, Any] = {}

    def histories(self, app: Any, case_ids: Iterable[UUID]) -> dict[UUID, list[Any]]:
        """Every stored event of these cases, decoded, in version order, by case: one query."""
        ids = list(case_ids)
        if not ids:
            return {}
        conn = self._connections.get(app.name)
        if conn is None:
            conn = self._connections[app.name] = self._stack.enter_context(
                app.recorder.datastore.get_connection()
            )
        query = sql.SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}.{}"
            " WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(
            sql.Identifier(app.recorder.datastore.schema), sql.Identifier(app.recorder.events_table_name)
        )
        found: dict[UUID, list[Any]] = {}
        with conn.cursor(row_factory=tuple_row) as curs:
            rows = curs.execute(query, (ids,)).fetchall()
        for originator_id, originator_version, topic, state in rows:
            stored = StoredEvent(
                originator_id=originator_id,
                originator_version=originator_version,
                topic=topic,
                state=bytes(state),
            )
            found.setdefault(originator_id, []).append(app.mapper.to_domain_event(stored))
        return found


class DecodedAhead:
    """A `NotificationSelector` that decodes what it selects before the feed does, into the feed's
    `decoded` envelopes: all of a batch's events first, then the earlier events of the cases that need
    them (those joining the province late, and events recorded before they carried their decisions) in
    one query per log, then the envelopes as the feed would make them (`envelopes_for`).

    The feed then finds every envelope made. A record this cannot decode is left to the feed, which
    meets it again and parks it (or stops) exactly as it always does; a case whose history was not read
    here is read as the feed reads it."""

    def __init__(
        self,
        select: NotificationSelector,
        sources: Sequence[LogSource],
        held: HeldLogs,
        decoded: DecodedEnvelopes,
    ) -> None:
        self._select = select
        self._sources = {source.application.name: source for source in sources}
        self._held = held
        self._decoded = decoded

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Any]]:
        selected = self._select(starts, limit)
        for name, notifications in selected.items():
            if notifications:
                self._decode(self._sources[name], notifications)
        return selected

    def _decode(self, source: LogSource, notifications: Sequence[Any]) -> None:
        app = source.application
        events: list[tuple[int, Any]] = []
        for notification in notifications:
            try:
                events.append((notification.id, app.mapper.to_domain_event(notification)))
            except Exception:  # noqa: BLE001, S112 — the feed decodes it again, and parks or stops there
                continue
        wanted = {
            event.originator_id
            for _, event in events
            if event.originator_version > 1 and (getattr(event, "joined", None) or not event.is_decided)
        }
        histories = self._held.histories(app, wanted)
        fallback = prior_events_of(app)

        def prior(case_id: UUID, lte: int) -> Iterable[Any]:
            history = histories.get(case_id)
            if history is None:
                events: Iterable[Any] = fallback(case_id, lte)
                return events
            return [event for event in history if event.originator_version <= lte]

        for notification_id, event in events:
            try:
                envelopes = envelopes_for(source.aggregate_type, event, prior, source.events)
            except Exception:  # noqa: BLE001, S112 — as above: left to the feed
                continue
            self._decoded.put((app.name, notification_id, True), envelopes)


@dataclass(frozen=True, slots=True)
class _Ahead:
    """A batch being read ahead: from which starts (by log name), how many, and the read."""

    starts: tuple[tuple[str, int], ...]
    limit: int
    batch: Future[Mapping[str, Sequence[Any]]]


def _named(starts: Sequence[tuple[Any, int]]) -> tuple[tuple[str, int], ...]:
    return tuple((app.name, start) for app, start in starts)


class ReadAhead:
    """A `NotificationSelector` that, having answered from some starts, reads the next batch (from
    where that answer ends) on a thread of its own while the caller applies this one: a rebuild spent
    a tenth to a fifth of its time waiting on PostgreSQL, for its reads and its writes in turn.

    A batch read ahead is handed out only when asked for from exactly its starts, and only when it
    holds something: notification ids are gap-free in commit order, so notifications read from a
    start are still the first ones there later; an empty answer may not be (something may have been
    committed since — the rebuild's last look, under the lock, must see it), so it is asked again."""

    def __init__(self, select: NotificationSelector) -> None:
        self._select = select
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-read-ahead")
        self._ahead: _Ahead | None = None

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Any]]:
        ahead, self._ahead = self._ahead, None
        selected = None
        if ahead is not None:
            # Waited for even when not the batch asked for: two reads never share the held connections.
            try:
                found = ahead.batch.result()
            except Exception:  # noqa: BLE001 — asked again below, where its error is the caller's
                found = {}
            if ahead.starts == _named(starts) and ahead.limit == limit and any(found.values()):
                selected = found
        if selected is None:
            selected = self._select(starts, limit)
        if any(selected.values()):
            following = [
                (app, (notifications[-1].id + 1) if (notifications := selected.get(app.name)) else start)
                for app, start in starts
            ]
            self._ahead = _Ahead(_named(following), limit, self._pool.submit(self._select, following, limit))
        return selected

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def rebuild_province(
    readmodels: ProvinceReadModels,
    sources: Sequence[LogSource],
    province: str,
    *,
    dead_letters: DeadLetters | None = None,
    batch_size: int = REBUILD_BATCH,
    select: NotificationSelector | None = None,
) -> RebuildResult:
    """With `dead_letters`, a record that cannot be applied is parked as the live consumer parks it
    (the same letter, not a second one) instead of failing the rebuild. `select`: what the province
    reads of the logs, by default the notifications routed to it, as its live consumer does."""
    with collecting_rarely():
        return _rebuild(readmodels, sources, province, dead_letters, batch_size, select)


def _rebuild(
    readmodels: ProvinceReadModels,
    sources: Sequence[LogSource],
    province: str,
    dead_letters: DeadLetters | None,
    batch_size: int,
    select: NotificationSelector | None,
) -> RebuildResult:
    live, fresh = schema_name(province), rebuild_schema_name(province)
    db = readmodels.database_of(province)
    building = readmodels.with_schemas(rebuild_schema_name)
    consumer = projection_consumer(province)
    parking = Parking(dead_letters, consumer, fatal=(ProjectionGapError,)) if dead_letters else None
    with db.transaction() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(fresh)))
    building.ensure_schema(province)
    read = applied = 0

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
                lambda: {},
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
    logger.info("rebuilt the read model of %s: %d events read, %d applied", province, read, applied)
    return RebuildResult(province=province, events_read=read, applied=applied)


def _catch_up(feed: NotificationLogFeed, apply: Callable[[Sequence[FeedRecord]], None]) -> None:
    """Apply batches, in order, until the feed has no more."""
    while records := feed.poll(0):
        apply(records)
