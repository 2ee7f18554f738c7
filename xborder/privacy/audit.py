"""The audit log of sensitive reads: who saw which personal field unmasked, of which case, when and why.

Every answer that shows a sensitive field unmasked (an ID number, a name, a phone, a casualty's medical
notes...) is recorded here as an `AuditEntry`, as are erasures and exports (`action`). The log is
append-only and tamper-evident:

- **Append-only for the service.** A trigger refuses UPDATE, DELETE and TRUNCATE on the table, whoever
  asks — the service's own connection included. An operator with superuser rights (or the table's
  owner) can still disable the trigger (`ALTER TABLE ... DISABLE TRIGGER`, `session_replication_role =
  replica`) or drop the table; that is why the rows are also hash-chained, and why the migration
  re-creates the trigger (enabled) at every start. The table's owner may disable triggers too: a
  deployment that wants the trigger to bind the service itself has the table owned by another role and
  grants the service's role only INSERT and SELECT on it (and USAGE on its sequence).
- **Hash-chained, one chain per province.** The chain of an entry is the caller's province code
  (`national` for a caller without one). Each row stores `entry`, the canonical JSON of the entry
  (`canonical_json`: sorted keys, no spaces, timestamps in UTC with microseconds), its chain's previous
  row's hash as `prev_hash` (32 zero bytes for a chain's first row) and `hash = sha256(prev_hash ||
  utf8(entry))` (`chain_hash`). The hash is computed by PostgreSQL's `sha256(bytea)` inside the INSERT,
  from the chain's latest row, under a transaction-scoped advisory lock on the chain: an append costs no
  read of the previous hash, and concurrent writers of one chain queue for it, so the chain's order is its
  rows' `seq` order. Locks and rows are written by one function (`xborder_audit_append`), called as one
  statement in a transaction of its own: every sensitive read appends, and as four statements (BEGIN, the
  lock, the row, COMMIT) an append cost the API twice the CPU. `AuditLog.verify` recomputes every chain:
  an edited entry no longer matches its hash, a deleted (or re-hashed) row breaks the next row's
  `prev_hash`. Removing a chain's newest rows leaves a shorter chain that still verifies: `xborder audit
  verify` prints each chain's head (its last `seq` and hash) so that an operator can keep them elsewhere
  and compare.
- **Retention.** Rows are kept at least six months (网络安全法 Art. 21: network logs kept no less than six
  months; `AUDIT_RETENTION_DAYS`, at least 183). Nothing deletes them yet. Archiving older rows would
  move whole chain segments (a chain's rows up to a `seq`) after the retention period, verified first,
  keeping the last archived row's hash as the anchor that the remaining rows' chain starts from.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from psycopg import sql

from xborder.infra.clock import Clock, SystemClock
from xborder.infra.postgres.database import Database

__all__ = [
    "AUDIT_DDL",
    "AUDIT_TABLE",
    "GENESIS_HASH",
    "HASH_MISMATCH",
    "NATIONAL_CHAIN",
    "PREV_MISMATCH",
    "AuditEntry",
    "AuditLog",
    "AuditVerification",
    "BrokenRow",
    "ChainVerification",
    "canonical_json",
    "chain_hash",
    "chain_of",
    "verify_rows",
]

AUDIT_TABLE: Final = "xborder_audit_log"
NATIONAL_CHAIN: Final = "national"
GENESIS_HASH: Final = bytes(32)
HASH_MISMATCH: Final = "hash does not match its entry"
PREV_MISMATCH: Final = "prev_hash does not match the previous row's hash"
# How many rows `verify` fetches from its server-side cursor at a time.
VERIFY_BATCH: Final = 2000

_PROVINCE: Final = re.compile(r"^\d{6}$")

AUDIT_DDL: Final = (
    f"CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} ("
    " seq bigserial PRIMARY KEY, chain text NOT NULL, entry text NOT NULL,"
    " prev_hash bytea NOT NULL CHECK (octet_length(prev_hash) = 32),"
    " hash bytea NOT NULL CHECK (octet_length(hash) = 32))",
    # A chain in order (appending finds its head here; verify and the auditors' reads walk it).
    f"CREATE INDEX IF NOT EXISTS xborder_audit_log_chain ON {AUDIT_TABLE} (chain, seq)",
    # The auditors' filters on a case and on an account, newest first.
    f"CREATE INDEX IF NOT EXISTS xborder_audit_log_case ON {AUDIT_TABLE}"
    " (chain, ((entry::jsonb) ->> 'case_id'), seq)",
    f"CREATE INDEX IF NOT EXISTS xborder_audit_log_sub ON {AUDIT_TABLE}"
    " (chain, ((entry::jsonb) ->> 'sub'), seq)",
    "CREATE OR REPLACE FUNCTION xborder_audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION 'xborder_audit_log is append-only: % refused', TG_OP"
    " USING ERRCODE = 'insufficient_privilege'; END $$",
    # Dropped and created again at every start: a trigger an operator disabled is enabled again.
    f"DROP TRIGGER IF EXISTS xborder_audit_log_append_only ON {AUDIT_TABLE}",
    f"CREATE TRIGGER xborder_audit_log_append_only BEFORE UPDATE OR DELETE ON {AUDIT_TABLE}"
    " FOR EACH ROW EXECUTE FUNCTION xborder_audit_log_refuse()",
    f"DROP TRIGGER IF EXISTS xborder_audit_log_no_truncate ON {AUDIT_TABLE}",
    f"CREATE TRIGGER xborder_audit_log_no_truncate BEFORE TRUNCATE ON {AUDIT_TABLE}"
    " FOR EACH STATEMENT EXECUTE FUNCTION xborder_audit_log_refuse()",
    # Appends entries[i] to chains[i], in order. One chain's writers queue on its lock until their
    # transaction ends (a two-key advisory lock: the first key keeps the audit log's locks apart from
    # any other use of advisory locks), taken for every chain first and in one order (byte order), so
    # that two writers of the same chains cannot deadlock. A chain's latest row — committed, or written
    # just before in this call — is the previous one; a chain without one starts from `genesis`.
    "CREATE OR REPLACE FUNCTION xborder_audit_append(chains text[], entries text[], genesis bytea)"
    " RETURNS void LANGUAGE plpgsql AS $$"
    " DECLARE locked text; i integer;"
    " BEGIN"
    "  IF coalesce(array_length(chains, 1), 0) <> coalesce(array_length(entries, 1), 0) THEN"
    "   RAISE EXCEPTION 'xborder_audit_append: % chains for % entries',"
    "    array_length(chains, 1), array_length(entries, 1);"
    "  END IF;"
    '  FOR locked IN SELECT DISTINCT c COLLATE "C" FROM unnest(chains) AS c ORDER BY 1 LOOP'
    "   PERFORM pg_advisory_xact_lock(hashtext('xborder.audit'), hashtext(locked));"
    "  END LOOP;"
    "  FOR i IN 1 .. coalesce(array_length(entries, 1), 0) LOOP"
    "   INSERT INTO xborder_audit_log (chain, entry, prev_hash, hash)"
    "   SELECT chains[i], entries[i], head.hash, sha256(head.hash || convert_to(entries[i], 'UTF8'))"
    "   FROM (SELECT coalesce((SELECT l.hash FROM xborder_audit_log l WHERE l.chain = chains[i]"
    "    ORDER BY l.seq DESC LIMIT 1), genesis) AS hash) AS head;"
    "  END LOOP;"
    " END $$",
)

_APPEND: Final = "SELECT xborder_audit_append(%s::text[], %s::text[], %s::bytea)"


@dataclass(frozen=True)
class AuditEntry:
    """One answer that showed personal fields unmasked (or an erasure, an export: `action`).

    `province`: the caller's province (6-digit code), which names the chain; `fields`: the paths shown,
    such as `owner.id_number`; `path`: the request path (why it was read); `at`: None means now, as the
    log's clock says when it records it."""

    sub: str
    role: str
    org: str | None
    province: str | None
    case_id: UUID | None
    fields: tuple[str, ...]
    path: str
    action: str = "read"
    at: datetime | None = None

    def __post_init__(self) -> None:
        if self.province is not None and not _PROVINCE.match(self.province):
            raise ValueError("an audit entry's province is a 6-digit code or None")
        if not self.action:
            raise ValueError("an audit entry names its action")
        if not isinstance(self.fields, tuple):
            object.__setattr__(self, "fields", tuple(self.fields))
        if self.at is not None and self.at.utcoffset() is None:
            raise ValueError("an audit entry's time must be timezone-aware")


