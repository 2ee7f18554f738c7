"""Read-model schema: one PostgreSQL schema per province, the same tables in each.

A province's schema holds only the cases it is involved in. `cases.doc` is the case as that province
sees it (unmasked: masking depends on the reader's role and happens at the API); the other columns
exist for indexing. `positions` holds the consumer's input positions, written in the same transaction
as the rows, which is what makes "applied exactly once" hold across crashes.
"""

from __future__ import annotations

from psycopg import sql

from xborder.domain.provinces import PROVINCE_CODES


def schema_name(province_code: str) -> str:
    if province_code not in PROVINCE_CODES:
        raise ValueError(f"not a province code: {province_code!r}")
    return f"province_{province_code}"


def rebuild_schema_name(province_code: str) -> str:
    """Where `xborder projections rebuild` builds a province's read model before swapping it in."""
    return f"{schema_name(province_code)}_rebuild"


def province_ddl(schema: str) -> list[sql.Composed]:
    s = sql.Identifier(schema)
    return [
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(s),
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.cases ("
            " id uuid PRIMARY KEY,"
            " kind text NOT NULL,"
            " status text NOT NULL,"
            " version integer NOT NULL,"
            " plate text,"
            " created_at timestamptz NOT NULL,"
            " updated_at timestamptz NOT NULL,"
            " doc jsonb NOT NULL,"
            " lookups text[] NOT NULL DEFAULT '{{}}')"
        ).format(s),
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS cases_kind_created ON {}.cases (kind, created_at DESC, id)"
        ).format(s),
        sql.SQL("CREATE INDEX IF NOT EXISTS cases_plate ON {}.cases (plate)").format(s),
        # The keyed hashes of the people a case names (xborder.privacy.sealing.lookups_in): searches by
        # ID number or phone match these, never a clear value.
        # A read model made before the column existed gets it; checked first, because ALTER TABLE takes
        # the table's exclusive lock even when the column is there, stopping the consumers at every start.
        sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = {}"
            " AND table_name = 'cases' AND column_name = 'lookups') THEN"
            " ALTER TABLE {}.cases ADD COLUMN lookups text[] NOT NULL DEFAULT '{{}}'; END IF; END $$"
        ).format(sql.Literal(schema), s),
        # Documents are compressed with lz4 where the server has it: a document is rewritten with every
        # event of its case, and PostgreSQL's own pglz took a fifth more of its CPU for applying them
        # (existing rows keep theirs until rewritten). Checked first, as above; the inner statement is
        # planned only on a server that has the column it reads (14 and later).
        sql.SQL(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
            " AND 'lz4' = ANY(enumvals)) THEN IF EXISTS (SELECT 1 FROM pg_attribute"
            " WHERE attrelid = {}::regclass AND attname = 'doc' AND attcompression <> 'l') THEN"
            " ALTER TABLE {}.cases ALTER COLUMN doc SET COMPRESSION lz4; END IF; END IF; END $$"
        ).format(sql.Literal(f'"{schema}".cases'), s),
        sql.SQL("CREATE INDEX IF NOT EXISTS cases_lookups ON {}.cases USING gin (lookups)").format(s),
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS cases_awaiting ON {}.cases USING gin ((doc -> 'awaiting'))"
        ).format(s),
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.positions (source text PRIMARY KEY, next_position bigint NOT NULL)"
        ).format(s),
    ]
