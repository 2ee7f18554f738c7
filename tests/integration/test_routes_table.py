"""The routes a save writes (`insert_routes`): one row per event and province it reaches, and a row
already there — a backfill racing a save — kept, not an error."""

from __future__ import annotations

from tests.integration.conftest import MakeService
from xborder.domain.routing import EventRoutes
from xborder.infra.postgres.recorder import insert_routes


def test_every_event_is_routed_to_each_of_its_provinces_once(make_service: MakeService) -> None:
    db = make_service(workers=False).container.db
    application = "RoutesUnderTest"
    with db.transaction() as conn, conn.cursor() as curs:
        insert_routes(
            curs, EventRoutes(application, [["510000", "500000"], ["510000", "500000", "520000"]]), [7, 8]
        )
    with db.transaction() as conn, conn.cursor() as curs:
        # 8 again (a backfill that read it before the save committed) and 9, new.
        insert_routes(curs, EventRoutes(application, [["520000", "510000"], ["310000"]]), [8, 9])
        insert_routes(curs, EventRoutes(application, [[]]), [10])  # routed nowhere: nothing written
    with db.read() as conn:
        rows = conn.execute(
            "SELECT province, notification_id FROM xborder_routes WHERE application = %s"
            " ORDER BY notification_id, province",
            (application,),
        ).fetchall()
    assert [(row["province"], row["notification_id"]) for row in rows] == [
        ("500000", 7),
        ("510000", 7),
        ("500000", 8),
        ("510000", 8),
        ("520000", 8),
        ("310000", 9),
    ]
