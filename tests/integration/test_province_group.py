"""The provinces whose read models share the database are projected by one consumer, together, and
each still holds only its own cases with its own positions: the batches of every province commit in one
transaction or not at all, and a gap stops the province it is in — not the others."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from psycopg import sql

from tests.integration.conftest import MakeService
from tests.integration.test_projection_guards import APPLIED, _record
from tests.support.service import CHUAN, HU, YU, ZHE
from tests.support.waiting import wait_until
from xborder.consumers.province_group import ProvinceGroupConsumer
from xborder.projections.casedoc import ProjectionGapError
from xborder.projections.dead_letters import WAITING_BEHIND, Parking
from xborder.projections.schema import schema_name


def test_batches_applied_together_commit_together_or_not_at_all(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False, provinces=[CHUAN, YU])
    readmodels = service.container.readmodels
    parkings = {
        code: Parking(service.container.dead_letters, f"projection-{code}", fatal=(ProjectionGapError,))
        for code in (CHUAN, YU)
    }
    case_id, other = uuid4(), uuid4()
    results = readmodels.apply_together(
        {
            CHUAN: [_record(case_id, 1, "TransferApplied", APPLIED, 11)],
            YU: [_record(case_id, 1, "TransferApplied", APPLIED, 11)],
        },
        parkings,
    )
    assert {code: result.applied for code, result in results.items()} == {CHUAN: 1, YU: 1}

    # 渝's batch holds a gap: 川's batch, fine on its own, is rolled back with it.
    with pytest.raises(ProjectionGapError):
        readmodels.apply_together(
            {
                CHUAN: [_record(other, 1, "TransferApplied", APPLIED, 12)],
                YU: [_record(case_id, 3, "ArchiveReleased", {"archive_ref": "A"}, 12)],
            },
            parkings,
        )
    assert readmodels.get(CHUAN, other) is None
    # Neither province's positions moved past what it holds.
    assert readmodels.load_positions(CHUAN) == readmodels.load_positions(YU) == {"test-source": 11}


@pytest.mark.parametrize("mode", ["embedded", "kafka"])
def test_a_gap_in_one_province_stops_that_province_and_the_others_go_on(
    make_service: MakeService, mode: str
) -> None:
    """In Kafka mode the provinces' delivery topics are read by one consumer, each topic's records
    handed to its province alone."""
    service = make_service(mode, provinces=[CHUAN, YU, HU, ZHE])
    container = service.container
    group = next(w for w in container.workers if isinstance(w, ProvinceGroupConsumer))
    assert sorted(group.provinces) == sorted([CHUAN, YU, HU, ZHE])
    service.client.app.state.expect_workers = True  # type: ignore[attr-defined]

    first = service.apply_for_transfer("川A10001")
    for province in (CHUAN, YU):
        service.wait_for_version(province, first["id"], first["version"])

    # 渝 loses the case's row (a restore gone wrong): its next event finds a gap there, not in 川.
    with container.db.transaction() as conn:
        conn.execute(
            sql.SQL("DELETE FROM {}.cases WHERE id = %s").format(sql.Identifier(schema_name(YU))),
            (UUID(first["id"]),),
        )
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    released = service.client.post(
        f"/v1/transfers/{first['id']}/archive-release", json={"archive_ref": "A"}, headers=chuan
    )
    assert released.status_code == 200, released.text
    service.wait_for_version(CHUAN, first["id"], released.json()["version"])
    wait_until(lambda: YU in group.stopped, timeout=30, what="渝's projection to stop on the gap")
    assert group.running, "the consumer goes on for the other provinces"
    assert group.error is not None and YU in group.error and "version" in group.error
    assert container.readmodels.get(YU, UUID(first["id"])) is None  # nothing applied over the hole

    # 川 (beside the stopped 渝) and a province that shares no case with 渝 keep projecting.
    second = service.apply_for_transfer("川A10002")
    service.wait_for_version(CHUAN, second["id"], second["version"])
    ready = service.client.get("/readyz")
    assert ready.status_code == 503
    assert any(w["error"] and YU in w["error"] for w in ready.json()["workers"])


def _parkings(service: object, *codes: str) -> dict[str, Parking]:
    letters = service.container.dead_letters  # type: ignore[attr-defined]
    return {code: Parking(letters, f"projection-{code}", fatal=(ProjectionGapError,)) for code in codes}


def test_a_case_parked_in_one_province_holds_back_its_events_there_only(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False, provinces=[CHUAN, YU])
    readmodels, letters = service.container.readmodels, service.container.dead_letters
    parkings = _parkings(service, CHUAN, YU)
    case_id = uuid4()
    first = _record(case_id, 1, "TransferApplied", APPLIED, 11)
    with service.container.db.transaction() as conn:  # 川 could not apply the case's first event
        letters.park(conn, parkings[CHUAN].consumer, first, "poison")

    results = readmodels.apply_together(
        {CHUAN: [_record(case_id, 2, "ArchiveRequested", {}, 12)], YU: [first]}, parkings
    )

    assert (results[CHUAN].applied, results[CHUAN].parked) == (0, 1)
    assert (results[YU].applied, results[YU].parked) == (1, 0)
    assert readmodels.get(CHUAN, case_id) is None
    assert readmodels.get(YU, case_id) is not None
    assert [letter.error for letter in letters.list(consumer=parkings[CHUAN].consumer)] == [
        "poison",
        WAITING_BEHIND,
    ]
    assert letters.list(consumer=parkings[YU].consumer) == []
    # Both provinces' positions moved past what they were handed: the parked record waits as a letter.
    assert readmodels.load_positions(CHUAN) == {"test-source": 12}
    assert readmodels.load_positions(YU) == {"test-source": 11}
