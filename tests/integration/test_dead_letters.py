"""A record no province can store — recorded behind the API's back, as an import or an older version
might — is parked as a dead letter by every consumer it reaches, and nothing else stops: transfer
commands (which check vehicle holds) keep answering, every province keeps projecting its other cases,
/readyz and `xborder status` say what is parked, and the operator's commands act on it.

Also: a stored event the code cannot read (an unknown event class in the notification log) is parked
by each consumer instead of stopping the country's read models.
"""

from __future__ import annotations

import json
from dataclasses import replace
from uuid import UUID, uuid4

import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, YU, ZHE, Service
from tests.unit.domain.objection_builders import DRIVER, filing, violation
from xborder import cli
from xborder.projections.dead_letters import WAITING_BEHIND
from xborder.workflows.objection.application import ViolationObjections
from xborder.workflows.transfer.application import VehicleTransfers

PARTY_NAME = "李四"
PARTY_ID = "11010519491231002X"


def _cli(monkeypatch: pytest.MonkeyPatch, service: Service, *args: str) -> int:
    settings = service.container.settings
    monkeypatch.setenv("DATABASE_URL", service.container.database_url)
    monkeypatch.setenv("PROVINCES", ",".join(service.container.provinces))
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    return cli.main(list(args))


def test_an_unstorable_record_is_parked_and_nothing_else_stops(
    make_service: MakeService, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = make_service(provinces=[CHUAN, YU, ZHE])
    poisoned = replace(filing(), violation=violation(record_number="3301062026\x00082800123"))
    objection = service.container.application(ViolationObjections).file(
        poisoned, actor=DRIVER, at=service.clock.now()
    )

    # Transfers check vehicle holds, which must first catch up with that objection: still 201.
    transfer = service.apply_for_transfer("川A54321")
    for province in (CHUAN, YU):
        service.wait_for_version(province, transfer["id"], transfer["version"])

    holds = service.parked_letters("vehicle-holds")
    chuan = service.parked_letters(f"projection-{CHUAN}")
    zhe = service.parked_letters(f"projection-{ZHE}")
    for letters, where in ((holds, "reason"), (chuan, "data.violation.record_number"), (zhe, "")):
        assert {letter.aggregate_id for letter in letters} == {objection.id}
        cause = next(letter for letter in letters if letter.version == 1)
        assert cause.event_type == "ObjectionFiled"
        # Refused before PostgreSQL saw it (its message would quote the data into the server log).
        assert cause.error.startswith("UnstorableText"), cause.error
        assert where in cause.error
        assert PARTY_NAME not in cause.error and PARTY_ID not in cause.error
    assert service.doc(CHUAN, objection.id) is None
    assert service.container.dead_letters.list(consumer=f"projection-{YU}") == []

    # The case itself lives on in the event store: commands on it work, and its later events wait
    # behind the parked one instead of being applied over a hole.
    review = service.client.post(
        f"/v1/objections/{objection.id}/review", json={}, headers=service.auth("zhe", ZHE, "traffic_police")
    )
    assert review.status_code == 200, review.text
    behind = service.parked_letters(f"projection-{ZHE}", count=3)
    assert [letter.error for letter in behind if letter.version == review.json()["version"]] == [
        WAITING_BEHIND
    ]

    # Other cases of the same provinces keep being projected after it.
    later = service.apply_for_transfer("川A54322")
    service.wait_for_version(CHUAN, later["id"], later["version"])

    ready = service.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    counts = ready.json()["dead_letters"]
    assert counts[f"projection-{ZHE}"] == 3 and counts["vehicle-holds"] == 3  # filed, forwarded, review

    # The operator's view and commands.
    capsys.readouterr()
    assert _cli(monkeypatch, service, "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    by_name = {row["consumer"]: row for row in status["consumers"]}
    assert by_name[f"projection-{ZHE}"]["parked"] == 3
    assert by_name["vehicle-holds"]["parked"] == 3
    assert by_name[f"projection-{ZHE}"]["lag"] == 0
    assert by_name[f"projection-{YU}"]["parked"] == 0
    assert {letter["aggregate_id"] for letter in status["dead_letters"]} == {str(objection.id)}
    assert PARTY_NAME not in json.dumps(status, ensure_ascii=False)

    first = chuan[0]
    assert _cli(monkeypatch, service, "dead-letters", "retry", str(first.id)) == 1  # still unstorable
    assert service.container.dead_letters.get(first.id).status == "parked"  # type: ignore[union-attr]
    assert _cli(monkeypatch, service, "dead-letters", "discard", str(first.id)) == 0
    assert service.container.dead_letters.get(first.id).status == "discarded"  # type: ignore[union-attr]
    assert _cli(monkeypatch, service, "dead-letters", "discard", str(first.id)) == 1  # not parked any more


def test_a_stored_event_the_code_cannot_read_is_parked_by_each_consumer(make_service: MakeService) -> None:
    service = make_service()
    transfers = service.container.application(VehicleTransfers)
    first = service.apply_for_transfer("川A60001")
    service.wait_for_version(CHUAN, first["id"], first["version"])

    # An event of a class this code does not know (a newer version wrote it, routed to 川 and 渝, or a
    # bad migration).
    unknown = uuid4()
    with service.container.db.transaction() as conn:
        conn.execute("LOCK TABLE vehicletransfers_events IN EXCLUSIVE MODE")
        row = conn.execute(
            "INSERT INTO vehicletransfers_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, 1, 'xborder:VehicleTransfer.SomethingNew.v9', %s) RETURNING notification_id",
            (unknown, b'{"x": 1}'),
        ).fetchone()
        assert row is not None
        for province in (CHUAN, YU):
            conn.execute(
                "INSERT INTO xborder_routes (province, application, notification_id) VALUES (%s, %s, %s)",
                (province, transfers.name, row["notification_id"]),
            )
    second = service.apply_for_transfer("川A60002")
    for province in (CHUAN, YU):
        service.wait_for_version(province, second["id"], second["version"])
    assert service.container.dead_letters.list(consumer="projection-310000") == [], "not routed to 上海"
    for consumer in (f"projection-{CHUAN}", f"projection-{YU}", "deadline-watcher"):
        letters = service.parked_letters(consumer)
        assert [(letter.aggregate_id, letter.version, letter.event_type) for letter in letters] == [
            (unknown, 1, None)
        ]
        assert letters[0].source == transfers.name
    assert all(worker.running and not worker.error for worker in service.container.workers)


def test_retrying_a_parked_case_applies_it_from_the_event_store(make_service: MakeService) -> None:
    """A case parked for a passing reason (here: its letter is forged, as if an earlier failure had
    parked it) is applied again by `retry`, and its later events flow normally after that."""
    service = make_service()
    created = service.apply_for_transfer("川A70001")
    case_id = UUID(created["id"])
    service.wait_for_version(YU, case_id, created["version"])
    consumer = f"projection-{YU}"
    with service.container.db.transaction() as conn:
        conn.execute(
            "INSERT INTO xborder_dead_letters (consumer, source, position, aggregate_type, aggregate_id,"
            " version, event_type, error) VALUES (%s, 'test', 1, 'VehicleTransfer', %s, 3, 'X', 'test')",
            (consumer, case_id),
        )
    release = service.client.post(
        f"/v1/transfers/{case_id}/archive-release",
        json={"archive_ref": "ARC-1"},
        headers=service.auth("chuan", CHUAN, "vehicle_admin"),
    )
    assert release.status_code == 200, release.text
    service.wait_for_version(CHUAN, case_id, 3)
    parked = service.parked_letters(consumer, count=2)
    assert service.doc(YU, case_id)["version"] == 2  # type: ignore[index]

    from xborder.operations import redelivery

    message = redelivery(service.container).retry(parked[0].id)
    assert "applied up to version 3" in message
    assert service.doc(YU, case_id)["version"] == 3  # type: ignore[index]
    assert service.container.dead_letters.list(consumer=consumer) == []
    assert service.doc(YU, case_id) == service.doc(CHUAN, case_id)
