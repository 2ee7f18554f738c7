"""Poison on the provinces' delivery topics, in the service as it runs in Kafka mode: an undecodable
message and a message of an unknown schema version land in the dead-letter table, every province's
consumer goes on with the other cases, and the poisoned case is healed from the event store by `retry`."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, YU
from xborder.domain.routing import province_topic
from xborder.infra.kafka import make_producer
from xborder.operations import redelivery, statuses
from xborder.projections.dead_letters import WAITING_BEHIND

pytestmark = pytest.mark.kafka


def test_poison_messages_are_parked_and_the_case_is_healed_from_the_event_store(
    make_service: MakeService,
) -> None:
    service = make_service("kafka")
    victim = service.apply_for_transfer("川A80001")
    case_id = UUID(victim["id"])
    for province in (CHUAN, YU):
        service.wait_for_version(province, case_id, 2)

    servers = service.container.settings.kafka_bootstrap_servers
    assert servers
    producer = make_producer(servers, client_id="test-poisoner")
    try:
        for topic in (province_topic(CHUAN), province_topic(YU)):
            # Bytes that are no envelope at all, with no key: nobody can tell which case they were.
            producer.send(topic, key=None, value=b"\x00\xff not json").get(timeout=20)
            # A well-formed message of a schema this code does not know, claiming the victim's next version.
            future_schema = {"schema": "xborder.event/2", "aggregate_id": str(case_id), "version": 3}
            producer.send(
                topic,
                key=str(case_id).encode(),
                value=json.dumps(future_schema).encode(),
                headers=[("version", b"3"), ("aggregate_type", b"VehicleTransfer")],
            ).get(timeout=20)
    finally:
        producer.close(timeout=5)

    # The victim's real next event, and a case that has nothing to do with the poison.
    release = service.client.post(
        f"/v1/transfers/{case_id}/archive-release",
        json={"archive_ref": "ARC-510-2026-0009"},
        headers=service.auth("chuan", CHUAN, "vehicle_admin"),
    )
    assert release.status_code == 200, release.text
    bystander = service.apply_for_transfer("川A80002")
    for province in (CHUAN, YU):
        service.wait_for_version(province, bystander["id"], 2)  # the consumers went on

    for province in (CHUAN, YU):
        letters = service.parked_letters(f"projection-{province}", count=3)
        unreadable = [letter for letter in letters if letter.event_type is None]
        assert sorted(str(letter.aggregate_id) for letter in unreadable) == sorted(["None", str(case_id)])
        assert all("not a valid envelope" in letter.error for letter in unreadable)
        waiting = [letter for letter in letters if letter.error == WAITING_BEHIND]
        assert [(w.aggregate_id, w.version, w.event_type) for w in waiting] == [
            (case_id, 3, "ArchiveReleased")
        ]
        assert service.doc(province, case_id)["version"] == 2  # type: ignore[index]
    ready = service.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["dead_letters"][f"projection-{CHUAN}"] == 3
    rows = {status.name: status for status in statuses(service.container)}
    assert rows[f"projection-{CHUAN}"].parked == 3

    # The operator retries the case: it is applied from the event store, not from the poisoned topic.
    for province in (CHUAN, YU):
        consumer = f"projection-{province}"
        keyed = next(
            letter
            for letter in service.container.dead_letters.list(consumer=consumer)
            if letter.aggregate_id == case_id
        )
        assert "applied up to version 3" in redelivery(service.container).retry(keyed.id)
        assert service.doc(province, case_id)["version"] == 3  # type: ignore[index]
        left = service.container.dead_letters.list(consumer=consumer)
        assert [letter.aggregate_id for letter in left] == [None]  # only the keyless bytes remain

    # After the retry the case flows normally again.
    verify = service.client.post(
        f"/v1/transfers/{case_id}/archive-verification",
        json={"accepted": True},
        headers=service.auth("yu", YU, "vehicle_admin"),
    )
    assert verify.status_code == 200, verify.text
    for province in (CHUAN, YU):
        service.wait_for_version(province, case_id, 4)
    assert service.doc(CHUAN, case_id) == service.doc(YU, case_id)
