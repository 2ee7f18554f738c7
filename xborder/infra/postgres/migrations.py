"""Our own tables beside eventsourcing's: created idempotently at start-up, under an advisory lock so
several processes starting together do not race on DDL."""

from __future__ import annotations

from xborder.infra.postgres.database import Database
from xborder.infra.postgres.recorder import IDEMPOTENCY_TABLE, ROUTES_TABLE
from xborder.privacy.audit import AUDIT_DDL

DEAD_LETTERS_DDL = (
    # Records a consumer could not apply (see xborder.projections.dead_letters). No payload: the source
    # and position say where the record is, the event store still holds it, and personal data stays out.
    "CREATE TABLE IF NOT EXISTS xborder_dead_letters ("
    " id bigserial PRIMARY KEY, consumer text NOT NULL, source text NOT NULL, position bigint NOT NULL,"
    " aggregate_type text, aggregate_id uuid, version integer, event_type text, error text NOT NULL,"
    " status text NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'retried', 'discarded')),"
    " parked_at timestamptz NOT NULL DEFAULT now(), resolved_at timestamptz)",
    "CREATE UNIQUE INDEX IF NOT EXISTS xborder_dead_letters_once ON xborder_dead_letters"
    " (consumer, source, position, coalesce(aggregate_id, '00000000-0000-0000-0000-000000000000'),"
    " coalesce(version, 0))",
    "CREATE INDEX IF NOT EXISTS xborder_dead_letters_parked ON xborder_dead_letters"
    " (consumer, aggregate_id) WHERE status = 'parked'",
)

CORE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} ("
    " caller text NOT NULL, key text NOT NULL, fingerprint text NOT NULL,"
    " status_code integer NOT NULL, response jsonb NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (caller, key))",
    # The janitor deletes expired records oldest first, a batch at a time.
    f"CREATE INDEX IF NOT EXISTS xborder_idempotency_created_at ON {IDEMPOTENCY_TABLE} (created_at)",
    f"CREATE TABLE IF NOT EXISTS {ROUTES_TABLE} ("
    " province text NOT NULL, application text NOT NULL, notification_id bigint NOT NULL,"
    " PRIMARY KEY (province, application, notification_id))",
    # Applications whose events from before routes existed have been routed (`backfill_routes`).
    "CREATE TABLE IF NOT EXISTS xborder_routes_backfilled (application text PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS xborder_relay_positions ("
    " application text PRIMARY KEY, last_notification_id bigint NOT NULL,"
    " updated_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS xborder_consumer_positions ("
    " consumer text NOT NULL, source text NOT NULL, next_position bigint NOT NULL,"
    " PRIMARY KEY (consumer, source))",
    "CREATE TABLE IF NOT EXISTS xborder_deadlines ("
    " aggregate_type text NOT NULL, aggregate_id uuid NOT NULL, name text NOT NULL,"
    " due timestamptz NOT NULL, state text NOT NULL, PRIMARY KEY (aggregate_id, name))",
    "CREATE INDEX IF NOT EXISTS xborder_deadlines_open_due ON xborder_deadlines (due) WHERE state = 'open'",
    "CREATE TABLE IF NOT EXISTS xborder_vehicle_holds ("
    " case_id uuid PRIMARY KEY, plate text NOT NULL, kind text NOT NULL, province text NOT NULL,"
    " reason text NOT NULL, active boolean NOT NULL, version integer NOT NULL)",
    "CREATE INDEX IF NOT EXISTS xborder_vehicle_holds_plate ON xborder_vehicle_holds (plate) WHERE active",
    *DEAD_LETTERS_DDL,
    *AUDIT_DDL,  # the append-only, hash-chained audit log of sensitive reads (xborder.privacy.audit)
)


def migrate_core(db: Database) -> None:
    with db.transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('xborder.migrations'))")
        for statement in CORE_DDL:
            conn.execute(statement)  # constant DDL, no user input


def migrate_dead_letters(db: Database) -> None:
    """The dead-letter table alone, for a province's own read-model database: its projection parks
    records in the transaction that stores its rows and positions, so the table must live beside them."""
    with db.transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('xborder.migrations'))")
        for statement in DEAD_LETTERS_DDL:
            conn.execute(statement)  # constant DDL, no user input
