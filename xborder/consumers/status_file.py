"""The workers' process's state, as the API process's /readyz reads it (SERVE_WORKERS_APART).

With its workers in a child process, the API process ran only its listener, and /readyz answered
ready from that alone: with the workers' process dead and restarting, or — through Kafka — before its
consumers had joined their group and been given their topics, which a broker may take seconds to do
(Tansu holds a join for the whole rebalance timeout). Measured through Kafka: every command answered in
the first five seconds after /readyz said ready became visible only five to six seconds after it was
sent. So the child writes what its workers say of themselves (`Worker.status`, with `ready`) to a file
the parent names, twice a second, and /readyz counts them: ready once every worker runs, none has
stopped on an error, and every consumer can receive. A file that stopped changing means the process
is gone or stuck: not ready.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

# Set by `xborder serve` for both processes: where the workers' process writes its state.
STATUS_FILE_ENV: Final = "XBORDER_WORKERS_STATUS_FILE"
WRITE_EVERY_S: Final = 0.5
STALE_AFTER_S: Final = 3.0

WORKERS_PROCESS: Final = "workers-process"


def write_status(path: Path, statuses: Sequence[dict[str, Any]], *, now: float | None = None) -> None:
    """Atomically: a reader sees the previous state or this one, never half of it."""
    body = {"pid": os.getpid(), "at": time.time() if now is None else now, "workers": list(statuses)}
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    scratch.write_text(json.dumps(body), encoding="utf-8")
    os.replace(scratch, path)


def read_status(path: Path, *, now: float | None = None) -> list[dict[str, Any]]:
    """The workers' statuses as the child last wrote them; one not-running entry for the process
    itself when there is no recent state (not started yet, gone, or stuck)."""
    moment = time.time() if now is None else now
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        at = float(body["at"])
        workers = [dict(worker) for worker in body["workers"]]
    except (OSError, ValueError, KeyError, TypeError):
        return [_absent("the workers' process has not reported its state yet")]
    if moment - at > STALE_AFTER_S:
        return [_absent(f"the workers' process has not reported its state for {moment - at:.0f} s")]
    return workers


def _absent(why: str) -> dict[str, Any]:
    return {"name": WORKERS_PROCESS, "running": False, "ready": False, "error": why, "failures": 0}


class StatusWriter:
    """The child's side: writes `statuses()` to `path` every `WRITE_EVERY_S` until stopped."""

    def __init__(self, path: Path, statuses: Callable[[], Sequence[dict[str, Any]]]) -> None:
        self._path = path
        self._statuses = statuses
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="workers-status", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5.0)

    def _run(self) -> None:
        while not self._stopping.is_set():
            # A full or vanished directory: /readyz then says the state is stale.
            with contextlib.suppress(OSError):
                write_status(self._path, self._statuses())
            self._stopping.wait(WRITE_EVERY_S)
