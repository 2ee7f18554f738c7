"""The routes a save writes (`insert_routes`, and the recorder's insert): one row per event and province
it reaches, and a row already there — a backfill racing a save — kept, not an error."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from psycopg import sql

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


def test_a_save_writes_its_events_and_their_routes_in_one_statement_or_nothing(
    make_service: MakeService,
) -> None:
    """The recorder's own insert (the events' lock held for one round trip): the ids come back in the
    events' order, each event's routes carry its id, and a save that conflicts with a version already
    stored is refused as the library refuses it, leaving neither events nor routes behind."""
    container = make_service(workers=False).container
    app = next(iter(container.applications.values()))
    recorder = app.recorder
    case, other = uuid4(), uuid4()
    events = [StoredEvent(case, version, "test:Event", b"{}") for version in (1, 2)] + [
        StoredEvent(other, 1, "test:Event", b"{}")
    ]
    routes = EventRoutes(app.name, [["510000"], ["510000", "500000"], ["520000"]])
    ids = recorder.insert_events(events, routes=routes)
    assert ids is not None and len(ids) == 3 and list(ids) == sorted(ids)
    with container.db.read() as conn:
        rows = conn.execute(
            "SELECT province, notification_id FROM xborder_routes WHERE application = %s"
            " AND notification_id = ANY(%s) ORDER BY notification_id, province",
            (app.name, list(ids)),
        ).fetchall()
        stored = conn.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version FROM {}.{}"
                " WHERE notification_id = ANY(%s) ORDER BY notification_id"
            ).format(sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name)),
            (list(ids),),
        ).fetchall()
    assert [(row["originator_id"], row["originator_version"]) for row in stored] == [
        (case, 1),
        (case, 2),
        (other, 1),
    ]
    assert [(row["province"], row["notification_id"]) for row in rows] == [
        ("510000", ids[0]),
        ("500000", ids[1]),
        ("510000", ids[1]),
        ("520000", ids[2]),
    ]

    # Version 2 again, with a new version 3: the whole save is refused.
    clash = [StoredEvent(case, 2, "test:Event", b"{}"), StoredEvent(case, 3, "test:Event", b"{}")]
    with pytest.raises(IntegrityError):
        recorder.insert_events(clash, routes=EventRoutes(app.name, [["310000"], ["310000"]]))
    with container.db.read() as conn:
        left = conn.execute("SELECT count(*) AS n FROM xborder_routes WHERE province = '310000'").fetchone()
        assert left is not None and left["n"] == 0
    assert [e.originator_version for e in recorder.select_events(case)] == [1, 2]
    # The recorder is usable after the refusal (the pipeline and the connection were left clean).
    assert recorder.insert_events([StoredEvent(case, 3, "test:Event", b"{}")], routes=None)
