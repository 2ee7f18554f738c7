"""The service deployed as its README's "Running it for real" runs it, each piece its own OS process:
`xborder serve` with RUN_WORKERS=false (the API), `xborder relay` (one) and `xborder project --province
<code>` per province under test, all on one fresh database and one broker. A fault test kills, stops and
restarts these processes by their ids; nothing else on the machine is touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import stop_gracefully
from tests.support.tansu import free_port
from tests.support.waiting import wait_until
from xborder.infra.clock import SystemClock
from xborder.infra.settings import Settings
from xborder.infra.tokens import TokenIssuer

XBORDER = Path(sys.executable).parent / "xborder"
ROOT = Path(__file__).resolve().parents[2]
FAULT_SECRET = "fault-suite-secret-of-at-least-32-bytes!"
# Few provinces keep the suite fast; transfers between them only (tests/faults/load.py).
FAULT_PROVINCES: tuple[str, ...] = ("510000", "500000", "310000", "520000")


def projector_app_name(code: str) -> str:
    """The `application_name` of a province's projection consumer's database connections."""
    return f"xborder-project-{code}"


def service_env(
    database_url: str, bootstrap_servers: str, data_dir: Path, provinces: Sequence[str], **extra: str
) -> dict[str, str]:
    """The environment a deployment gives every process: the service's own settings reset to their
    defaults (a developer's shell cannot change what is tested), then the shared ones."""
    settings = {name.lower() for name in Settings.model_fields}
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in settings and not k.upper().startswith("READMODEL_URL_")
    }
    return env | {
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
        "JWT_SECRET": FAULT_SECRET,
        "DATA_DIR": str(data_dir),
        "PROVINCES": ",".join(provinces),
        "KAFKA_PARTITIONS": "3",
        "KAFKA_PROVINCE_PARTITIONS": "3",  # partitions split among members: the harder path
        "LOG_LEVEL": "INFO",
        "PG_POOL_SIZE": "4",  # six processes, and other suites, share the server's 100 connections
        **extra,
    }


@dataclass
class ServiceProcess:
    """One long-running `xborder ...` process, restartable; its output appended to `log`."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        with self.log.open("ab") as log:
            log.write(
                f"\n=== {time.strftime('%H:%M:%S')} start {self.starts + 1} of {self.name} ===\n".encode()
            )
            log.flush()
            self.process = subprocess.Popen(
                [str(XBORDER), *self.argv], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.starts += 1

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, whatever was in flight stays in flight."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
            stop_gracefully(self.process, timeout=20)

    def log_count(self, text: str) -> int:
        return self.log.read_text(encoding="utf-8", errors="replace").count(text) if self.log.exists() else 0

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Deployment:
    database_url: str
    bootstrap_servers: str
    workdir: Path
    provinces: tuple[str, ...] = FAULT_PROVINCES
    url: str = ""
    api: ServiceProcess | None = None
    relay: ServiceProcess | None = None
    projectors: dict[str, ServiceProcess] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        return service_env(
            self.database_url, self.bootstrap_servers, self.workdir / "data", self.provinces, **extra
        )

    def start(self) -> Deployment:
        """The API first (it migrates the database, creates the topics and the development keys), then
        the relay and one projection consumer per province."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.api = ServiceProcess(
            "api",
            ["serve", "--port", str(port)],
            self.env(RUN_WORKERS="false"),
            self.workdir / "api.log",
        )
        self.api.start()
        wait_until(
            lambda: _ready(self.url) or not self.api_running(), timeout=120, what="xborder serve (API)"
        )
        if not self.api_running():
            raise AssertionError(f"xborder serve exited:\n{self.api.tail()}")
        self.relay = ServiceProcess("relay", ["relay"], self.env(), self.workdir / "relay.log")
        self.relay.start()
        for code in self.provinces:
            projector = ServiceProcess(
                f"project-{code}",
                ["project", "--province", code],
                # Its connections named (libpq reads PGAPPNAME), so a test can see its transactions.
                self.env(PGAPPNAME=projector_app_name(code)),
                self.workdir / f"project-{code}.log",
            )
            projector.start()
            self.projectors[code] = projector
        return self

    def api_running(self) -> bool:
        return self.api is not None and self.api.running

    def processes(self) -> list[ServiceProcess]:
        return [p for p in (self.api, self.relay, *self.projectors.values()) if p is not None]

    def check_alive(self, *, but: ServiceProcess | None = None) -> None:
        """Every process the test did not kill (`but`) is still running (a consumer that stopped itself
        on an error it could not recover from is a finding, not a hang)."""
        dead = [p for p in self.processes() if p is not but and not p.running]
        if dead:
            raise AssertionError(
                "\n".join(
                    f"{p.name} exited with {p.process and p.process.returncode}:\n{p.tail()}" for p in dead
                )
            )

    def run_cli(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """A one-off operations command (`xborder projections rebuild ...`) with the deployment's
        settings; fails with its output if it does not exit 0."""
        result = subprocess.run(
            [str(XBORDER), *argv],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"xborder {' '.join(argv)}: {result.stdout}{result.stderr}"
        return result

    def stop(self) -> None:
        for process in reversed(self.processes()):
            process.stop()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class Tokens:
    """Bearer headers minted with the deployment's secret and the service's default issuer settings."""

    def __init__(self) -> None:
        fields = Settings.model_fields
        self._issuer = TokenIssuer(
            secret=FAULT_SECRET,
            issuer=str(fields["jwt_issuer"].default),
            audience=str(fields["jwt_audience"].default),
            ttl_seconds=3600,
            clock=SystemClock(),
        )
        self._cache: dict[tuple[str, str, str], Mapping[str, Any]] = {}

    def header(self, sub: str, province: str, role: str) -> dict[str, str]:
        key = (sub, province, role)
        if key not in self._cache:
            self._cache[key] = {
                "Authorization": "Bearer " + self._issuer.mint(sub=sub, province=province, role=role)
            }
        return dict(self._cache[key])
