"""PostgreSQL restarted uncleanly under a steady command load, in embedded mode (no Kafka): the
service recovers without a restart of its own, every command answered 2xx is in the event store once,
and each province's read model holds exactly the store's cases that involve it."""

from __future__ import annotations

import random
import time
from pathlib import Path

import psycopg

from tests.faults.summary import Summary
from tests.support.command_load import CommandLoad
from tests.support.fault_service import PROVINCES, minter, served, wait_ready
from tests.support.net_oracle import embedded_counts, settle, wait_delivered
from tests.support.owned_postgres import OwnedPostgres

CRASHES = 2


def test_unclean_postgres_restart_under_load(tmp_path: Path, seed: int, summary: Summary) -> None:
    rng = random.Random(seed)
    scenario = "net: PostgreSQL stopped -m immediate under load (embedded mode)"
    with summary.scenario(scenario) as row, OwnedPostgres() as cluster:
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE xborder")
        url = cluster.url("xborder")
        with served(url, tmp_path) as (container, base_url):
            load = CommandLoad(base_url, minter(container), clients=3, seed=seed).start()
            try:
                load.wait_for(15)
                for _ in range(CRASHES):
                    time.sleep(rng.uniform(0.2, 1.0))  # a random point in the load
                    cluster.crash()
                    time.sleep(rng.uniform(0.5, 1.5))
                    cluster.start()
                    # Recovered without a restart: new commands are answered again.
                    load.wait_for(load.answered + 15, timeout=60)
                    wait_delivered(container, load)  # and the consumers deliver again
            finally:
                results = load.stop()

            assert not results.refused, results.refused
            wait_ready(base_url)  # recovered without a restart: every worker running, none failed
            assert results.retries > 0, "the crashes reached no command: the scenario tested nothing"
            answered = set(results.answered.values())
            assert len(answered) == len(results.answered), "two commands were answered with one case"
            cases, models = settle(container, url, PROVINCES, timeout=60)
            transfers = {
                str(case_id) for case_id, case in cases.items() if case.aggregate_type == "VehicleTransfer"
            }
            # Every 2xx is in the store, and nothing else is: a retried command is there once.
            assert answered - transfers == set(), "answered but not in the event store"
            assert transfers - answered == set(), "in the event store twice (or never answered)"
            row.counts = embedded_counts(container, cases, models, results)
            row.notes = (
                f"{CRASHES} unclean restarts; {results.retries} command retries, "
                f"{results.replayed} answered from the idempotency record"
            )
