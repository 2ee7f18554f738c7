"""A batch that fails to apply, then a rewind that fails too (the database still unreachable when the
consumer recovers): the consumer must not read on from where its feed had got to — past the batch it
never applied — but from its stored positions, once it can read them.

Before the fix in `xborder.consumers.worker.Worker._run` the worker logged "could not recover yet" and
stepped on with the feed un-rewound: the batch's cases were lost to that province, silently (no gap is
ever seen when no later event of those cases comes). Reproduced here after test_net_postgres_proxy failed
once on a loaded machine with two cases missing from read models (resets a fraction of a second apart
can fail a batch and then the rewind after it); the same hole was in every feed worker (projection
consumers, deadline watcher, process managers), in both modes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import psycopg
import pytest

from tests.faults.test_feed_duplicates_reorders import _write_cases
from tests.support.fault_service import fault_settings
from tests.support.net_oracle import read_model, store_cases
from tests.support.postgres import fresh_database
from tests.support.waiting import wait_until
from xborder.bootstrap import Container, bootstrap
from xborder.consumers.projection import ProjectionConsumer
from xborder.infra.feeds import FeedRecord
from xborder.projections.store import ApplyResult

YU = "500000"


class FlakyConsumer(ProjectionConsumer):
    """The product's consumer, its first batch failing as on a connection reset; the database is then
    unreachable for the next `unreachable_loads` position loads (the rewind's)."""

    fail_batches = 1
    unreachable_loads = 0

    def _apply(self, records: Sequence[FeedRecord]) -> ApplyResult:
        if self.fail_batches:
            self.fail_batches -= 1
            self.unreachable_loads = 1
            raise psycopg.OperationalError(
                "consuming input failed: server closed the connection unexpectedly"
            )
        return super()._apply(records)


@pytest.fixture
def container(pg_admin_url: str, tmp_path: Path) -> Iterator[Container]:
    with fresh_database(pg_admin_url, prefix="xbrewind") as url:
        built = bootstrap(fault_settings(url, tmp_path))
        try:
            yield built
        finally:
            built.close()


def test_a_failed_rewind_does_not_skip_the_unapplied_batch(container: Container) -> None:
    _write_cases(container, transfers=5)
    consumers: list[FlakyConsumer] = []
    failed_loads: list[str] = []

    def load_positions() -> dict[str, int]:
        if consumers and consumers[0].unreachable_loads:  # the rewind after the failed batch
            consumers[0].unreachable_loads -= 1
            failed_loads.append("refused")
            raise psycopg.OperationalError("connection failed: Connection refused")
        return container.readmodels.load_positions(YU)

    consumer = FlakyConsumer(
        YU,
        container.province_feed(YU, load_positions=load_positions),
        container.readmodels,
        poll_timeout=0.05,
    )
    consumer.backoff_seconds = 0.05
    consumers.append(consumer)
    consumer.start()
    try:
        expected = {case_id: c.version for case_id, c in store_cases(container).items() if YU in c.provinces}
        assert expected

        def caught_up() -> bool:
            model = read_model(container.database_url, YU)
            return {case_id: version for case_id, (version, _) in model.items()} == expected

        wait_until(caught_up, timeout=15, what=f"{YU}'s read model to hold every case routed to it")
        assert failed_loads == ["refused"] and consumer.fail_batches == 0  # both faults happened
        assert consumer.error is None
    finally:
        consumer.stop()
