"""The per-province read models in PostgreSQL: applying envelopes exactly once, and reading cases."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from xborder.infra.feeds import FeedRecord
from xborder.infra.postgres.database import Database
from xborder.privacy.sealing import lookups_in, lookups_in_json
from xborder.projections.casedoc import (
    Doc,
    ProjectionGapError,
    apply_common,
    ensure_envelope_storable,
    new_doc,
)
from xborder.projections.dead_letters import WAITING_BEHIND, Parking, apply_records
from xborder.projections.doc_json import doc_json
from xborder.projections.registry import CaseKind
from xborder.projections.schema import province_ddl, schema_name


@dataclass(frozen=True, slots=True)
class CasePage:
    items: list[Doc]
    next_page: int | None


@dataclass(frozen=True, slots=True)
class ApplyResult:
    applied: int
    duplicates: int
    foreign: int  # events of cases this province is not involved in
    parked: int = 0  # dead letters (see xborder.projections.dead_letters)
    announced: bool = False  # the batch's NOTIFY went out with its commit


# A NOTIFY's channel and payload.
Announcement = tuple[str, str]


class ProvinceReadModels:
    """Every province's read model, each in its own schema (`province_<code>`) of its own database.

    A province may keep its read model, positions and dead letters in a database of its own
    (`READMODEL_URL_<code>`): a province can then host its read model itself. Each method goes to the
    province's database; everything one batch writes lives in that one database, so "rows, positions and
    dead letters in one transaction" holds per province without a transaction across databases."""

    def __init__(
        self,
        db: Database,
        kinds: Mapping[str, CaseKind],
        *,
        schema_of: Callable[[str], str] = schema_name,
        databases: Mapping[str, Database] | None = None,
    ) -> None:
        """`db`: the shared database, for every province not in `databases` (province -> its own);
        `kinds`: the workflows' projectors by aggregate type (from the workflow registry);
        `schema_of` maps a province to its schema (a rebuild writes to another one)."""
        self._db = db
        self._databases = dict(databases or {})
        self._kinds = dict(kinds)
        self._schema_of = schema_of

    @property
    def kinds(self) -> Mapping[str, CaseKind]:
        return self._kinds

    def with_schemas(self, schema_of: Callable[[str], str]) -> ProvinceReadModels:
        """The same read models, in the same databases, written to other schemas (a rebuild's fresh ones)."""
        return ProvinceReadModels(self._db, self._kinds, schema_of=schema_of, databases=self._databases)

    def with_database(self, province: str, db: Database) -> ProvinceReadModels:
        """The same read models, the province's written through `db` (a rebuild's forked share opens
        its own connections: it may not use the pools it inherited)."""
        return ProvinceReadModels(
            self._db, self._kinds, schema_of=self._schema_of, databases={**self._databases, province: db}
        )

    @property
    def shared_database(self) -> Database:
        """The database of every province without one of its own — and of the event store."""
        return self._db

    @property
    def own_databases(self) -> Mapping[str, Database]:
        """The provinces whose read model lives in a database of its own, and that database."""
        return dict(self._databases)

    def database_of(self, province: str) -> Database:
        """Where the province's read model lives: its own database, or the shared one."""
        return self._databases.get(province, self._db)

    # ------------------------------------------------------------------ schema
    def ensure_schema(self, province: str) -> None:
        with self.database_of(province).transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('xborder.readmodel.ddl'))")
            for statement in province_ddl(self._schema_of(province)):
                conn.execute(statement)

    # ------------------------------------------------------------------ writing
    def load_positions(self, province: str) -> dict[str, int]:
        query = sql.SQL("SELECT source, next_position FROM {}.positions").format(
            sql.Identifier(self._schema_of(province))
        )
        with self.database_of(province).read() as conn:
            return {row["source"]: int(row["next_position"]) for row in conn.execute(query)}

    def apply(
        self,
        province: str,
        records: Sequence[FeedRecord],
        *,
        parking: Parking | None = None,
        careful: bool = False,
        announce: Announcement | None = None,
    ) -> ApplyResult:
        """Apply a batch in one transaction: rows, dead letters and input positions commit together or
        not at all. With `parking`, records of parked cases are parked too, and `careful` applies each
        record in a savepoint so that a poison record is parked instead of failing the batch.

        `announce` (channel, payload): a NOTIFY sent in the batch's transaction when it changed the
        read model and the province's read model is in the shared database (where the listeners
        listen) — delivered on commit, never for a batch rolled back; `ApplyResult.announced` says
        whether it was sent."""
        positions, mine = _positions_and_mine(province, records)
        foreign = len(records) - len(mine)
        if careful:
            result = self._apply_carefully(province, mine, positions, parking, announce)
        else:
            with self.database_of(province).transaction(pipelined=True) as conn:
                result = self._send_batch(conn, province, mine, positions, parking)()
                announced = self._announce(conn, province, announce) if result.applied else False
            result = replace(result, announced=announced)
        return replace(result, foreign=foreign)

    def apply_together(
        self,
        batches: Mapping[str, Sequence[FeedRecord]],
        parkings: Mapping[str, Parking],
        *,
        announce_channel: str | None = None,
    ) -> dict[str, ApplyResult]:
        """Several provinces' batches, all of provinces whose read model is in the shared database, in
        one transaction: what each batch writes and each province's positions commit together or not
        at all, exactly as one `apply` each would — in one round of the database instead of one per
        province (`xborder.consumers.province_group`). The fast path only: any failure rolls all of it
        back, and the caller applies each batch alone (`apply`, which goes carefully where needed).

        `announce_channel`: one NOTIFY for all the provinces changed, "<pid>|<code>,<code>,..."."""
        elsewhere = [code for code in batches if code in self._databases]
        if elsewhere:
            raise ValueError(f"read models in databases of their own cannot be applied together: {elsewhere}")
        results: dict[str, ApplyResult] = {}
        with self._db.transaction(pipelined=True) as conn:
            # Every batch's reads sent before the first is fetched: one round trip for all of them.
            sent: dict[str, tuple[int, Callable[[], ApplyResult]]] = {}
            for province, records in batches.items():
                positions, mine = _positions_and_mine(province, records)
                finish = self._send_batch(conn, province, mine, positions, parkings.get(province))
                sent[province] = (len(records) - len(mine), finish)
            for province, (foreign, finish) in sent.items():
                results[province] = replace(finish(), foreign=foreign)
            changed = [code for code, result in results.items() if result.applied]
            if changed and announce_channel is not None:
                payload = f"{os.getpid()}|{','.join(changed)}"
                conn.execute("SELECT pg_notify(%s, %s)", (announce_channel, payload))
                results |= {code: replace(results[code], announced=True) for code in changed}
        return results

    def _send_batch(
        self,
        conn: psycopg.Connection[DictRow],
        province: str,
        mine: Sequence[FeedRecord],
        positions: Mapping[str, int],
        parking: Parking | None,
    ) -> Callable[[], ApplyResult]:
        """The fast path, in `conn`'s (pipelined) transaction, in two round trips whatever the batch's
        size: the batch's cases read and locked in one query (with the parked ones) sent now; the
        function returned reads their answers, computes the documents and sends every write with what
        follows (the COMMIT). Any failure rolls the whole transaction back (the caller then goes
        carefully, record by record)."""
        case_ids = list(dict.fromkeys(record.envelope.aggregate_id for record in mine))
        if not case_ids:
            return partial(self._write_batch, conn, province, mine, positions, parking, None, set)
        locked = conn.execute(_statements(self._schema_of(province)).lock_cases, (case_ids,))
        parked_cases = parking.parked_cases_later(conn, case_ids) if parking is not None else set
        return partial(self._write_batch, conn, province, mine, positions, parking, locked, parked_cases)

    def _write_batch(
        self,
        conn: psycopg.Connection[DictRow],
        province: str,
        mine: Sequence[FeedRecord],
        positions: Mapping[str, int],
        parking: Parking | None,
        locked: psycopg.Cursor[DictRow] | None,
        parked_cases_of: Callable[[], set[UUID]],
    ) -> ApplyResult:
        statements = _statements(self._schema_of(province))
        applied = duplicates = parked = 0
        cases: dict[UUID, tuple[int, Doc | None]] = {}
        for row in locked.fetchall() if locked is not None else ():
            cases[row["id"]] = (int(row["version"]), row["doc"])
        parked_cases = parked_cases_of()
        changed: dict[UUID, Doc] = {}
        applied_to: dict[UUID, list[FeedRecord]] = {}
        for record in mine:
            case_id = record.envelope.aggregate_id
            if case_id in parked_cases:
                assert parking is not None
                parking.letters.park(conn, parking.consumer, record, WAITING_BEHIND)
                parked += 1
                continue
            version, doc = cases.get(case_id, (0, None))
            new = self._next_doc(record, version, doc, checked=False)
            if new is None:
                duplicates += 1
                continue
            cases[case_id] = (record.envelope.version, new)
            changed[case_id] = new
            applied_to.setdefault(case_id, []).append(record)
            applied += 1
        if changed:
            conn.cursor().executemany(
                statements.store_case,
                [
                    _case_row(case_id, doc, _storable_json(doc, applied_to[case_id]))
                    for case_id, doc in changed.items()
                ],
            )
        for source, position in positions.items():
            conn.execute(statements.store_position, (source, position))
        return ApplyResult(applied, duplicates, 0, parked)

    def _apply_carefully(
        self,
        province: str,
        mine: Sequence[FeedRecord],
        positions: Mapping[str, int],
        parking: Parking | None,
        announce: Announcement | None,
    ) -> ApplyResult:
        """Record by record, each in a savepoint when parking: the path for a batch that failed."""
        schema = self._schema_of(province)
        applied = duplicates = 0

        def apply_one(conn: psycopg.Connection[DictRow], record: FeedRecord) -> None:
            nonlocal applied, duplicates
            if self._apply_one(conn, schema, record):
                applied += 1
            else:
                duplicates += 1

        with self.database_of(province).transaction() as conn:
            parked = apply_records(conn, mine, apply_one, parking=parking, careful=True)
            for source, position in positions.items():
                conn.execute(_statements(schema).store_position, (source, position))
            announced = self._announce(conn, province, announce) if applied else False
        return ApplyResult(applied, duplicates, 0, parked, announced)

    def _announce(
        self, conn: psycopg.Connection[DictRow], province: str, announce: Announcement | None
    ) -> bool:
        if announce is None or province in self._databases:
            return False
        conn.execute("SELECT pg_notify(%s, %s)", announce)
        return True

    def _apply_one(self, conn: psycopg.Connection[DictRow], schema: str, record: FeedRecord) -> bool:
        statements = _statements(schema)
        row = conn.execute(statements.lock_case, (record.envelope.aggregate_id,)).fetchone()
        version, doc = (int(row["version"]), row["doc"]) if row else (0, None)
        new = self._next_doc(record, version, doc)
        if new is None:
            return False
        conn.execute(statements.store_case, _case_row(record.envelope.aggregate_id, new))
        return True

    def _next_doc(
        self, record: FeedRecord, current: int, doc: Doc | None, *, checked: bool = True
    ) -> Doc | None:
        """The case's document after this record, from the one at version `current` (None: a
        re-delivery, already applied). A version beyond the next is a gap: stop, never skip.

        `checked=False`: the caller checks the text of the documents it writes (`_storable_json`),
        once per document, instead of every envelope here."""
        envelope = record.envelope
        kind = self._kinds.get(envelope.aggregate_type)
        if kind is None:
            raise ProjectionGapError(f"no projector for aggregate type {envelope.aggregate_type}")
        if envelope.version <= current:
            return None
        if envelope.version != current + 1:
            raise ProjectionGapError(
                f"{envelope.aggregate_type} {envelope.aggregate_id}: got version {envelope.version} "
                f"but the read model is at {current} (from {record.source})"
            )
        doc = doc if doc is not None else new_doc(kind.kind, envelope)
        if checked:
            ensure_envelope_storable(envelope)
        apply_common(doc, envelope)
        kind.project(doc, envelope)
        return doc

    # ------------------------------------------------------------------ reading
    def get(self, province: str, case_id: UUID) -> Doc | None:
        query = sql.SQL("SELECT doc FROM {}.cases WHERE id = %s").format(
            sql.Identifier(self._schema_of(province))
        )
        with self.database_of(province).read() as conn:
            row = conn.execute(query, (case_id,)).fetchone()
        return dict(row["doc"]) if row else None

    def versions(self, province: str, case_ids: Sequence[UUID]) -> dict[UUID, int]:
        """The applied version of each of these cases the province holds, in one query: what reads
        waiting for a version need to know, without fetching the documents."""
        query = sql.SQL("SELECT id, version FROM {}.cases WHERE id = ANY(%s)").format(
            sql.Identifier(self._schema_of(province))
        )
        with self.database_of(province).read() as conn:
            return {row["id"]: int(row["version"]) for row in conn.execute(query, (list(case_ids),))}

    def reached(self, province: str, wanted: Mapping[UUID, int]) -> dict[UUID, Doc]:
        """The documents of the cases the province holds at the version wanted of each or later, in
        one query: what reads waiting for versions are handed (`xborder.api.version_watch`)."""
        if not wanted:
            return {}
        query = sql.SQL(
            "SELECT c.id, c.doc FROM {}.cases c"
            " JOIN unnest(%s::uuid[], %s::integer[]) AS w(id, version) ON c.id = w.id"
            " WHERE c.version >= w.version"
        ).format(sql.Identifier(self._schema_of(province)))
        ids = list(wanted)
        with self.database_of(province).read() as conn:
            rows = conn.execute(query, (ids, [wanted[case_id] for case_id in ids]))
            return {row["id"]: dict(row["doc"]) for row in rows}

    def list_cases(
        self,
        province: str,
        *,
        kind: str,
        status: str | None,
        page: int,
        page_size: int,
        party: str | None = None,
        insurer: str | None = None,
    ) -> CasePage:
        """Newest first. `party`: only cases where that account is a party (owners see their own);
        `insurer`: only rescues that insurer was notified of."""
        conditions = [sql.SQL("kind = %s")]
        params: list[Any] = [kind]
        if status:
            conditions.append(sql.SQL("status = %s"))
            params.append(status)
        if party is not None:
            conditions.append(sql.SQL("doc -> 'parties' @> %s"))
            params.append(Jsonb([party]))
        if insurer is not None:
            conditions.append(sql.SQL("doc -> 'insurers' ? %s"))
            params.append(insurer)
        query = sql.SQL(
            "SELECT doc FROM {}.cases WHERE {} ORDER BY created_at DESC, id LIMIT %s OFFSET %s"
        ).format(sql.Identifier(self._schema_of(province)), sql.SQL(" AND ").join(conditions))
        params += [page_size + 1, (page - 1) * page_size]
        with self.database_of(province).read() as conn:
            rows = conn.execute(query, params).fetchall()
        items = [dict(r["doc"]) for r in rows[:page_size]]
        return CasePage(items=items, next_page=page + 1 if len(rows) > page_size else None)

    def on_plate(self, province: str, plate: str, *, limit: int = 200) -> list[Doc]:
        """The province's cases that name this plate (the transfer's vehicle, the objected record's,
        the hit-and-run suspect's, a rescue's first vehicle), newest first."""
        query = sql.SQL("SELECT doc FROM {}.cases WHERE plate = %s ORDER BY created_at DESC LIMIT %s").format(
            sql.Identifier(self._schema_of(province))
        )
        with self.database_of(province).read() as conn:
            rows = conn.execute(query, (plate, limit)).fetchall()
        return [dict(r["doc"]) for r in rows]

    def naming(self, province: str, lookup: str, *, limit: int = 200) -> list[Doc]:
        """The province's cases naming a person, by the keyed hash of their ID number or phone
        (`xborder.privacy.subjects`), newest first."""
        query = sql.SQL(
            "SELECT doc FROM {}.cases WHERE lookups @> ARRAY[%s] ORDER BY created_at DESC LIMIT %s"
        ).format(sql.Identifier(self._schema_of(province)))
        with self.database_of(province).read() as conn:
            rows = conn.execute(query, (lookup, limit)).fetchall()
        return [dict(r["doc"]) for r in rows]

    def awaiting(self, province: str, role: str, *, limit: int = 200) -> list[Doc]:
        query = sql.SQL(
            "SELECT doc FROM {}.cases WHERE doc -> 'awaiting' @> %s ORDER BY created_at DESC LIMIT %s"
        ).format(sql.Identifier(self._schema_of(province)))
        with self.database_of(province).read() as conn:
            rows = conn.execute(query, (Jsonb([{"province": province, "role": role}]), limit)).fetchall()
        return [dict(r["doc"]) for r in rows]

    def stats(self, province: str) -> dict[str, Any]:
        """Per workflow: counts by status, cases with an overdue deadline (in all, and by status), the
        seconds from a case's opening to each kind of step (`seconds_to`: how many steps were timed, their
        median and 90th percentile; `median_seconds_to` repeats the medians for the clients that read them
        before), and whatever figures the workflow adds (`CaseKind.stats`: the rescues' median response
        times). The median says how a step usually goes, the 90th percentile how long the slowest tenth
        waits, which a median hides."""
        schema = sql.Identifier(self._schema_of(province))
        result: dict[str, Any] = {}
        with self.database_of(province).transaction() as conn:
            # One snapshot for every query: under READ COMMITTED a case projected between two of them
            # could be counted by one and missed by another (its workflow absent from the first).
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for r in conn.execute(
                sql.SQL("SELECT kind, status, count(*) AS n FROM {}.cases GROUP BY 1, 2").format(schema)
            ):
                entry = result.setdefault(r["kind"], _empty_stats())
                entry["counts"][r["status"]] = int(r["n"])
                entry["total"] += int(r["n"])
            overdue = sql.SQL(
                "SELECT kind, status, count(*) AS n FROM {}.cases c WHERE EXISTS"
                " (SELECT 1 FROM jsonb_each(c.doc -> 'deadlines') d WHERE (d.value ->> 'overdue')::boolean)"
                " GROUP BY 1, 2"
            ).format(schema)
            for r in conn.execute(overdue):
                result[r["kind"]]["overdue"] += int(r["n"])
                result[r["kind"]]["overdue_counts"][r["status"]] = int(r["n"])
            steps = sql.SQL(
                "SELECT kind, step, count(*) AS n,"
                " percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median,"
                " percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90"
                " FROM (SELECT c.kind, h ->> 'type' AS step,"
                " extract(epoch FROM (h ->> 'at')::timestamptz - c.created_at) AS seconds"
                " FROM {}.cases c, jsonb_array_elements(c.doc -> 'history') h"
                " WHERE (h ->> 'version')::int > 1) s GROUP BY 1, 2"
            ).format(schema)
            for r in conn.execute(steps):
                entry = result[r["kind"]]
                median, p90 = round(float(r["median"]), 1), round(float(r["p90"]), 1)
                entry["median_seconds_to"][r["step"]] = median
                entry["seconds_to"][r["step"]] = {"n": int(r["n"]), "median": median, "p90": p90}
            for kind in self._kinds.values():
                if kind.stats is not None and kind.kind in result:
                    result[kind.kind].update(kind.stats(conn, schema))
        return result


