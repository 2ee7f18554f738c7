"""Dead letters: records a consumer could not apply, parked so that everything else goes on.

One bad record must never stop a province's read model, the vehicle-holds check that every transfer
command depends on, or the deadline watcher. A record that fails for a reason of its own (text storage
refuses, data a projector cannot read, an envelope that does not parse) is parked here with where it
came from (consumer, source, position), which case and version it was, the error and the time — never
its payload, so no personal data is copied into this table (the event store still holds the event).

Order within a case matters: once an event of a case is parked, the consumer parks that case's later
events too (`WAITING_BEHIND`) instead of applying them over a hole. Other cases are not affected.
`xborder dead-letters retry ID` re-applies the case from the event store; `discard ID` records that an
operator dealt with it. Both are idempotent, and parking itself is (a re-read record is parked once).

A province whose read model has a database of its own (`READMODEL_URL_<code>`) keeps its projection's
letters there, parked in the transaction that stores its rows and positions. Every other consumer's
letters, and those of provinces on the shared database, live in the shared one. Ids are per database,
so a letter's `key` names its province's database when it is not the shared one: `510000:7`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar
from uuid import UUID

import psycopg
from psycopg.rows import DictRow

from xborder.infra.failures import describe_failure, is_passing_fault
from xborder.infra.feeds import FeedRecord, Unreadable
from xborder.infra.postgres.database import Database

logger = logging.getLogger("xborder.dead_letters")

WAITING_BEHIND: Final = "an earlier event of this case is parked for this consumer"
STATUSES: Final = ("parked", "retried", "discarded")
PROJECTION_PREFIX: Final = "projection-"

Connection = psycopg.Connection[DictRow]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    consumer: str
    source: str
    position: int
    aggregate_type: str | None
    aggregate_id: UUID | None
    version: int | None
    event_type: str | None
    error: str
    status: str
    parked_at: datetime
    resolved_at: datetime | None
    # The province whose own read-model database holds the letter; None: the shared database.
    home: str | None = None

    @property
    def key(self) -> str:
        """What names the letter to an operator: the id, qualified by its database unless shared."""
        return letter_key(self.home, self.id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "id": self.id,
            "consumer": self.consumer,
            "source": self.source,
            "position": self.position,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": str(self.aggregate_id) if self.aggregate_id else None,
            "version": self.version,
            "event_type": self.event_type,
            "error": self.error,
            "status": self.status,
            "parked_at": self.parked_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
        }


_INSERT: Final = (
    "INSERT INTO xborder_dead_letters"
    " (consumer, source, position, aggregate_type, aggregate_id, version, event_type, error)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)


def projection_consumer(province: str) -> str:
    """The dead-letter consumer name of a province's projection (and its worker's name)."""
    return f"{PROJECTION_PREFIX}{province}"


def letter_key(home: str | None, letter_id: int) -> str:
    return str(letter_id) if home is None else f"{home}:{letter_id}"


def parse_letter_key(key: str | int) -> tuple[str | None, int]:
    """`7` (the shared database) or `510000:7` (510000's own database) -> (province or None, id)."""
    if isinstance(key, int):
        return None, key
    home, colon, number = key.strip().rpartition(":")
    if not _digits(number) or (colon and not (len(home) == 6 and _digits(home))):
        raise ValueError(f"not a dead-letter id: {key!r} (expected 7 or 510000:7)")
    return home or None, int(number)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


class DeadLetters:
    """The dead-letter table of every database that holds one: the shared database, and each province's
    own read-model database. Parking and resolving go to the database of the consumer (a province's
    projection: its province's); reading gathers them all, so `xborder status` and `dead-letters`
    see every letter wherever it lives."""

    def __init__(self, db: Database, *, provinces: Mapping[str, Database] | None = None) -> None:
        """`db`: the shared database; `provinces`: province -> its own read-model database."""
        self._db = db
        self._provinces = {code: own for code, own in (provinces or {}).items() if own is not db}

    def database_of(self, consumer: str | None) -> Database:
        """Where this consumer's letters live (None: a consumer of the shared database)."""
        if consumer is not None and consumer.startswith(PROJECTION_PREFIX):
            return self._provinces.get(consumer.removeprefix(PROJECTION_PREFIX), self._db)
        return self._db

    def transaction(self, consumer: str | None = None) -> AbstractContextManager[Connection]:
        """A transaction on the database holding `consumer`'s letters."""
        return self.database_of(consumer).transaction()

    def transaction_of(self, letter: DeadLetter) -> AbstractContextManager[Connection]:
        """A transaction on the database holding this letter (to resolve it and its case's siblings)."""
        return self._locate(letter.key)[0].transaction()

    def _places(self) -> list[tuple[Database, list[str] | None]]:
        """Each database with letters, and which consumers' letters are read there (None: all). A
        province's own database is read for the projections it hosts only: a letter left there by a
        province since moved elsewhere could not be resolved through its key."""
        hosted: dict[int, tuple[Database, list[str]]] = {}
        for code in sorted(self._provinces):
            own = self._provinces[code]
            hosted.setdefault(id(own), (own, []))[1].append(projection_consumer(code))
        return [(self._db, None), *hosted.values()]

    def _locate(self, key: str | int) -> tuple[Database, int]:
        """The database and id a key names. A key naming a province with no database of its own here
        is refused rather than read as a shared id: the same number names another letter there (a
        command run without that province's READMODEL_URL would otherwise discard the wrong one)."""
        home, letter_id = parse_letter_key(key)
        if home is None:
            return self._db, letter_id
        if home not in self._provinces:
            raise ValueError(
                f"dead letter {key}: province {home} has no read-model database of its own here "
                f"(is READMODEL_URL_{home} set?)"
            )
        return self._provinces[home], letter_id

    # ------------------------------------------------------------------ parking
    def park(self, conn: Connection, consumer: str, record: FeedRecord, error: str) -> None:
        """Park a readable record, in the consumer's own transaction (with its positions)."""
        env = record.envelope
        conn.execute(
            _INSERT,
            (
                consumer,
                record.source,
                record.next_position,
                env.aggregate_type,
                env.aggregate_id,
                env.version,
                env.type,
                error,
            ),
        )
        logger.error(
            "%s parked %s %s v%d (%s) from %s: %s",
            consumer,
            env.aggregate_type,
            env.aggregate_id,
            env.version,
            env.type,
            record.source,
            error,
        )

    def park_unreadable(self, consumer: str, unreadable: Unreadable) -> None:
        """Park a record the feed could not turn into an envelope (its own transaction)."""
        with self.transaction(consumer) as conn:
            conn.execute(
                _INSERT,
                (
                    consumer,
                    unreadable.source,
                    unreadable.next_position,
                    unreadable.aggregate_type,
                    unreadable.aggregate_id,
                    unreadable.version,
                    None,
                    unreadable.reason,
                ),
            )
        logger.error(
            "%s parked an unreadable record from %s before position %d (case %s): %s",
            consumer,
            unreadable.source,
            unreadable.next_position,
            unreadable.aggregate_id or "unknown",
            unreadable.reason,
        )

    def handler(self, consumer: str) -> Callable[[Unreadable], None]:
        """What a feed calls when it meets a record it cannot read."""
        return lambda unreadable: self.park_unreadable(consumer, unreadable)

    @staticmethod
    def parked_cases(conn: Connection, consumer: str, case_ids: Collection[UUID]) -> set[UUID]:
        return DeadLetters.parked_cases_later(conn, consumer, case_ids)()

    @staticmethod
    def parked_cases_later(
        conn: Connection, consumer: str, case_ids: Collection[UUID]
    ) -> Callable[[], set[UUID]]:
        """The query sent now, its answer read when called: in pipeline mode, the queries of several
        batches sent before the first answer is read travel in one round trip."""
        if not case_ids:
            return set
        cursor = conn.execute(
            "SELECT DISTINCT aggregate_id FROM xborder_dead_letters"
            " WHERE consumer = %s AND status = 'parked' AND aggregate_id = ANY(%s)",
            (consumer, list(case_ids)),
        )
        return lambda: {row["aggregate_id"] for row in cursor.fetchall()}

    # ------------------------------------------------------------------ reading and resolving
    def list(self, *, consumer: str | None = None, status: str | None = "parked") -> list[DeadLetter]:
        """The shared database's letters first, then each province database's, each by id."""
        letters: list[DeadLetter] = []
        for db, consumers in self._places():
            conditions: list[str] = []
            params: list[object] = []
            if consumer is not None:
                conditions.append("consumer = %s")
                params.append(consumer)
            if consumers is not None:
                conditions.append("consumer = ANY(%s)")
                params.append(consumers)
            if status is not None:
                conditions.append("status = %s")
                params.append(status)
            where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
            with db.transaction() as conn:
                rows = conn.execute(
                    f"SELECT * FROM xborder_dead_letters {where} ORDER BY id",  # noqa: S608 — constant clauses
                    params,
                ).fetchall()
            letters += [_letter(row, shared=consumers is None) for row in rows]
        return letters

    def get(self, key: str | int) -> DeadLetter | None:
        """`key`: a letter's `key` (`7`, `510000:7`) or the id of one in the shared database. A
        malformed key raises ValueError."""
        db, letter_id = self._locate(key)
        with db.transaction() as conn:
            row = conn.execute("SELECT * FROM xborder_dead_letters WHERE id = %s", (letter_id,)).fetchone()
        return _letter(row, shared=db is self._db) if row else None

    def parked_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for db, consumers in self._places():
            with db.transaction() as conn:
                rows = conn.execute(
                    "SELECT consumer, count(*) AS n FROM xborder_dead_letters WHERE status = 'parked'"
                    " AND (%s::text[] IS NULL OR consumer = ANY(%s::text[])) GROUP BY consumer",
                    (consumers, consumers),
                ).fetchall()
            for row in rows:
                counts[row["consumer"]] = counts.get(row["consumer"], 0) + int(row["n"])
        return dict(sorted(counts.items()))

    @staticmethod
    def resolve_case(
        conn: Connection, consumer: str, case_id: UUID, status: str, *, up_to_version: int | None = None
    ) -> int:
        """Mark the parked letters of a case for a consumer as retried (or discarded); with
        `up_to_version`, only those of the versions applied so far (and those naming no version)."""
        cursor = conn.execute(
            "UPDATE xborder_dead_letters SET status = %s, resolved_at = now()"
            " WHERE consumer = %s AND aggregate_id = %s AND status = 'parked'"
            " AND (%s::int IS NULL OR coalesce(version, 0) <= %s::int)",
            (status, consumer, case_id, up_to_version, up_to_version),
        )
        return cursor.rowcount

    def discard(self, key: str | int) -> bool:
        db, letter_id = self._locate(key)
        with db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE xborder_dead_letters SET status = 'discarded', resolved_at = now()"
                " WHERE id = %s AND status = 'parked'",
                (letter_id,),
            )
            return cursor.rowcount == 1


