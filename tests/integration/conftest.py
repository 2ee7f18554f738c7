"""Integration fixtures: real PostgreSQL (DATABASE_URL's server, else embedded) and real Tansu brokers."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.postgres import embedded_admin_url, fresh_database, stop_embedded
from tests.support.service import Service, make_app_client
from tests.support.tansu import TansuBroker
from xborder.bootstrap import bootstrap
from xborder.infra.clock import SettableClock
from xborder.infra.settings import Settings

MakeService = Callable[..., Service]
DEFAULT_PROVINCES = ("510000", "500000", "310000")
# A Friday afternoon in Beijing time, so working-day deadlines cross a weekend.
DEFAULT_START = datetime.fromisoformat("2026-11-20T15:00:00+08:00")


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    # Not under pytest's tmp_path: a concurrent pytest session prunes older basetemp folders, and would
    # delete this server's data directory from under it.
    directory = Path(tempfile.mkdtemp(prefix="xborder-test-pg-"))
    try:
        yield embedded_admin_url(directory)
    finally:
        stop_embedded(directory)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    with fresh_database(pg_admin_url) as url:
        yield url


@pytest.fixture
def broker() -> Iterator[TansuBroker]:
    """A broker per test: Tansu starts in milliseconds, and topics then never leak between tests."""
    with TansuBroker() as tansu:
        yield tansu


def test_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "provinces": list(DEFAULT_PROVINCES),
        "jwt_secret": "integration-test-secret-of-at-least-32-bytes",
        "data_dir": data_dir,
        "poll_interval_seconds": 0.05,
        "deadline_tick_seconds": 0.05,
        "kafka_partitions": 3,
        # Several partitions on the provinces' topics too (the default is one): positions per partition
        # and partitions split among a group's members are the harder paths.
        "kafka_province_partitions": 3,
        "pg_pool_size": 12,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_service(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MakeService]:
    """`make_service(mode="embedded"|"kafka", workers=True, **settings)`; everything is closed afterwards."""

    def make(
        mode: str = "embedded",
        *,
        workers: bool = True,
        clock: SettableClock | None = None,
        **overrides: object,
    ) -> Service:
        if mode == "kafka":
            broker: TansuBroker = request.getfixturevalue("broker")
            overrides.setdefault("kafka_bootstrap_servers", broker.bootstrap_servers)
        settings = test_settings(database_url, tmp_path, **overrides)
        clock = clock or SettableClock(DEFAULT_START)
        container = bootstrap(settings, clock=clock)
        # Finalizers run last-in first-out: this one runs before the broker (requested above) stops.
        request.addfinalizer(container.close)
        if workers:
            container.start_workers()
        client = make_app_client(container)
        request.addfinalizer(client.close)
        return Service(container=container, client=client, clock=clock)

    yield make
