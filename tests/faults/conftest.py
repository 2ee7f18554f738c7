"""Fixtures of the fault suite: one deployment per test module (a fresh database on the session's
PostgreSQL, a Tansu broker, the service's own processes), the seed that drives every random point
(XBORDER_FAULT_SEED, printed in the run's header), and the summary table written to
bench/results/faults.md at the end of the session, whatever happened."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.deployment import Deployment, Tokens
from tests.faults.oracle import Oracle
from tests.faults.summary import Summary
from tests.integration.conftest import pg_admin_url  # noqa: F401  (the same session server)
from tests.support.postgres import fresh_database
from tests.support.tansu import TansuBroker

DEFAULT_SEED = 20261130
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "faults.md"


def fault_seed() -> int:
    return int(os.environ.get("XBORDER_FAULT_SEED") or DEFAULT_SEED)


def pytest_report_header(config: pytest.Config) -> str:
    return f"xborder fault suite: XBORDER_FAULT_SEED={fault_seed()} (set it to replay a run)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(scope="session")
def seed() -> int:
    value = fault_seed()
    print(f"\nXBORDER_FAULT_SEED={value}")
    return value


@pytest.fixture(scope="session")
def summary(seed: int) -> Iterator[Summary]:
    table = Summary(seed)
    try:
        yield table
    finally:
        table.write(RESULTS)


@pytest.fixture(scope="module")
def deployment(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:  # noqa: F811
    with fresh_database(pg_admin_url, prefix="xbfault") as database_url, TansuBroker() as broker:
        deployed = Deployment(database_url, broker.bootstrap_servers, tmp_path_factory.mktemp("deployment"))
        try:
            yield deployed.start()
        finally:
            deployed.stop()


@pytest.fixture(scope="module")
def oracle(deployment: Deployment) -> Iterator[Oracle]:
    judge = Oracle(deployment.database_url, deployment.bootstrap_servers, deployment.provinces)
    try:
        yield judge
    finally:
        judge.close()


@pytest.fixture(scope="module")
def tokens() -> Tokens:
    return Tokens()
