"""`xborder serve` in a subprocess, as `make run` starts it (all provinces, workers in their own process),
on a database of the test's: for tests that must meet the service the way its users do (a browser)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.processes import stop_gracefully
from tests.support.tansu import free_port
from tests.support.waiting import wait_until
from xborder.infra.clock import SystemClock
from xborder.infra.settings import Settings
from xborder.infra.tokens import TokenIssuer

XBORDER = Path(sys.executable).parent / "xborder"
TEST_SECRET = "browser-test-secret-of-at-least-32-bytes"


def bearer(sub: str, province: str, role: str, org: str | None = None) -> dict[str, str]:
    """An Authorization header the served service accepts (it signs with TEST_SECRET), to call its API
    beside the browser: to set a case up, or to check what was (not) recorded."""
    settings = Settings.model_fields
    issuer = TokenIssuer(
        secret=TEST_SECRET,
        issuer=str(settings["jwt_issuer"].default),
        audience=str(settings["jwt_audience"].default),
        ttl_seconds=3600,
        clock=SystemClock(),
    )
    return {"Authorization": "Bearer " + issuer.mint(sub=sub, province=province, role=role, org=org)}


@contextmanager
def xborder_serve(database_url: str, data_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Yields the service's base URL once /readyz answers 200; SIGTERM (then SIGKILL) at the end. The
    service's own settings are reset to their defaults except those given; its log is in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = {k: v for k, v in os.environ.items() if k.upper() not in ("KAFKA_BOOTSTRAP_SERVERS", "PROVINCES")}
    environment = base | {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "JWT_SECRET": TEST_SECRET,
        **(env or {}),
    }
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(XBORDER), "serve", "--port", str(port)], env=environment, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: _ready(url) or process.poll() is not None, timeout=90, what="xborder serve")
            if process.poll() is not None:
                raise AssertionError(f"xborder serve exited:\n{_tail(log_path)}")
            yield url
        finally:
            stop_gracefully(process)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