def _letter(row: DictRow, *, shared: bool) -> DeadLetter:
    """A row of the shared database, or of a province's own (its home is then the projection's province)."""
    consumer: str = row["consumer"]
    return DeadLetter(
        id=int(row["id"]),
        consumer=consumer,
        source=row["source"],
        position=int(row["position"]),
        aggregate_type=row["aggregate_type"],
        aggregate_id=row["aggregate_id"],
        version=row["version"],
        event_type=row["event_type"],
        error=row["error"],
        status=row["status"],
        parked_at=row["parked_at"],
        resolved_at=row["resolved_at"],
        home=None if shared else consumer.removeprefix(PROJECTION_PREFIX),
    )


ApplyOne = Callable[[Connection, FeedRecord], None]
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Parking:
    """How one consumer parks: its name in the dead-letter table, and the errors that are never
    poison for it (a projection gap must stop the consumer loudly, not be parked)."""

    letters: DeadLetters
    consumer: str
    fatal: tuple[type[BaseException], ...] = ()

    def is_poison(self, error: BaseException) -> bool:
        return not isinstance(error, self.fatal) and not is_passing_fault(error)

    def attempt(self, apply: Callable[[bool], R]) -> R:
        """`apply(careful=False)`: the whole batch at full speed; when something in it is poison, the
        batch rolled back and runs again with `careful=True`, record by record."""
        try:
            return apply(False)
        except Exception as error:
            if not self.is_poison(error):
                raise
            return apply(True)

    def apply_each(
        self, conn: Connection, records: Iterable[FeedRecord], apply_one: ApplyOne, *, careful: bool
    ) -> int:
        """Apply records in order inside `conn`'s transaction, parking the cases already parked.

        Careless (the fast path): any failure propagates and the caller's transaction rolls back;
        the caller then runs the batch again carefully. Careful: each record in its own savepoint, a
        poison record parked and its case's later records parked behind it. Returns how many were
        parked."""
        batch: Sequence[FeedRecord] = list(records)
        parked = self.parked_cases(conn, {record.envelope.aggregate_id for record in batch})
        count = 0
        for record in batch:
            case_id = record.envelope.aggregate_id
            if case_id in parked:
                self.letters.park(conn, self.consumer, record, WAITING_BEHIND)
                count += 1
                continue
            if not careful:
                apply_one(conn, record)
                continue
            try:
                with conn.transaction():
                    apply_one(conn, record)
            except Exception as error:
                if not self.is_poison(error):
                    raise
                self.letters.park(conn, self.consumer, record, describe_failure(error))
                parked.add(case_id)
                count += 1
        return count

    def parked_cases(self, conn: Connection, case_ids: Collection[UUID]) -> set[UUID]:
        return self.letters.parked_cases(conn, self.consumer, case_ids)

    def parked_cases_later(self, conn: Connection, case_ids: Collection[UUID]) -> Callable[[], set[UUID]]:
        return self.letters.parked_cases_later(conn, self.consumer, case_ids)


def apply_records(
    conn: Connection,
    records: Sequence[FeedRecord],
    apply_one: ApplyOne,
    *,
    parking: Parking | None,
    careful: bool = False,
) -> int:
    """Apply records in order; with `parking`, as `Parking.apply_each` does. Returns how many were
    parked (always 0 without parking: a failure then propagates)."""
    if parking is None:
        for record in records:
            apply_one(conn, record)
        return 0
    return parking.apply_each(conn, records, apply_one, careful=careful)
