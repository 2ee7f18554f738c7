"""Data subjects' keys, kept apart from the events they open and wrapped by a master key.

One key per data subject (a generation of it: a subject named again after an erasure gets a new one).
Destroying a subject's key erases the subject's sealed values everywhere at once — in the event store,
on Kafka, in every province's read model and in any copy of them — while the events stay intact
(crypto-shredding). Keys are wrapped (RFC 3394 AES key wrap) by the master key named in each row, so a
copy of this table alone opens nothing, and rotating the master key rewraps rows without touching an
event. The table lives in the keys database (`PRIVACY_DATABASE_URL`), the shared one when unset."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from xborder.infra.postgres.database import Database

KEYS_TABLE: Final = "xborder_subject_keys"
SUBJECT_CASES_TABLE: Final = "xborder_subject_cases"
ERASURES_TABLE: Final = "xborder_erasures"

KEYS_DDL: Final = (
    f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} ("
    " subject text NOT NULL, generation integer NOT NULL, cipher text NOT NULL,"
    " master_key_id text, wrapped bytea,"  # both NULL once destroyed
    " created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz,"
    " PRIMARY KEY (subject, generation))",
    f"CREATE UNIQUE INDEX IF NOT EXISTS xborder_subject_keys_live ON {KEYS_TABLE} (subject)"
    " WHERE erased_at IS NULL",
    # Which cases name a subject: what an erasure checks for legal holds (no personal data: hashes, ids).
    f"CREATE TABLE IF NOT EXISTS {SUBJECT_CASES_TABLE} ("
    " subject text NOT NULL, aggregate_type text NOT NULL, case_id uuid NOT NULL,"
    " PRIMARY KEY (subject, case_id))",
    # Every erasure request and its outcome (the subject by its hash only).
    f"CREATE TABLE IF NOT EXISTS {ERASURES_TABLE} ("
    " id bigserial PRIMARY KEY, subject text NOT NULL, requested_at timestamptz NOT NULL DEFAULT now(),"
    " actor jsonb NOT NULL, ground text NOT NULL,"
    " outcome text NOT NULL CHECK (outcome IN ('erased', 'refused')),"
    " reasons jsonb NOT NULL, keys_destroyed integer NOT NULL DEFAULT 0)",
)


# How often `for_sealing` asks again for subjects whose key a racing creator committed meanwhile.
_SEALING_ATTEMPTS: Final = 3

_SEAL_KEYS: Final = (
    "WITH fresh AS ("  # noqa: S608 — table names are constants
    f" INSERT INTO {KEYS_TABLE} (subject, generation, cipher, master_key_id, wrapped)"
    " SELECT s.subject, coalesce((SELECT max(k.generation) FROM"
    f" {KEYS_TABLE} k WHERE k.subject = s.subject), 0) + 1, %s, s.master_key_id, s.wrapped"
    " FROM unnest(%s::text[], %s::text[], %s::bytea[]) AS s(subject, master_key_id, wrapped)"
    " ON CONFLICT DO NOTHING RETURNING subject, generation, cipher, master_key_id, wrapped),"
    f" named AS (INSERT INTO {SUBJECT_CASES_TABLE} (subject, aggregate_type, case_id)"
    " SELECT s, %s, %s FROM unnest(%s::text[]) AS s ON CONFLICT DO NOTHING)"
    " SELECT subject, generation, cipher, master_key_id, wrapped FROM fresh"
    " UNION ALL SELECT k.subject, k.generation, k.cipher, k.master_key_id, k.wrapped"
    f" FROM {KEYS_TABLE} k WHERE k.subject = ANY(%s) AND k.erased_at IS NULL"
    " AND k.subject NOT IN (SELECT subject FROM fresh)"
)


# How many unwrapped subject keys `MasterKeys` remembers (32 bytes each, with their wrapped form).
UNWRAPPED_KEPT: Final = 4096


@dataclass(frozen=True, slots=True)
class SubjectKey:
    subject: str
    generation: int
    cipher: str
    key: bytes


class MasterKeys:
    """The master keys by id (`PRIVACY_MASTER_KEYS`), and the one new keys are wrapped with.

    Unwrapped keys are remembered by what was unwrapped (the master key's id and the wrapped bytes),
    the most recent `UNWRAPPED_KEPT`: AES key unwrap is about 50 µs in Python, and every read of a
    case unwraps the keys of its subjects. This changes nothing an erasure does: a key is still
    looked up in the database on every use, and an erased key's row no longer holds its wrapped bytes,
    so it is never asked for. Nor what a process exposes: it holds the master keys, which unwrap
    every key."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError(f"the current master key {current!r} is not among the master keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"master key {key_id!r} must be 32 bytes (AES-256)")
        self._keys = dict(keys)
        self.current = current
        self._unwrapped: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def wrap(self, key: bytes) -> tuple[str, bytes]:
        return self.current, aes_key_wrap(self._keys[self.current], key)

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        try:
            master = self._keys[key_id]
        except KeyError:
            raise LookupError(f"master key {key_id!r} is not configured (PRIVACY_MASTER_KEYS)") from None
        seen = (key_id, wrapped)
        with self._lock:
            key = self._unwrapped.get(seen)
            if key is not None:
                self._unwrapped.move_to_end(seen)
                return key
        key = aes_key_unwrap(master, wrapped)
        with self._lock:
            self._unwrapped[seen] = key
            if len(self._unwrapped) > UNWRAPPED_KEPT:
                self._unwrapped.popitem(last=False)
        return key


