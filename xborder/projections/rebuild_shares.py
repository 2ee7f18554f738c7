"""A rebuild's bulk in several processes, each applying its share of the province's cases.

Rebuilding a province is Python's work — decoding stored events, making envelopes, computing
documents — spread thin over many small costs (bench/results/rebuild.md: none is a tenth of it), so in
one process it holds one core however it is tuned. A read model's cases are independent of each
other: a document is made from its own case's events only. So the notifications routed to the province
when the rebuild begins (below `ShareBounds.starts`) are split by case (`routes.share_of`), and each
share is decoded and applied into the fresh schema by a process of its own, with connections of its own. The
parent then carries on from those bounds exactly as a rebuild in one process does — catching up with
what was recorded meanwhile, then the swap under the lock.

Positions come out as one process would leave them: every share writes, with its documents, the input
position of each log it applied (the statement keeps the greater), so the highest any share reached is
what stays — the live consumer's position after the same notifications.

Forked, not spawned: a new interpreter would import xborder again (about 2 s, more than a province's
whole rebuild); a forked child has the code and the Applications' mappers (plain code, no connection)
at hand. It never uses anything it inherited of the parent's connections or pools: it opens its own,
and leaves by `os._exit` (multiprocessing's fork start method does), so nothing of the parent's is
closed or written to. Linux and macOS have `fork`; elsewhere a rebuild runs in one process.

The fast path only, as the consumers' `apply_together` is: a share that meets anything it cannot
decode or apply stops, and the parent discards the fresh schema and rebuilds in one process, where a
bad record is parked as the live consumer parks it."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from xborder.infra.feeds import DecodedEnvelopes, FeedRecord, LogSource, NotificationSelector
from xborder.infra.postgres.database import Database
from xborder.infra.postgres.recorder import ROUTES_TABLE
from xborder.infra.postgres.routes import RoutedNotifications
from xborder.projections.rebuild_decoding import DecodedAhead, HeldLogs
from xborder.projections.store import ProvinceReadModels

logger = logging.getLogger("xborder.rebuild")

# At most this many processes share a rebuild, whatever the machine: each holds two connections, and
# beyond the cores PostgreSQL needs too, more of them only take turns.
MAX_SHARES = 4


def rebuild_processes() -> int:
    """The processes a rebuild shares its bulk among by default: one per core this process may use
    (at most `MAX_SHARES`), or one where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_SHARES, cores))


@dataclass(frozen=True, slots=True)
class ShareBounds:
    """Where the shares stop (per log, the notification id after the last one routed to the province
    when the rebuild began: everything below it had committed, ids being gap-free in commit order) and
    how many notifications that is."""

    starts: Mapping[str, int]
    routed: int


def routed_bounds(province: str, sources: Sequence[LogSource], connect: Callable[[], Any]) -> ShareBounds:
    """One query on the routes: the province's last routed notification of each log, and the count."""
    starts = {source.application.name: 1 for source in sources}
    routed = 0
    with connect() as conn, conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(
            f"SELECT application, max(notification_id), count(*) FROM {ROUTES_TABLE}"  # noqa: S608
            " WHERE province = %s GROUP BY application",
            (province,),
        )
        for application, last, count in curs.fetchall():
            if application in starts:
                starts[application] = int(last) + 1
                routed += int(count)
    return ShareBounds(starts=starts, routed=routed)


@dataclass(frozen=True, slots=True)
class SharedBuild:
    """What the shares did together: the events read (envelopes handed to the read model) and applied."""

    events_read: int
    applied: int


@dataclass(frozen=True, slots=True)
class _Plan:
    """Everything a share needs, inherited by the forked children (never pickled)."""

    province: str
    sources: Sequence[LogSource]
    building: ProvinceReadModels  # writes the province's fresh schema
    store_url: str
    readmodel_url: str
    bounds: Mapping[str, int]
    shares: int
    batch_size: int


