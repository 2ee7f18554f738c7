"""The service as the network, database and delivery fault scenarios run it: bootstrapped in this
process on a given database (and broker), every worker running, the API on a real uvicorn server so that
several HTTP clients load it at once. Settings as the integration tests use them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.command_load import Mint
from tests.support.live_server import live_server
from tests.support.waiting import wait_until
from xborder.bootstrap import Container, bootstrap
from xborder.infra.settings import Settings
from xborder.service import create_app

PROVINCES = ("510000", "500000", "310000")
JWT_SECRET = "fault-test-secret-of-at-least-32-bytes!!"


def fault_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "provinces": list(PROVINCES),
        "jwt_secret": JWT_SECRET,
        "data_dir": data_dir,
        "poll_interval_seconds": 0.05,
        "deadline_tick_seconds": 0.5,
        "kafka_partitions": 3,
        "kafka_province_partitions": 3,  # as in the integration tests: more than the default's one
        "pg_pool_size": 12,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@contextmanager
def served(database_url: str, data_dir: Path, **overrides: object) -> Iterator[tuple[Container, str]]:
    """`(container, base URL)`; everything stopped and closed when the block ends."""
    container = bootstrap(fault_settings(database_url, data_dir, **overrides))
    try:
        container.start_workers()
        with live_server(create_app(container, run_workers=False)) as base_url:
            yield container, base_url
    finally:
        container.close()


def minter(container: Container) -> Mint:
    """Bearer tokens from the container's own issuer."""

    def mint(sub: str, province: str, role: str) -> str:
        return container.issuer.mint(sub=sub, province=province, role=role)

    return mint


def wait_ready(base_url: str, timeout: float = 30.0) -> dict[str, object]:
    """/readyz answering 200 — the database reachable and every worker running without a fatal error —
    within `timeout` seconds; its body. Fails with the last answer."""
    last: list[httpx.Response] = []

    def ready() -> bool:
        try:
            response = httpx.get(f"{base_url}/readyz", timeout=5)
        except httpx.HTTPError:
            return False
        last[:] = [response]
        return response.status_code == 200

    try:
        wait_until(ready, timeout=timeout, interval=0.2, what="/readyz to answer 200")
    except AssertionError as error:
        raise AssertionError(f"{error}: {last[0].text if last else 'no answer'}") from None
    body: dict[str, object] = last[0].json()
    return body
