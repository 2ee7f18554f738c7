"""How a rebuild decodes what it reads: a batch's events first, then, in one query per log, the earlier
events of the cases that need them, then the envelopes a province's feed would make of them.

A live feed reads a case's earlier events one pooled read per case (a late-joining province's catch-up
replay, or an event recorded before events carried their decisions); a rebuild meets thousands of such
cases, so it reads them together, on a connection it holds for the whole rebuild."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg import sql
from psycopg.rows import tuple_row

from xborder.infra.contracts import Envelope, PriorEvents, envelopes_for
from xborder.infra.feeds import DecodedEnvelopes, LogSource, NotificationSelector, prior_events_of

# A connection to the events' database, lent for the whole rebuild (its context is entered once).
Connect = Callable[[], AbstractContextManager[Any]]


class HeldLogs:
    """One connection per log's Application, held for the whole rebuild (given back when `stack`
    closes): each read through the Application's event store borrows a pooled connection pinged before
    it is lent, a round trip more per read. `connect`: where the connection comes from instead of the
    Application's pool (a rebuild's forked share has none it may use)."""

    def __init__(self, stack: ExitStack, connect: Connect | None = None) -> None:
        self._stack = stack
        self._connect = connect
        self._connections: dict[str, Any] = {}

    def histories(self, app: Any, up_to: Mapping[UUID, int]) -> dict[UUID, list[Any]]:
        """The stored events of these cases up to the version given of each, decoded, in version order,
        by case: one query. (Only as far as needed: a case a province joins late is often long, and
        decoding its later events, which come in their own notifications, was a sixth of a rebuild.)"""
        ids = list(up_to)
        if not ids:
            return {}
        key = app.name if self._connect is None else ""
        conn = self._connections.get(key)
        if conn is None:
            lend = self._connect() if self._connect is not None else app.recorder.datastore.get_connection()
            conn = self._connections[key] = self._stack.enter_context(lend)
        query = sql.SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {}.{} e"
            " JOIN unnest(%s::uuid[], %s::integer[]) AS w(id, up_to) ON e.originator_id = w.id"
            " WHERE e.originator_version <= w.up_to ORDER BY e.originator_id, e.originator_version"
        ).format(
            sql.Identifier(app.recorder.datastore.schema), sql.Identifier(app.recorder.events_table_name)
        )
        found: dict[UUID, list[Any]] = {}
        with conn.cursor(row_factory=tuple_row) as curs:
            rows = curs.execute(query, (ids, [up_to[case_id] for case_id in ids])).fetchall()
        for originator_id, originator_version, topic, state in rows:
            stored = StoredEvent(
                originator_id=originator_id,
                originator_version=originator_version,
                topic=topic,
                state=bytes(state),
            )
            found.setdefault(originator_id, []).append(app.mapper.to_domain_event(stored))
        return found


def decode_notifications(
    source: LogSource,
    notifications: Sequence[Any],
    held: HeldLogs,
    *,
    fallback: PriorEvents | None,
) -> list[tuple[int, list[Envelope] | Exception]]:
    """Each notification's envelopes (its catch-up replays first), or the error that kept it from
    having them, in order. `fallback`: the earlier events of a case whose history was not read here
    (None: an error — a forked share may not use the Application's event store)."""
    app = source.application
    events: list[tuple[int, Any]] = []
    out: list[tuple[int, list[Envelope] | Exception]] = []
    for notification in notifications:
        try:
            events.append((notification.id, app.mapper.to_domain_event(notification)))
        except Exception as error:  # noqa: BLE001 — the caller decides what an unreadable record means
            out.append((notification.id, error))
    wanted: dict[UUID, int] = {}  # the cases whose earlier events are needed, and up to which version
    for _, event in events:
        if event.originator_version > 1 and (getattr(event, "joined", None) or not event.is_decided):
            case_id, before = event.originator_id, event.originator_version - 1
            wanted[case_id] = max(before, wanted.get(case_id, 0))
    histories = held.histories(app, wanted)

    def prior(case_id: UUID, lte: int) -> Iterable[Any]:
        history = histories.get(case_id)
        if history is None or lte > wanted.get(case_id, 0):  # not read here, or not that far
            if fallback is None:
                raise LookupError("a case's earlier events were not read with its batch")
            return fallback(case_id, lte)
        return [event for event in history if event.originator_version <= lte]

    for notification_id, event in events:
        try:
            out.append((notification_id, envelopes_for(source.aggregate_type, event, prior, source.events)))
        except Exception as error:  # noqa: BLE001 — as above
            out.append((notification_id, error))
    if len(events) < len(notifications):  # the undecodable went first: back in notification order
        out.sort(key=lambda entry: entry[0])
    return out


class DecodedAhead:
    """A `NotificationSelector` that decodes what it selects before the feed does, into the feed's
    `decoded` envelopes: all of a batch's events first, then the earlier events of the cases that need
    them (those joining the province late, and events recorded before they carried their decisions) in
    one query per log, then the envelopes as the feed would make them (`envelopes_for`).

    The feed then finds every envelope made. A record this cannot decode is left to the feed, which
    meets it again and parks it (or stops) exactly as it always does; a case whose history was not read
    here is read as the feed reads it — or, with `held_only` (a forked share, which may not use the
    Applications' pools), not decoded at all."""

    def __init__(
        self,
        select: NotificationSelector,
        sources: Sequence[LogSource],
        held: HeldLogs,
        decoded: DecodedEnvelopes,
        *,
        held_only: bool = False,
    ) -> None:
        self._select = select
        self._sources = {source.application.name: source for source in sources}
        self._held = held
        self._decoded = decoded
        self._held_only = held_only

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Any]]:
        selected = self._select(starts, limit)
        for name, notifications in selected.items():
            if notifications:
                self._decode(self._sources[name], notifications)
        return selected

    def _decode(self, source: LogSource, notifications: Sequence[Any]) -> None:
        app = source.application
        fallback = None if self._held_only else prior_events_of(app)
        decoded = decode_notifications(source, notifications, self._held, fallback=fallback)
        for notification_id, envelopes in decoded:
            if not isinstance(envelopes, Exception):  # else left to the feed, which parks it or stops
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
