"""`xborder serve` with its workers in a child process (SERVE_WORKERS_APART).

One Python process computes on one core at a time. Running the consumers (projections, deadline
watcher, process managers, relay) in a child process of their own gives the API and the consumers a
core each; they wake each other through PostgreSQL LISTEN/NOTIFY (`xborder.consumers.listener`), which
the API process keeps running as its only worker. The embedded database, when there is no
DATABASE_URL, is started here first so that both processes use the same one. The child is restarted
if it dies and stopped with the service.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from xborder.bootstrap import bootstrap
from xborder.consumers.status_file import STATUS_FILE_ENV
from xborder.infra.postgres.embedded import EmbeddedPostgres, start_embedded_postgres
from xborder.infra.settings import Settings

logger = logging.getLogger("xborder.serve")

_RESTART_PAUSE_S = 2.0
_STOP_TIMEOUT_S = 15.0


class WorkersApart:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._embedded: EmbeddedPostgres | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None
        self._status_dir: str | None = None  # the workers' process's status file is in it

    def __enter__(self) -> Self:
        url = self._settings.database_url
        if not url:
            self._embedded = start_embedded_postgres(self._settings.data_dir)
            url = self._embedded.url
        os.environ["DATABASE_URL"] = url  # the API's bootstrap (uvicorn's factory) reads it
        # Create every table once, here, before two processes would race to create them.
        bootstrap(Settings()).close()
        os.environ["WORKER_KINDS"] = "listener"
        # Where the workers' process reports how its workers stand, for this process's /readyz.
        self._status_dir = tempfile.mkdtemp(prefix="xborder-workers-")
        os.environ[STATUS_FILE_ENV] = str(self._status_file)
        self._child_env = {**os.environ, "DATABASE_URL": url, "XBORDER_SERVE_PID": str(os.getpid())}
        self._child_env.pop("WORKER_KINDS", None)
        self._start()
        self._watch = threading.Thread(target=self._supervise, name="workers-apart", daemon=True)
        self._watch.start()
        return self

    @property
    def _status_file(self) -> Path:
        assert self._status_dir is not None, "entered first"
        return Path(self._status_dir) / "status.json"

    def _start(self) -> None:
        self._child = subprocess.Popen([sys.executable, "-m", "xborder.cli", "work"], env=self._child_env)
        logger.info("workers running apart, pid %d", self._child.pid)

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            child = self._child
            if child is not None and child.poll() is not None and not self._stopping.is_set():
                logger.error("the workers' process exited (%s); restarting it", child.returncode)
                # What the dead process last wrote is not how the next one stands: /readyz says not
                # ready until the new one reports.
                self._status_file.unlink(missing_ok=True)
                time.sleep(_RESTART_PAUSE_S)
                if not self._stopping.is_set():
                    self._start()
            self._stopping.wait(0.5)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stopping.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._embedded is not None:
            self._embedded.stop()
        if self._status_dir is not None:
            shutil.rmtree(self._status_dir, ignore_errors=True)
        os.environ.pop(STATUS_FILE_ENV, None)
