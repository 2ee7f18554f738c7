"""`xborder serve` as `make run` starts it, in a subprocess: the product a user runs, not an app in our
own process.

The benchmark must measure what a user gets: the installed `xborder` command, its uvicorn, its workers
(the projection consumers of all 31 provinces, the deadline watcher, the process managers, the janitor)
and the logging it does, over a real socket. So the service gets the environment `make run` would give
it, minus every setting the service reads (so a developer's shell cannot change what is measured), plus
only what the benchmark needs: the fresh database, a JWT secret the clients can sign with, a scratch
data directory, for the "no consumers" comparison RUN_WORKERS=false (the documented way to run an
API-only process) and, for the phase through Kafka, KAFKA_BOOTSTRAP_SERVERS (the documented way to put a
broker between the event store and the provinces' projections: the relay publishes, each province's
consumer reads its own topic).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from xborder.infra.settings import Settings

XBORDER = Path(sys.executable).parent / "xborder"
ROOT = Path(__file__).resolve().parents[1]
_READY_TIMEOUT_S = 180.0
_STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Served:
    """A running `xborder serve`: where it answers, its process id (for CPU accounting) and how long it
    took from exec to its first 200 from /readyz."""

    url: str
    pid: int
    startup_s: float
    workers: int  # how many workers /readyz listed as running
    log: Path
    mode: str | None = None  # as /readyz said: "embedded", or "kafka" when it goes through a broker


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(
    database_url: str,
    jwt_secret: str,
    data_dir: Path,
    *,
    workers: bool,
    kafka: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment `make run` would pass, with the service's own settings reset to their defaults
    except the database, the secret, the data directory, (to switch consumers off) RUN_WORKERS and
    (to go through a broker) KAFKA_BOOTSTRAP_SERVERS."""
    settings = {name.lower() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.lower() not in settings}
    env |= {"DATABASE_URL": database_url, "JWT_SECRET": jwt_secret, "DATA_DIR": str(data_dir)}
    if not workers:
        env["RUN_WORKERS"] = "false"
    if kafka is not None:
        env["KAFKA_BOOTSTRAP_SERVERS"] = kafka
    return env | dict(extra or {})


@contextmanager
def xborder_serve(
    database_url: str,
    jwt_secret: str,
    scratch: Path,
    *,
    workers: bool,
    kafka: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """Start `xborder serve --port <free>` and wait for /readyz; SIGTERM it (then SIGKILL) at the end.
    With `kafka` (bootstrap servers), the service goes through that broker. Fails with the tail of its
    log if it exits or never becomes ready."""
    label = ("serve" if workers else "serve-no-workers") + ("-kafka" if kafka is not None else "")
    data_dir = scratch / f"{label}-{time.monotonic_ns()}"
    data_dir.mkdir(parents=True)
    log_path = data_dir / "serve.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = service_env(database_url, jwt_secret, data_dir, workers=workers, kafka=kafka, extra=extra_env)
    started = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(XBORDER), "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            readiness = _wait_ready(url, process, log_path)
            yield Served(
                url=url,
                pid=process.pid,
                startup_s=round(time.perf_counter() - started, 2),
                workers=sum(1 for w in readiness.get("workers", []) if w.get("running")),
                log=log_path,
                mode=readiness.get("mode"),
            )
            if process.poll() is not None:
                raise RuntimeError(f"xborder serve exited during the run:\n{_tail(log_path)}")
        finally:
            _stop(process)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> dict[str, Any]:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"xborder serve exited with {process.returncode}:\n{_tail(log_path)}")
            try:
                response = client.get(f"{url}/readyz")
                if response.status_code == 200:
                    body: dict[str, Any] = response.json()
                    return body
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"xborder serve not ready after {_READY_TIMEOUT_S:.0f}s:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def log_lines(path: Path) -> int:
    """How many lines the service logged (its access log is part of what a user's service does)."""
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0
