"""A rebuild reads each province's routed share of the logs, in large batches decoded ahead, and still
gives exactly what the live consumer made: the same documents, versions and positions — for provinces
that joined cases late too (their catch-up replays come with the routed event that brings them in).

It does so in one process or with its bulk shared among several (`rebuild_shares`), forked: a share
that cannot read a record gives the whole rebuild back to one process, which parks it as the live
consumer did."""

from __future__ import annotations

import logging
from typing import Any
from uuid import uuid4

import pytest
from psycopg import sql

from tests.integration.conftest import MakeService
from tests.support.service import Service
from xborder.demo import DEMO_PROVINCES, MIN_CASES, seed_demo
from xborder.infra.postgres.recorder import ROUTES_TABLE
from xborder.infra.postgres.routes import RoutedNotifications, share_of
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


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_a_routed_rebuild_equals_the_live_read_model_late_joins_included(
    make_service: MakeService, processes: int, caplog: pytest.LogCaptureFixture
) -> None:
    service = make_service(provinces=list(DEMO_PROVINCES), workers=False)
    seed_demo(service.container, cases=MIN_CASES, seed=11)
    replays = 0
    caplog.set_level(logging.WARNING, logger="xborder.rebuild")
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
            processes=processes,
        )

        assert _read_model(service, province) == live, province
        assert result.applied == result.events_read >= _routed(service, province)
        assert result.processes == processes, "the bulk was shared as asked, and no share failed"
        replays += result.events_read - _routed(service, province)
    assert replays > 0  # some province joined a case late and was replayed its earlier events
    assert service.container.dead_letters.parked_counts() == {}
    assert [r for r in caplog.records if r.name == "xborder.rebuild"] == []


def test_a_share_that_cannot_read_a_record_gives_the_rebuild_back_to_one_process(
    make_service: MakeService, caplog: pytest.LogCaptureFixture
) -> None:
    service = make_service(provinces=list(DEMO_PROVINCES), workers=False)
    seed_demo(service.container, cases=MIN_CASES, seed=12)
    province = DEMO_PROVINCES[0]
    transfers = next(s.application for s in service.container.log_sources() if "Transfer" in s.aggregate_type)
    # An event of a class this code does not know, routed to the province (a newer version wrote it).
    with service.container.db.transaction() as conn:
        conn.execute(f"LOCK TABLE {transfers.recorder.events_table_name} IN EXCLUSIVE MODE")
        row = conn.execute(
            f"INSERT INTO {transfers.recorder.events_table_name}"
            " (originator_id, originator_version, topic, state)"
            " VALUES (%s, 1, 'xborder:VehicleTransfer.SomethingNew.v9', %s) RETURNING notification_id",
            (uuid4(), b'{"x": 1}'),
        ).fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO xborder_routes (province, application, notification_id) VALUES (%s, %s, %s)",
            (province, transfers.name, row["notification_id"]),
        )
    dead_letters = service.container.dead_letters
    _project_live(service, province)  # its feed parks what it cannot read, as the live consumer's does
    live = _read_model(service, province)
    parked = dead_letters.parked_counts()
    assert parked == {f"projection-{province}": 1}

    caplog.set_level(logging.WARNING, logger="xborder.rebuild")
    result = rebuild_province(
        service.container.readmodels,
        service.container.log_sources(),
        province,
        dead_letters=dead_letters,
        batch_size=7,
        processes=2,
    )

    assert result.processes == 1
    assert "rebuilding it in one process" in caplog.text
    assert _read_model(service, province) == live  # the shares' writes were thrown away
    assert dead_letters.parked_counts() == parked  # the same letter, not a second one


def test_the_shares_of_a_province_are_its_notifications_split_by_case(make_service: MakeService) -> None:
    service = make_service(provinces=list(DEMO_PROVINCES), workers=False)
    seed_demo(service.container, cases=MIN_CASES, seed=13)
    province, read = DEMO_PROVINCES[0], service.container.db.read
    starts = [(source.application, 1) for source in service.container.log_sources()]
    whole = RoutedNotifications(province, read)(starts, 100_000)
    assert sum(len(notes) for notes in whole.values()) > 50
    for shares in (2, 3):
        parts = [
            RoutedNotifications(province, read, share=(k, shares))(starts, 100_000) for k in range(shares)
        ]
        for name, notes in whole.items():
            assert sorted(n.id for part in parts for n in part[name]) == [n.id for n in notes], name
            for k, part in enumerate(parts):
                assert {share_of(n.originator_id, shares) for n in part[name]} <= {k}, name
        # Case ids are random: a share may happen to be empty, but the cases are split, not all in one.
        assert sum(1 for part in parts if any(part.values())) >= 2