# Every character that `json.dumps(..., ensure_ascii=False)` or `doc_json` may leave of one
# `FORBIDDEN_CHARACTERS` refuses: the character itself (every astral one, of which only the
# noncharacters are refused), or a backslash, whose escape (`suspect_json`) may be a C0 control other
# than tab and newline. One class: the regular expression engine scans a single class several times
# faster than alternatives.
_SUSPECT_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef"
    "\ufffe\uffff\U00010000-\U0010ffff\\\\]"
)
_SUSPECT_ESCAPES = frozenset("bfr")


def suspect_json(text: str) -> bool:
    """Whether JSON text may hold a character a stored document may not (False: it certainly does not).

    A true answer may be a false alarm — an emoji, a backslash written as text before an `r` — that
    the precise check settles."""
    position = 0
    while (found := _SUSPECT_CHARACTERS.search(text, position)) is not None:
        at = found.end()
        if found.group() != "\\":
            return True
        escaped = text[at : at + 1]
        if escaped in _SUSPECT_ESCAPES or (escaped == "u" and text[at + 1 : at + 4] in ("000", "001")):
            return True
        position = at + 1  # past the escaped character: `\\` is one backslash written as text
    return False


def _storable_json(doc: Doc, records: Sequence[FeedRecord]) -> str:
    """The document's JSON, as it will be stored — once the envelopes that made it in this batch are
    known to hold no text storage cannot keep.

    One scan of the text it is stored as costs a fraction of walking every envelope: nearly no
    document holds such text, and the precise check (`ensure_envelope_storable`, which names the
    field) runs only on the envelopes of one that may."""
    text = doc_json(doc)
    if suspect_json(text):
        for record in records:
            ensure_envelope_storable(record.envelope)
    return text


