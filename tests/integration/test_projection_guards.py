"""The projection's exactly-once guards against the real database: duplicates skipped, a gap stops
the consumer loudly (and /readyz says so), positions move only with the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, YU
from tests.support.waiting import wait_until
from xborder.consumers.projection import ProjectionConsumer
from xborder.infra.contracts import DeadlineChanges, Envelope, event_id_for
from xborder.infra.feeds import FeedRecord
from xborder.projections.casedoc import ProjectionGapError


def _record(case_id: object, version: int, kind: str, data: dict[str, object], position: int) -> FeedRecord:
    envelope = Envelope(
        event_id=event_id_for(case_id, version),  # type: ignore[arg-type]
        aggregate_type="VehicleTransfer",
        aggregate_id=case_id,  # type: ignore[arg-type]
        version=version,
        type=kind,
        occurred_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
        provinces=[CHUAN, YU],
        actor={"sub": "t", "province": YU, "role": "owner", "org": None},
        status="archive_requested",  # what the aggregate decided: read models copy it, never derive it
        awaiting=[],
        data=data,
    )
    return FeedRecord(envelope=envelope, source="test-source", next_position=position)


APPLIED = {
    "plate": "川A12345",
    "vin": "1M8GDM9AXKP042788",
    "vehicle_type": "small_passenger",
    "use": "non_commercial",
    "owner": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
    "origin": CHUAN,
    "destination": YU,
    "destination_city": "渝北",
    "residence_proof": "RP",
    "mortgagee": None,
}


def test_duplicates_are_skipped_and_a_gap_changes_nothing(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    readmodels = service.container.readmodels
    case_id = uuid4()
    first = _record(case_id, 1, "TransferApplied", APPLIED, 11)
    assert readmodels.apply(CHUAN, [first]).applied == 1
    again = readmodels.apply(CHUAN, [first, _record(case_id, 2, "ArchiveRequested", {}, 12)])
    assert (again.applied, again.duplicates) == (1, 1)

    with pytest.raises(ProjectionGapError):
        readmodels.apply(
            CHUAN,
            [
                _record(case_id, 3, "ArchiveReleased", {"archive_ref": "A"}, 13),
                _record(case_id, 5, "ArchiveVerified", {"reason": ""}, 15),
            ],
        )
    doc = readmodels.get(CHUAN, case_id)
    assert doc is not None and doc["version"] == 2, "the failed batch must leave nothing behind"
    assert readmodels.load_positions(CHUAN) == {"test-source": 12}
    # another province's events are never applied, only their positions move
    assert readmodels.apply("310000", [first]).foreign == 1
    assert readmodels.get("310000", case_id) is None


class _GapFeed:
    def __init__(self, records: list[FeedRecord]) -> None:
        self.records = records

    def poll(self, timeout: float) -> list[FeedRecord]:
        records, self.records = self.records, []
        return records

    def rewind(self) -> None: ...

    def interrupt(self) -> None: ...

    def close(self) -> None: ...


def test_a_gap_stops_the_consumer_and_readiness_reports_it(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    case_id = uuid4()
    consumer = ProjectionConsumer(
        CHUAN, _GapFeed([_record(case_id, 2, "ArchiveRequested", {}, 1)]), service.container.readmodels
    )
    service.container.workers.append(consumer)
    service.client.app.state.expect_workers = True  # type: ignore[attr-defined]
    consumer.start()
    wait_until(lambda: not consumer.running, timeout=10, what="the consumer to stop")
    assert consumer.error is not None and "version 2" in consumer.error
    ready = service.client.get("/readyz")
    assert ready.status_code == 503
    assert any(w["error"] for w in ready.json()["workers"])


def test_the_deadline_table_ignores_replays_to_late_joiners(make_service: MakeService) -> None:
    """A replayed earlier event must not reopen a clock that a later event already closed."""
    service = make_service("embedded", workers=False)
    table = service.container.deadlines
    case_id = uuid4()
    due = datetime(2026, 11, 24, 15, 59, 59, tzinfo=UTC)
    opening = _record(case_id, 2, "ArchiveRequested", {}, 1).envelope.model_copy(
        update={"deadlines": DeadlineChanges(opened={"archive_release": due})}
    )
    replayed = opening.model_copy(update={"catch_up": True, "provinces": ["610000"]})
    table.apply([FeedRecord(replayed, "test-source", 2)])
    assert table.due(due + timedelta(days=1)) == []
    table.apply([FeedRecord(opening, "test-source", 3)])
    assert [d.name for d in table.due(due + timedelta(days=1))] == ["archive_release"]


def test_waiting_reads_are_handed_only_the_cases_at_their_version_or_later(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    readmodels = service.container.readmodels
    case_id, behind, unknown = uuid4(), uuid4(), uuid4()
    readmodels.apply(
        CHUAN,
        [
            _record(case_id, 1, "TransferApplied", APPLIED, 11),
            _record(case_id, 2, "ArchiveRequested", {}, 12),
            _record(behind, 1, "TransferApplied", APPLIED, 13),
        ],
    )

    found = readmodels.reached(CHUAN, {case_id: 2, behind: 2, unknown: 1})

    assert set(found) == {case_id}
    assert found[case_id]["version"] == 2 and found[case_id]["id"] == str(case_id)
    assert readmodels.reached(CHUAN, {case_id: 1})[case_id]["version"] == 2  # later is fine
    assert readmodels.reached(CHUAN, {}) == {}
