"""The topics the service creates: each province's delivery topic with KAFKA_PROVINCE_PARTITIONS (one
by default), the national stream's with KAFKA_PARTITIONS. A province's topic is read by one consumer
group, which keeps order per case; a consumer reading many provinces' topics fetches every partition
of them on every poll, so partitions it does not need cost every delivery (docs/decisions.md)."""

from __future__ import annotations

from kafka import KafkaAdminClient

from tests.integration.conftest import MakeService
from tests.support.tansu import TansuBroker
from xborder.domain.provinces import PROVINCES
from xborder.domain.routing import province_topic
from xborder.infra.settings import Settings


def test_province_topics_get_their_own_partition_count(
    make_service: MakeService, broker: TansuBroker
) -> None:
    # Its workers (the relay, the provinces' consumer) create the topics before they start.
    service = make_service(
        "kafka", kafka_partitions=2, kafka_province_partitions=1, kafka_national_stream=True
    )
    topics = service.container.delivery_topics()

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers, client_id="test-admin")
    try:
        partitions = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(topics)}
    finally:
        admin.close()

    provinces = {province_topic(p.code) for p in PROVINCES}
    assert {topic: partitions[topic] for topic in provinces} == dict.fromkeys(provinces, 1)
    national = set(topics) - provinces
    assert national  # the national stream is on: its per-workflow topics exist too
    assert {topic: partitions[topic] for topic in national} == dict.fromkeys(national, 2)


def test_a_province_topic_has_one_partition_by_default() -> None:
    assert Settings.model_fields["kafka_province_partitions"].default == 1
