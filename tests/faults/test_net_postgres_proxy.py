"""The service talks to PostgreSQL through a TCP proxy of the test's own (embedded mode, no Kafka), under
a steady command load: added latency, connections reset, a black hole of a few seconds, a black hole
that ends in resets (TCP giving up), then healed. The service recovers without a restart; every command
answered 2xx is in the event store once, and each province's read model holds exactly the store's cases
that involve it."""

from __future__ import annotations

import random
from pathlib import Path

import psycopg

from tests.faults.net_phases import faults_under_load
from tests.faults.summary import Summary
from tests.support.fault_service import PROVINCES, served, wait_ready
from tests.support.net_oracle import embedded_counts, settle
from tests.support.owned_postgres import OwnedPostgres
from tests.support.tcp_proxy import TcpProxy


def test_postgres_behind_a_faulty_network(tmp_path: Path, seed: int, summary: Summary) -> None:
    rng = random.Random(seed)
    with (
        summary.scenario(
            "net: PostgreSQL behind a proxy: latency, resets, black holes, heal (embedded)"
        ) as row,
        OwnedPostgres() as cluster,
        TcpProxy("127.0.0.1", cluster.port) as proxy,
    ):
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE xborder")
        direct_url = cluster.url("xborder")
        with served(cluster.url("xborder", port=proxy.port), tmp_path) as (container, base_url):
            # Resets a second apart at most, as long as a consumer's back-off: a batch that failed on
            # one reset can meet the next one when it rewinds. The black hole outlasts the clients'
            # 5 s timeout: commands are sent again with the same key while the first attempt waits.
            resets, results = faults_under_load(
                container, base_url, proxy, rng, seed, resets=8, reset_gap=(0.2, 1.2), hole=(6.0, 7.0)
            )

            assert not results.refused, results.refused
            wait_ready(base_url)  # recovered without a restart: every worker running, none failed
            assert resets > 0 and results.retries > 0, (
                "the faults reached nothing: the scenario tested nothing"
            )
            answered = set(results.answered.values())
            assert len(answered) == len(results.answered), "two commands were answered with one case"
            cases, models = settle(container, direct_url, PROVINCES, timeout=60)
            transfers = {str(i) for i, case in cases.items() if case.aggregate_type == "VehicleTransfer"}
            assert answered - transfers == set(), "answered but not in the event store"
            assert transfers - answered == set(), "in the event store twice (or never answered)"
            row.counts = embedded_counts(container, cases, models, results)
            row.notes = (
                f"{resets} connections reset; {results.retries} command retries, "
                f"{results.replayed} answered from the idempotency record"
            )
