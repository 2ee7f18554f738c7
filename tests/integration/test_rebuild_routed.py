"""A rebuild reads each province's routed share of the logs, in large batches decoded ahead, and still
gives exactly what the live consumer made: the same documents, versions and positions — for provinces
that joined cases late too (their catch-up replays come with the routed event that brings them in)."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from tests.integration.conftest import MakeService
from tests.support.service import Service
from xborder.demo import DEMO_PROVINCES, MIN_CASES, seed_demo
from xborder.infra.postgres.recorder import ROUTES_TABLE
from xborder.projections.rebuild import rebuild_province
from xborder.projections.schema import schema_name


def _project_live(service: Service, province: str) -> None:
    """What the province's live consumer (embedded mode) applies, applied now, to the end of the logs."""
    feed = service.container.province_feed(province)
    while records := feed.poll(0):
        service.container.readmodels.apply(province, records)


def _read_model(service: Service, province: str) -> dict[str, Any]:
    schema = sql.Identifier(schema_name(province))
    with service.container.db.transaction() as conn:
        cases = {
            str(r["id"]): (r["version"], r["status"], r["doc"], r["lookups"])
            for r in conn.execute(sql.SQL("SELECT * FROM {}.cases").format(schema))
        }
        positions = {
            r["source"]: r["next_position"]
            for r in conn.execute(sql.SQL("SELECT * FROM {}.positions").format(schema))
        }
    return {"cases": cases, "positions": positions}


def _routed(service: Service, province: str) -> int:
    with service.container.db.transaction() as conn:
        query = sql.SQL("SELECT count(*) AS n FROM {} WHERE province = %s").format(
            sql.Identifier(ROUTES_TABLE)
        )
        row = conn.execute(query, (province,)).fetchone()
    assert row is not None
    return int(row["n"])


def test_a_routed_rebuild_equals_the_live_read_model_late_joins_included(make_service: MakeService) -> None:
    service = make_service(provinces=list(DEMO_PROVINCES), workers=False)
    seed_demo(service.container, cases=MIN_CASES, seed=11)
    replays = 0
    for province in DEMO_PROVINCES:
        _project_live(service, province)
        live = _read_model(service, province)
        assert live["cases"], province

        # Small batches: many of them, and cases whose history is read ahead in one batch for another.
        result = rebuild_province(
            service.container.readmodels,
            service.container.log_sources(),
            province,
            dead_letters=service.container.dead_letters,
            batch_size=7,
        )

        assert _read_model(service, province) == live, province
        assert result.applied == result.events_read >= _routed(service, province)
        replays += result.events_read - _routed(service, province)
    assert replays > 0  # some province joined a case late and was replayed its earlier events
    assert service.container.dead_letters.parked_counts() == {}