class KeyStore(Protocol):
    def for_sealing(
        self, subjects: Collection[str], *, cipher: str, key_bytes: int, aggregate_type: str, case_id: UUID
    ) -> dict[str, SubjectKey]:
        """Each subject's live key, created when it has none, and the case recorded as naming it."""
        ...

    def for_opening(self, refs: Collection[tuple[str, int]]) -> dict[tuple[str, int], SubjectKey]:
        """The keys of these (subject, generation) that still exist: a missing one was destroyed."""
        ...


class PostgresKeyStore:
    def __init__(self, db: Database, master: MasterKeys) -> None:
        self.db = db
        self.master = master

    def migrate(self) -> None:
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('xborder.privacy.ddl'))")
            for statement in KEYS_DDL:
                conn.execute(statement)

    def for_sealing(
        self, subjects: Collection[str], *, cipher: str, key_bytes: int, aggregate_type: str, case_id: UUID
    ) -> dict[str, SubjectKey]:
        """One statement, so one round trip and no transaction of its own around it: the missing keys
        created (a racing creator's wins: the unique index on live keys), the case recorded, the live
        keys read. A key this call created is used as generated, not unwrapped again.

        The statement reads the keys it did not create in its own snapshot, which cannot see a key a
        racing creator committed while the statement waited on it: such a subject is missing from the
        answer, and asked again (the next statement's snapshot sees it)."""
        ordered = sorted(set(subjects))
        keys: dict[str, SubjectKey] = {}
        for _ in range(_SEALING_ATTEMPTS):
            missing = [subject for subject in ordered if subject not in keys]
            if not missing:
                return keys
            raw = [os.urandom(key_bytes) for _ in missing]
            candidates = [self.master.wrap(key) for key in raw]
            generated = {wrapped: key for (_, wrapped), key in zip(candidates, raw, strict=True)}
            with self.db.read() as conn:
                rows = conn.execute(
                    _SEAL_KEYS,
                    (
                        cipher,
                        missing,
                        [c[0] for c in candidates],
                        [c[1] for c in candidates],
                        aggregate_type,
                        case_id,
                        missing,
                        missing,
                    ),
                ).fetchall()
            for row in rows:
                own = generated.get(bytes(row["wrapped"]))
                keys[row["subject"]] = (
                    SubjectKey(row["subject"], int(row["generation"]), row["cipher"], own)
                    if own is not None
                    else self._key(row)
                )
        return keys

    def for_opening(self, refs: Collection[tuple[str, int]]) -> dict[tuple[str, int], SubjectKey]:
        if not refs:
            return {}
        subjects = [subject for subject, _ in refs]
        generations = [generation for _, generation in refs]
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT k.subject, k.generation, k.cipher, k.master_key_id, k.wrapped FROM {KEYS_TABLE} k"  # noqa: S608
                " JOIN unnest(%s::text[], %s::int[]) AS r(subject, generation)"
                " ON k.subject = r.subject AND k.generation = r.generation WHERE k.wrapped IS NOT NULL",
                (subjects, generations),
            ).fetchall()
        return {(row["subject"], int(row["generation"])): self._key(row) for row in rows}

    def cases_of(self, subject: str) -> list[tuple[str, UUID]]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT aggregate_type, case_id FROM {SUBJECT_CASES_TABLE} WHERE subject = %s"  # noqa: S608
                " ORDER BY aggregate_type, case_id",
                (subject,),
            ).fetchall()
        return [(row["aggregate_type"], row["case_id"]) for row in rows]

    def record_erasure(
        self, subject: str, actor: Mapping[str, Any], *, ground: str, erased: bool, reasons: Sequence[str]
    ) -> ErasureRecord:
        """Destroys the subject's keys (when `erased`) and records the request, in one transaction.
        The destroyed key's bytes remain in dead row versions until VACUUM reclaims them (see
        `vacuum`); they are wrapped by the master key all the same."""
        from psycopg.types.json import Jsonb

        with self.db.transaction() as conn:
            destroyed = 0
            if erased:
                destroyed = conn.execute(
                    f"UPDATE {KEYS_TABLE} SET wrapped = NULL, master_key_id = NULL,"  # noqa: S608
                    " erased_at = now() WHERE subject = %s AND erased_at IS NULL",
                    (subject,),
                ).rowcount
            row = conn.execute(
                f"INSERT INTO {ERASURES_TABLE} (subject, actor, ground, outcome, reasons, keys_destroyed)"  # noqa: S608
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id, requested_at",
                (
                    subject,
                    Jsonb(dict(actor)),
                    ground,
                    "erased" if erased else "refused",
                    Jsonb(list(reasons)),
                    destroyed,
                ),
            ).fetchone()
        assert row is not None
        return ErasureRecord(int(row["id"]), row["requested_at"], erased, list(reasons), destroyed)

    def vacuum(self) -> None:
        """Reclaim the dead row versions that still held destroyed keys (outside any transaction)."""
        with self.db.read() as conn:
            conn.execute(f"VACUUM {KEYS_TABLE}")

    def rewrap(self) -> int:
        """Rewrap every live key wrapped by another master key with the current one; events untouched."""
        done = 0
        while True:
            with self.db.transaction() as conn:
                rows = conn.execute(
                    f"SELECT subject, generation, master_key_id, wrapped FROM {KEYS_TABLE}"  # noqa: S608
                    " WHERE wrapped IS NOT NULL AND master_key_id <> %s LIMIT 500 FOR UPDATE SKIP LOCKED",
                    (self.master.current,),
                ).fetchall()
                for row in rows:
                    key = self.master.unwrap(row["master_key_id"], bytes(row["wrapped"]))
                    key_id, wrapped = self.master.wrap(key)
                    conn.execute(
                        f"UPDATE {KEYS_TABLE} SET master_key_id = %s, wrapped = %s"  # noqa: S608
                        " WHERE subject = %s AND generation = %s",
                        (key_id, wrapped, row["subject"], row["generation"]),
                    )
            done += len(rows)
            if not rows:
                return done

    def _key(self, row: Mapping[str, Any]) -> SubjectKey:
        key = self.master.unwrap(row["master_key_id"], bytes(row["wrapped"]))
        return SubjectKey(row["subject"], int(row["generation"]), row["cipher"], key)