def build_in_shares(
    province: str,
    sources: Sequence[LogSource],
    building: ProvinceReadModels,
    *,
    store_url: str,
    bounds: Mapping[str, int],
    shares: int,
    batch_size: int,
) -> SharedBuild | None:
    """Apply the notifications below `bounds` into `building`'s schema of the province in `shares`
    forked processes; None when any of them failed (what they wrote is then for the caller to discard)."""
    context = multiprocessing.get_context("fork")
    plan = _Plan(
        province=province,
        sources=sources,
        building=building,
        store_url=store_url,
        readmodel_url=building.database_of(province).url,
        bounds=dict(bounds),
        shares=shares,
        batch_size=batch_size,
    )
    children: list[tuple[Any, Connection]] = []
    done: list[tuple[int, int]] = []
    failure: str | None = None
    try:
        for index in range(shares):
            receive, send = context.Pipe(duplex=False)
            child = context.Process(
                target=_run_share,
                args=(plan, index, send),
                name=f"xborder-rebuild-{province}-{index}",
                daemon=True,
            )
            child.start()
            send.close()  # the child's end: EOF here once the child is gone, however it went
            children.append((child, receive))
        for _, receive in children:
            outcome = _outcome(receive)
            if isinstance(outcome, str):
                failure = outcome
                break  # the others' work is thrown away: no use waiting for it
            done.append(outcome)
    finally:
        for child, receive in children:
            if child.is_alive() and len(done) < len(children):
                child.terminate()
            child.join()
            receive.close()
    if len(done) < shares:
        logger.warning(
            "rebuilding %s: a share of %d failed (%s); rebuilding it in one process",
            province,
            shares,
            failure or "interrupted",
        )
        return None
    return SharedBuild(events_read=sum(read for read, _ in done), applied=sum(applied for _, applied in done))


def _outcome(receive: Connection) -> tuple[int, int] | str:
    """(events read, applied) as the child sent them, or why it failed: its error's type, or that it
    died without a word."""
    try:
        message = receive.recv()
    except EOFError:
        return "the process ended without an answer"
    if message[0] != "done":
        return str(message[1])
    return int(message[1]), int(message[2])


def _run_share(plan: _Plan, index: int, reply: Connection) -> None:
    """The child: its share, then one message. Only the error's type is sent, never its text, which
    may quote what was stored."""
    try:
        read, applied = _share(plan, index)
    except BaseException as error:  # noqa: BLE001 — whatever it is, the parent goes the careful way
        reply.send(("failed", type(error).__name__))
    else:
        reply.send(("done", read, applied))
    finally:
        reply.close()


def _share(plan: _Plan, index: int) -> tuple[int, int]:
    with ExitStack() as stack:
        store = stack.enter_context(psycopg.connect(plan.store_url, autocommit=True))
        own = Database(plan.readmodel_url, pool_size=1, name=f"xborder-rebuild-{plan.province}-{index}")
        own.open()
        stack.callback(own.close)
        building = plan.building.with_database(plan.province, own)
        # Decoded as the rebuild in one process decodes, on the share's own connection to the events
        # (not read ahead on a thread: with every core busy, that only added the threads' costs).
        decoded = DecodedEnvelopes(capacity=plan.batch_size * max(1, len(plan.sources)))  # one batch
        routed = RoutedNotifications(
            plan.province, connect=lambda: nullcontext(store), share=(index, plan.shares)
        )
        held = HeldLogs(stack, connect=lambda: nullcontext(store))
        select = DecodedAhead(routed, plan.sources, held, decoded, held_only=True)
        read = applied = 0
        for records in _batches(plan, select, decoded):
            read += len(records)
            applied += building.apply(plan.province, records).applied
        return read, applied


def _batches(
    plan: _Plan, select: NotificationSelector, decoded: DecodedEnvelopes
) -> Iterator[list[FeedRecord]]:
    """The share's records, a batch of the logs at a time, up to the bounds: the notifications of its
    cases (`select` reads only those, and decodes them into `decoded`), their envelopes addressed to
    the province (as a province's feed hands them on). One that could not be decoded ends the share."""
    starts = {source.application.name: 1 for source in plan.sources}
    while True:
        asked = [
            (source.application, starts[source.application.name])
            for source in plan.sources
            if starts[source.application.name] < plan.bounds[source.application.name]
        ]
        if not asked:
            return
        selected = select(asked, plan.batch_size)
        records: list[FeedRecord] = []
        for app, _ in asked:
            name = app.name
            below = [n for n in selected.get(name, ()) if n.id < plan.bounds[name]]
            # A log that gave a whole batch below its bound may hold more; else it is done.
            starts[name] = below[-1].id + 1 if len(below) == plan.batch_size else plan.bounds[name]
            for notification in below:
                envelopes = decoded.get((name, notification.id, True))
                if envelopes is None:
                    raise UnreadInShare(name, notification.id)
                records.extend(
                    FeedRecord(envelope, name, notification.id + 1)
                    for envelope in envelopes
                    if plan.province in envelope.provinces
                )
        if records:
            yield records


class UnreadInShare(Exception):
    """A notification a share could not decode: the parent rebuilds in one process, which parks it
    as the live consumer does (the error is sent to the parent by its type only)."""

    def __init__(self, application: str, notification_id: int) -> None:
        super().__init__(f"{application} notification {notification_id} could not be decoded")