def _positions_and_mine(
    province: str, records: Sequence[FeedRecord]
) -> tuple[dict[str, int], list[FeedRecord]]:
    """The input positions a batch reaches (by source), and its records addressed to the province."""
    positions: dict[str, int] = {}
    mine: list[FeedRecord] = []
    for record in records:
        if record.source:
            positions[record.source] = max(record.next_position, positions.get(record.source, 0))
        if province in record.envelope.provinces:
            mine.append(record)
    return positions, mine


def _case_row(case_id: UUID, doc: Doc, text: str | None = None) -> tuple[Any, ...]:
    """`text`: the document's JSON when the caller has it already (its lookups are then read from it)."""
    return (
        case_id,
        doc["kind"],
        doc["status"],
        doc["version"],
        doc.get("plate"),
        doc["created_at"],
        doc["updated_at"],
        Jsonb(doc) if text is None else Jsonb(doc, dumps=lambda _: text),
        lookups_in(doc) if text is None else lookups_in_json(text),
    )


@dataclass(frozen=True, slots=True)
class _ApplyStatements:
    lock_case: str
    lock_cases: str
    store_case: str
    store_position: str


@lru_cache(maxsize=256)
def _statements(schema_name: str) -> _ApplyStatements:
    """The statements a batch runs for every record, composed and rendered once per schema: composing
    identifiers on every execute was a measurable part of applying an event."""
    schema = sql.Identifier(schema_name)
    return _ApplyStatements(
        lock_case=sql.SQL("SELECT version, doc FROM {}.cases WHERE id = %s FOR UPDATE")
        .format(schema)
        .as_string(None),
        lock_cases=sql.SQL("SELECT id, version, doc FROM {}.cases WHERE id = ANY(%s) ORDER BY id FOR UPDATE")
        .format(schema)
        .as_string(None),
        store_case=sql.SQL(
            "INSERT INTO {}.cases (id, kind, status, version, plate, created_at, updated_at, doc, lookups) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, "
            "plate = EXCLUDED.plate, updated_at = EXCLUDED.updated_at, doc = EXCLUDED.doc, "
            "lookups = EXCLUDED.lookups"
        )
        .format(schema)
        .as_string(None),
        store_position=sql.SQL(
            "INSERT INTO {}.positions (source, next_position) VALUES (%s, %s) "
            "ON CONFLICT (source) DO UPDATE SET next_position = "
            "GREATEST({}.positions.next_position, EXCLUDED.next_position)"
        )
        .format(schema, schema)
        .as_string(None),
    )


def _empty_stats() -> dict[str, Any]:
    return {
        "total": 0,
        "counts": {},
        "overdue": 0,
        "overdue_counts": {},
        "median_seconds_to": {},
        "seconds_to": {},
    }