@dataclass(frozen=True, slots=True)
class ErasureRecord:
    id: int
    at: datetime
    erased: bool
    reasons: list[str]
    keys_destroyed: int


class MemoryKeyStore:
    """The key store in memory: for applications tested without a database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, int], SubjectKey | None] = {}
        self._live: dict[str, int] = {}
        self.cases: dict[str, set[tuple[str, UUID]]] = {}

    def for_sealing(
        self, subjects: Collection[str], *, cipher: str, key_bytes: int, aggregate_type: str, case_id: UUID
    ) -> dict[str, SubjectKey]:
        with self._lock:
            out = {}
            for subject in subjects:
                generation = self._live.get(subject)
                if generation is None:
                    generation = 1 + max((g for s, g in self._keys if s == subject), default=0)
                    self._keys[subject, generation] = SubjectKey(
                        subject, generation, cipher, os.urandom(key_bytes)
                    )
                    self._live[subject] = generation
                self.cases.setdefault(subject, set()).add((aggregate_type, case_id))
                key = self._keys[subject, generation]
                assert key is not None
                out[subject] = key
            return out

    def for_opening(self, refs: Collection[tuple[str, int]]) -> dict[tuple[str, int], SubjectKey]:
        with self._lock:
            return {ref: key for ref in refs if (key := self._keys.get(ref)) is not None}

    def destroy(self, subject: str) -> int:
        with self._lock:
            destroyed = [ref for ref, key in self._keys.items() if ref[0] == subject and key is not None]
            for ref in destroyed:
                self._keys[ref] = None
            self._live.pop(subject, None)
            return len(destroyed)