def chain_of(province: str | None) -> str:
    """The chain an entry of a caller of `province` goes to."""
    return province if province is not None else NATIONAL_CHAIN


def canonical_json(entry: AuditEntry) -> str:
    """The text stored and hashed for `entry` (whose `at` must be set): JSON with sorted keys and no
    spaces, non-ASCII characters as themselves, `at` in UTC with microseconds (fixed width, so that
    comparing the text compares the instants). PostgreSQL cannot keep U+0000 nor UTF-8 encode an
    unpaired surrogate: those become U+FFFD (the API refuses both at its edge anyway)."""
    if entry.at is None:
        raise ValueError("an entry is stamped with its time before it is written")
    document = {
        "sub": _storable(entry.sub),
        "role": _storable(entry.role),
        "org": None if entry.org is None else _storable(entry.org),
        "province": entry.province,
        "case_id": None if entry.case_id is None else str(entry.case_id),
        "fields": [_storable(name) for name in entry.fields],
        "path": _storable(entry.path),
        "action": _storable(entry.action),
        "at": _instant(entry.at),
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: bytes, entry_text: str) -> bytes:
    """A row's hash: sha256 of the previous row's hash followed by the entry's UTF-8 bytes."""
    return hashlib.sha256(prev_hash + entry_text.encode("utf-8")).digest()


