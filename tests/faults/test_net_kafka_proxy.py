"""The service in Kafka mode (relay and every province's projection consumer) talks to the Tansu broker
through a TCP proxy of the test's own — the broker advertises the proxy's address, so every connection
the clients make, bootstrap or not, goes through it — under a steady command load: added latency,
connections reset, a black hole of a few seconds, a black hole that ends in resets, then healed.

Afterwards, within a bounded wait: every command answered 2xx is in the event store once; every event
is on the delivery topic of each province it involves (tests/faults/oracle.py's `Oracle`, reading the
topics raw); each province's read model holds exactly the store's cases that involve it, at the store's
versions, with the same document in every involved province."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.net_phases import faults_under_load
from tests.faults.oracle import Oracle
from tests.faults.summary import Summary
from tests.support.fault_service import PROVINCES, served, wait_ready
from tests.support.net_oracle import settle
from tests.support.postgres import fresh_database
from tests.support.tansu import TansuBroker
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    with fresh_database(pg_admin_url, prefix="xbnetk") as url:
        yield url


def test_kafka_behind_a_faulty_network(
    tmp_path: Path, database_url: str, seed: int, summary: Summary
) -> None:
    rng = random.Random(seed)
    scenario = "net: Kafka behind a proxy: latency, resets, black holes, heal (relay + consumers)"
    with (
        summary.scenario(scenario) as row,
        TcpProxy() as proxy,
        TansuBroker(advertised=proxy.address) as broker,
    ):
        proxy.retarget("127.0.0.1", broker.port)
        with served(database_url, tmp_path, kafka_bootstrap_servers=proxy.address) as (container, base_url):
            resets, results = faults_under_load(
                container, base_url, proxy, rng, seed, resets=3, reset_gap=(0.3, 0.8), hole=(2.0, 3.0)
            )

            assert not results.refused, results.refused
            wait_ready(base_url)  # recovered without a restart: every worker running, none failed
            assert resets > 0, "no connection to the broker was reset: the scenario tested nothing"
            assert proxy.stats.failed == 0 and proxy.stats.bytes_down > 0
            answered = set(results.answered.values())
            assert len(answered) == len(results.answered), "two commands were answered with one case"
            oracle = Oracle(database_url, broker.bootstrap_servers, PROVINCES)
            try:
                counts = oracle.settle(timeout=90)  # E on every involved province's topic, P = E
            finally:
                oracle.close()
            cases, _ = settle(container, database_url, PROVINCES, timeout=30)
            transfers = {str(i) for i, case in cases.items() if case.aggregate_type == "VehicleTransfer"}
            assert answered - transfers == set(), "answered but not in the event store"
            assert transfers - answered == set(), "in the event store twice (or never answered)"
            assert counts.losses == 0
            row.counts = dataclasses.replace(
                counts,
                commands=len(results.attempts),
                answered=len(results.answered),
                unanswered=len(results.attempts) - len(results.answered),
            )
            row.notes = (
                f"{resets} broker connections reset; {results.retries} command retries,"
                f" {results.replayed} answered from the idempotency record"
            )
