"""One PostgreSQL database: our connection pool, and the environment eventsourcing needs for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from xborder.infra.postgres.recorder import IdempotentApplicationRecorder
from xborder.infra.postgres.tls import CONNECTION_PARAMETERS


class Database:
    """A pool for our own tables (read models, positions, idempotency, deadlines)."""

    def __init__(self, url: str, *, pool_size: int = 8, name: str = "xborder") -> None:
        self.url = url
        self.pool: ConnectionPool[psycopg.Connection[DictRow]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            # Autocommit connections, transactions explicit (`transaction()` sends BEGIN and COMMIT):
            # a single read (`read()`) is then one round trip, with nothing to roll back on return.
            kwargs={"row_factory": dict_row, "autocommit": True},
            name=name,
            open=False,
        )

    def open(self) -> None:
        self.pool.open(wait=True, timeout=30)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def transaction(self, *, pipelined: bool = False) -> Iterator[psycopg.Connection[DictRow]]:
        """A connection inside one transaction: committed on success, rolled back on error.

        `pipelined`: in psycopg's pipeline mode, so that statements whose results are not fetched at
        once (writes) travel together — a batch's writes and its COMMIT cost one round trip, not one
        each. Fetching a result waits for everything sent before it."""
        with self.pool.connection() as conn:
            if pipelined:
                with conn.pipeline(), conn.transaction():
                    yield conn
            else:
                with conn.transaction():
                    yield conn

    @contextmanager
    def read(self) -> Iterator[psycopg.Connection[DictRow]]:
        """A connection for one statement that needs no transaction of its own (a poll's select):
        one round trip."""
        with self.pool.connection() as conn:
            yield conn

    def ping(self) -> bool:
        try:
            with self.pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
        except (psycopg.Error, TimeoutError, OSError):
            return False
        return True


def eventsourcing_env(url: str, *, pool_size: int = 5) -> dict[str, str]:
    """Environment for an eventsourcing Application on the database at `url`.

    POSTGRES_ENABLE_DB_FUNCTIONS stays off: its fast path skips the table lock that makes commit order
    equal notification order, and then a notification-log reader could skip an event.

    Each Application's pool keeps one connection at rest and grows to `2 * pool_size` under load (the
    library's pool size is its minimum): four workflows in two processes kept 40 idle connections
    open, and a server's default limit of 100 was reached by two services on one machine.
    """
    params: dict[str, Any] = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": f"{TlsPostgresFactory.__module__}:{TlsPostgresFactory.__qualname__}",
        "POSTGRES_DBNAME": str(params.get("dbname") or "postgres"),
        "POSTGRES_HOST": str(params.get("host") or "127.0.0.1"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": str(2 * pool_size - 1),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
        "POSTGRES_PRE_PING": "yes",
        "APPLICATION_RECORDER_TOPIC": (
            f"{IdempotentApplicationRecorder.__module__}:{IdempotentApplicationRecorder.__qualname__}"
        ),
        # The URL's TLS and liveness parameters (xborder.infra.postgres.tls), which eventsourcing has no
        # setting for.
        **{
            f"POSTGRES_{name.upper()}": str(params[name])
            for name in CONNECTION_PARAMETERS
            if params.get(name)
        },
    }


class TlsPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL persistence, its connections given the libpq TLS and liveness
    parameters that `eventsourcing_env` passes as POSTGRES_SSLMODE, POSTGRES_KEEPALIVES_IDLE and so on:
    the library builds its pool from host, port, database, user and password only, and would otherwise
    connect to the event store without the TLS and keepalives every other connection has."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        kwargs = self.datastore.pool.kwargs
        assert isinstance(kwargs, dict)  # the library's: the pool connects with them
        for name in CONNECTION_PARAMETERS:
            value = self.env.get(f"POSTGRES_{name.upper()}")
            if value:
                kwargs[name] = value