def _instant(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError("audit times are timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _bound(moment: datetime) -> str:
    """A filter's instant as text compared with the entries' `at`; an instant whose UTC year is out of
    Python's range (0001-01-01T00:00+01:00) sorts before, or after, every entry's."""
    try:
        return _instant(moment)
    except OverflowError:
        return "0000" if moment.year < 5000 else "~"


def _storable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


@dataclass(frozen=True)
class BrokenRow:
    """The first row of a chain that does not verify, and why (`HASH_MISMATCH`, `PREV_MISMATCH`).
    `previous_seq`: the row it follows in the chain as stored (None for the chain's first row)."""

    chain: str
    seq: int
    why: str
    previous_seq: int | None = None


@dataclass(frozen=True)
class ChainVerification:
    """One chain: how many rows were checked, its head (last `seq` and hash), its first broken row."""

    chain: str
    rows: int
    head_seq: int | None
    head_hash: bytes | None
    broken: BrokenRow | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


@dataclass(frozen=True)
class AuditVerification:
    chains: tuple[ChainVerification, ...] = field(default_factory=tuple)

    @property
    def intact(self) -> bool:
        return all(chain.intact for chain in self.chains)

    @property
    def broken(self) -> list[BrokenRow]:
        return [chain.broken for chain in self.chains if chain.broken is not None]


class AuditLog:
    """The audit log on `db` (its table is created by the start-up migrations: `AUDIT_DDL`)."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()

    def record(self, entries: Sequence[AuditEntry]) -> None:
        """Append `entries` in one statement, which is its own transaction (`xborder_audit_append`:
        the chains' locks, then a row per entry, committed before this returns). Entries without a
        time are stamped with the log's clock."""
        if not entries:
            return
        now = self._clock.now()
        chains = [chain_of(entry.province) for entry in entries]
        texts = [
            canonical_json(entry if entry.at is not None else replace(entry, at=now)) for entry in entries
        ]
        with self._db.read() as conn:  # an autocommit connection: the statement commits on its own
            conn.execute(_APPEND, (chains, texts, GENESIS_HASH))

    def verify(self, chain: str | None = None) -> AuditVerification:
        """Recompute every chain (or one), streaming its rows in `seq` order from one snapshot (a
        server-side cursor), and report each chain's rows, head and first broken row (counting goes on
        past it; later rows are not judged)."""
        reports: list[ChainVerification] = []
        with self._db.transaction() as conn:
            found = conn.execute("SELECT to_regclass(%s) AS t", (AUDIT_TABLE,)).fetchone()
            if found is None or found["t"] is None:  # never migrated: nothing recorded yet
                return AuditVerification()
            query = sql.SQL(
                "SELECT chain, seq, entry, prev_hash, hash FROM {table}{where} ORDER BY chain, seq"
            ).format(
                table=sql.Identifier(AUDIT_TABLE),
                where=sql.SQL(" WHERE chain = %s") if chain is not None else sql.SQL(""),
            )
            with conn.cursor(name="xborder_audit_verify") as cursor:
                cursor.itersize = VERIFY_BATCH
                cursor.execute(query, (chain,) if chain is not None else None)
                reports = list(verify_rows(cursor))
        return AuditVerification(tuple(reports))

    def read(
        self,
        province: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        case_id: UUID | None = None,
        sub: str | None = None,
        after_seq: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """`province`'s chain, newest first: at most `limit` rows with `seq` below `after_seq` (the
        last `seq` of the previous page), at or after `since` and before `until`, of `case_id`, by
        `sub`. Each row as the API shows it: seq, at, sub, role, org, province, case_id, fields, path,
        action."""
        if not _PROVINCE.match(province):
            raise ValueError("a province's audit chain is named by its 6-digit code")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        json_entry = sql.SQL("(entry::jsonb)")
        conditions = [sql.SQL("chain = {}").format(sql.Literal(province))]
        if after_seq is not None:
            conditions.append(sql.SQL("seq < {}").format(sql.Literal(after_seq)))
        if case_id is not None:
            conditions.append(sql.SQL("{} ->> 'case_id' = {}").format(json_entry, sql.Literal(str(case_id))))
        if sub is not None:
            conditions.append(sql.SQL("{} ->> 'sub' = {}").format(json_entry, sql.Literal(_storable(sub))))
        if since is not None:
            conditions.append(sql.SQL("{} ->> 'at' >= {}").format(json_entry, sql.Literal(_bound(since))))
        if until is not None:
            conditions.append(sql.SQL("{} ->> 'at' < {}").format(json_entry, sql.Literal(_bound(until))))
        query = sql.SQL(
            "SELECT seq, entry FROM {table} WHERE {conditions} ORDER BY seq DESC LIMIT {limit}"
        ).format(
            table=sql.Identifier(AUDIT_TABLE),
            conditions=sql.SQL(" AND ").join(conditions),
            limit=sql.Literal(limit),
        )
        with self._db.read() as conn:
            rows = conn.execute(query).fetchall()
        return [_shown(int(row["seq"]), row["entry"]) for row in rows]


def _shown(seq: int, text: str) -> dict[str, Any]:
    entry = json.loads(text)
    return {
        "seq": seq,
        "at": entry.get("at"),
        "sub": entry.get("sub"),
        "role": entry.get("role"),
        "org": entry.get("org"),
        "province": entry.get("province"),
        "case_id": entry.get("case_id"),
        "fields": entry.get("fields", []),
        "path": entry.get("path"),
        "action": entry.get("action"),
    }


def verify_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[ChainVerification]:
    """Rows (chain, seq, entry, prev_hash, hash) in (chain, seq) order -> one report per chain: its rows,
    its head, and its first row whose hash does not match its entry or whose prev_hash does not match
    the hash of the row before it (the first row's: 32 zero bytes)."""
    chain: str | None = None
    count = 0
    previous_seq: int | None = None
    previous_hash = GENESIS_HASH
    broken: BrokenRow | None = None
    for row in rows:
        if row["chain"] != chain:
            if chain is not None:
                yield ChainVerification(chain, count, previous_seq, previous_hash, broken)
            chain, count, previous_seq, previous_hash, broken = row["chain"], 0, None, GENESIS_HASH, None
        assert chain is not None
        seq, prev_hash, stored_hash = int(row["seq"]), bytes(row["prev_hash"]), bytes(row["hash"])
        count += 1
        if broken is None:
            if chain_hash(prev_hash, row["entry"]) != stored_hash:
                broken = BrokenRow(chain, seq, HASH_MISMATCH, previous_seq)
            elif prev_hash != previous_hash:
                broken = BrokenRow(chain, seq, PREV_MISMATCH, previous_seq)
        previous_seq, previous_hash = seq, stored_hash
    if chain is not None:
        yield ChainVerification(chain, count, previous_seq, previous_hash, broken)
