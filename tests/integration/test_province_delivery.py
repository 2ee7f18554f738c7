"""Each province receives exactly the events of the cases it is involved in — in Kafka mode on its own
delivery topic, read raw from the broker; in embedded mode from what its consumer's feed hands it.

The scenario: a 川→渝 transfer, a 川→渝贵云 hit-and-run with 陕 added later (陕 receives the case's
earlier events as a catch-up replay), and a 渝 rescue with a 川 police unit. Every other province's
topic and feed stays empty.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.integration.conftest import MakeService
from tests.integration.test_hit_and_run_scenario import CASE_BODY
from tests.integration.test_rescue_scenario import RESCUE_BODY
from tests.support.service import CHUAN, TRANSFER_BODY, YU, Service
from tests.support.waiting import wait_until
from xborder.consumers.relay import RelayPositions
from xborder.domain.provinces import PROVINCES
from xborder.domain.routing import province_topic
from xborder.infra.contracts import Envelope
from xborder.infra.feeds import FeedRecord

GUI, YUN, SHAAN = "520000", "530000", "610000"
ALL = [p.code for p in PROVINCES]

CaseVersion = tuple[UUID, int]


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def _run_scenario(service: Service) -> None:
    post = service.client.post
    _ok(post("/v1/transfers", json=TRANSFER_BODY, headers=service.auth("a", YU, "owner")), 201)

    chuan = service.auth("inv-chuan", CHUAN, "investigator")
    case = _ok(post("/v1/hit-and-runs", json=CASE_BODY, headers=chuan), 201)["id"]
    _ok(post(f"/v1/hit-and-runs/{case}/assistance-requests", json={"targets": [YU, GUI, YUN]}, headers=chuan))
    _ok(
        post(
            f"/v1/hit-and-runs/{case}/acknowledgements",
            json={},
            headers=service.auth("i", YU, "investigator"),
        )
    )
    _ok(post(f"/v1/hit-and-runs/{case}/assistance-requests", json={"targets": [SHAAN]}, headers=chuan))

    dispatcher = service.auth("yu-120", YU, "dispatcher")
    rescue = _ok(post("/v1/rescues", json=RESCUE_BODY, headers=dispatcher), 201)["id"]
    _ok(
        post(
            f"/v1/rescues/{rescue}/police-dispatch",
            json={"unit": "四川高速公路交警六支队三大队", "province": CHUAN},
            headers=dispatcher,
        )
    )


def _expected(service: Service) -> dict[str, Counter[CaseVersion]]:
    """The oracle, from the event store: a province involved in a case (named by its latest event)
    receives every version of it once — from its first event, or by catch-up replay when it joined."""
    expected: dict[str, Counter[CaseVersion]] = {code: Counter() for code in ALL}
    for app in service.container.applications.values():
        latest: dict[UUID, Any] = {}
        for notification in app.recorder.select_notifications(start=1, limit=10_000):
            event = app.mapper.to_domain_event(notification)
            latest[event.originator_id] = event
        for case_id, event in latest.items():
            for code in event.provinces:
                expected[code].update((case_id, v) for v in range(1, event.originator_version + 1))
    return expected


def _received(envelopes: list[Envelope]) -> Counter[CaseVersion]:
    return Counter((e.aggregate_id, e.version) for e in envelopes)


@pytest.mark.kafka
def test_each_province_topic_holds_exactly_its_cases(make_service: MakeService) -> None:
    service = make_service("kafka", provinces=[CHUAN, YU])
    _run_scenario(service)
    expected = _expected(service)
    assert set(expected[SHAAN]) and set(expected[GUI]) and not expected["310000"]

    positions = RelayPositions(service.container.db)
    apps = service.container.applications.values()
    wait_until(
        lambda: all(positions.last(app.name) >= (app.recorder.max_notification_id() or 0) for app in apps),
        timeout=30,
        what="the relay to publish every event",
    )
    servers = service.container.settings.kafka_bootstrap_servers
    consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False, group_id=None)
    try:
        for code in ALL:
            topic = province_topic(code)
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            assert partitions, f"{topic} exists"
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            ends = consumer.end_offsets(partitions)
            envelopes: list[Envelope] = []
            while any(consumer.position(tp) < ends[tp] for tp in partitions):
                for records in consumer.poll(timeout_ms=1000).values():
                    envelopes += [Envelope.model_validate_json(r.value) for r in records]
            assert all(code in e.provinces for e in envelopes), (
                f"{topic} holds only envelopes addressed to it"
            )
            assert _received(envelopes) == expected[code], f"{topic} holds exactly the cases of {code}"
        national = [spec.topic for spec in service.container.workflows]
        assert not set(national) & set(consumer.topics()), "no national stream unless it is switched on"
    finally:
        consumer.close()


def test_each_province_feed_hands_over_exactly_its_cases(make_service: MakeService) -> None:
    service = make_service("embedded", provinces=[CHUAN, YU])
    _run_scenario(service)
    expected = _expected(service)
    for code in ALL:
        feed = service.container.province_feed(code, load_positions=dict)  # from the beginning
        handed: list[FeedRecord] = []
        while batch := feed.poll(0.01):
            handed += batch
        feed.close()
        assert _received([r.envelope for r in handed]) == expected[code], code
    assert len(expected[SHAAN]) == len(expected[GUI]) > 2, "陕 received the case's history on joining"
