"""Limits on what one client can make the service do: body size (413), per-caller rate (429), and how
long an Idempotency-Key is remembered (expiry, and the janitor that deletes expired records)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.integration.conftest import DEFAULT_START, MakeService
from tests.support.builders import plate_for
from tests.support.service import CHUAN, TRANSFER_BODY, YU, Service
from tests.support.waiting import wait_until
from xborder.bootstrap import WORKER_KINDS
from xborder.consumers.janitor import IdempotencyJanitor
from xborder.infra.clock import SettableClock
from xborder.infra.postgres.recorder import IDEMPOTENCY_TABLE

MIB = 1024 * 1024
PROBLEM = "application/problem+json"
RATE_LIMIT_FIELDS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
# So slow that no bucket refills measurably while a test runs: counts are then exact, never timed.
TRICKLE = 0.001


def _transfer(n: int) -> dict[str, Any]:
    return {**TRANSFER_BODY, "plate": plate_for(n)}


def _padded_body(size: int) -> bytes:
    """A syntactically valid JSON transfer body of `size` bytes (the padding is an unknown field, which
    would get 422 if the body were ever parsed)."""
    head = json.dumps({**TRANSFER_BODY, "padding": ""}, ensure_ascii=False).encode()
    return head[:-2] + b"x" * (size - len(head)) + head[-2:]


def _idempotency_rows(service: Service) -> list[tuple[str, str]]:
    with service.container.db.transaction() as conn:
        rows = conn.execute(f"SELECT caller, key FROM {IDEMPOTENCY_TABLE} ORDER BY key").fetchall()
    return [(row["caller"], row["key"]) for row in rows]


# ------------------------------------------------------------------------------------------- body size
def test_a_5_mib_body_is_refused_with_413_before_anything_is_recorded(make_service: MakeService) -> None:
    service = make_service(workers=False)
    owner = {**service.auth("alice", YU, "owner"), "Content-Type": "application/json"}
    events = service.event_count()

    response = service.client.post("/v1/transfers", content=_padded_body(5 * MIB), headers=owner)

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "body.too_large"
    assert response.json()["status"] == 413
    assert service.event_count() == events


def test_a_chunked_body_without_content_length_is_counted_and_refused(make_service: MakeService) -> None:
    service = make_service(workers=False)
    owner = {**service.auth("alice", YU, "owner"), "Content-Type": "application/json"}
    body = _padded_body(5 * MIB)
    events = service.event_count()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    request = service.client.build_request("POST", "/v1/transfers", content=chunks(), headers=owner)
    assert "content-length" not in request.headers  # sent chunked: only counting can catch it
    response = service.client.send(request)

    assert response.status_code == 413
    assert response.json()["code"] == "body.too_large"
    assert service.event_count() == events


def test_the_body_limit_is_a_setting_and_bodies_within_it_are_served(make_service: MakeService) -> None:
    service = make_service(workers=False, max_body_bytes=4096)
    owner = {**service.auth("alice", YU, "owner"), "Content-Type": "application/json"}

    within = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert within.status_code == 201
    events = service.event_count()

    over = service.client.post("/v1/transfers", content=_padded_body(4097), headers=owner)
    assert over.status_code == 413
    assert "4096" in over.json()["detail"]
    assert service.event_count() == events


# ------------------------------------------------------------------------------------------ rate limit
def test_commands_over_the_callers_rate_get_429_and_other_callers_are_unaffected(
    make_service: MakeService,
) -> None:
    service = make_service(workers=False, rate_limit_commands_burst=2, rate_limit_commands_per_second=TRICKLE)
    alice = service.auth("alice", YU, "owner")

    first = service.client.post("/v1/transfers", json=_transfer(1), headers=alice)
    second = service.client.post("/v1/transfers", json=_transfer(2), headers=alice)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.headers["RateLimit-Limit"] == "2"
    assert (first.headers["RateLimit-Remaining"], second.headers["RateLimit-Remaining"]) == ("1", "0")
    assert int(second.headers["RateLimit-Reset"]) > 1000  # two tokens at one per 1000 s
    events = service.event_count()

    refused = service.client.post("/v1/transfers", json=_transfer(3), headers=alice)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "rate.limited"
    # At one command per 1000 s, the next token is (nearly) 1000 s away.
    assert 900 < int(refused.headers["Retry-After"]) <= 1000
    assert refused.headers["RateLimit-Limit"] == "2"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert int(refused.headers["RateLimit-Reset"]) > 1000
    assert service.event_count() == events

    # Another account, and the same account in another role or province, are other callers.
    others = (
        service.auth("bob", YU, "owner"),
        service.auth("alice", CHUAN, "owner"),
        service.auth("alice", YU, "vehicle_admin"),
    )
    for n, other in enumerate(others, start=10):
        answer = service.client.post("/v1/transfers", json=_transfer(n), headers=other)
        assert answer.status_code != 429, answer.text
        assert answer.headers["RateLimit-Remaining"] == "1"

    # Reads draw on their own bucket: the caller out of commands can still look at its case.
    case_id = first.json()["id"]
    read = service.client.get(f"/v1/transfers/{case_id}", headers=alice)
    assert read.status_code != 429
    assert all(name in read.headers for name in RATE_LIMIT_FIELDS)


def test_reads_over_the_callers_rate_get_429_and_probes_are_never_limited(make_service: MakeService) -> None:
    service = make_service(workers=False, rate_limit_reads_burst=3, rate_limit_reads_per_second=TRICKLE)
    clerk = service.auth("yu-admin", YU, "vehicle_admin")

    answers = [service.client.get("/v1/inbox", headers=clerk) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert 900 < int(answers[-1].headers["Retry-After"]) <= 1000
    assert answers[-1].json()["code"] == "rate.limited"
    assert service.client.get("/v1/inbox", headers=service.auth("hu-admin", YU, "vehicle_admin")).is_success

    for path in ("/healthz", "/readyz", "/metrics"):
        for _ in range(5):
            probe = service.client.get(path)
            assert probe.status_code in (200, 503), path
            assert "RateLimit-Limit" not in probe.headers


def test_unauthenticated_requests_carry_no_rate_limit_fields(make_service: MakeService) -> None:
    service = make_service(workers=False)
    response = service.client.get("/v1/inbox")
    assert response.status_code == 401
    assert not any(name in response.headers for name in RATE_LIMIT_FIELDS)


def test_the_rate_limit_can_be_switched_off_for_a_gateway_to_enforce(make_service: MakeService) -> None:
    service = make_service(
        workers=False,
        rate_limit_enabled=False,
        rate_limit_reads_burst=1,
        rate_limit_reads_per_second=TRICKLE,
    )
    clerk = service.auth("yu-admin", YU, "vehicle_admin")
    answers = [service.client.get("/v1/inbox", headers=clerk) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "RateLimit-Limit" not in answers[0].headers


# ------------------------------------------------------------------------------ idempotency retention
def test_an_expired_idempotency_key_runs_the_command_anew(make_service: MakeService) -> None:
    clock = SettableClock(DEFAULT_START)
    service = make_service(workers=False, clock=clock, idempotency_retention_hours=24)
    headers = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "apply-1"}
    first = service.client.post("/v1/transfers", json=_transfer(1), headers=headers)
    assert first.status_code == 201
    clock.advance(timedelta(hours=23))
    headers = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "apply-1"}
    within = service.client.post("/v1/transfers", json=_transfer(1), headers=headers)
    assert within.headers.get("Idempotent-Replayed") == "true"
    assert within.json() == first.json()
    events = service.event_count()

    clock.advance(timedelta(hours=2))  # 25 h after the first answer: forgotten
    headers = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "apply-1"}
    fresh = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "apply-2"}
    anew = service.client.post("/v1/transfers", json=_transfer(1), headers=headers)
    assert anew.status_code == 201
    assert "Idempotent-Replayed" not in anew.headers
    assert anew.json()["id"] != first.json()["id"]
    assert service.event_count() == events + 2
    # The replaced record is the new answer (the janitor never ran: expiry is exact without it)...
    again = service.client.post("/v1/transfers", json=_transfer(1), headers=headers)
    assert (again.json(), again.headers.get("Idempotent-Replayed")) == (anew.json(), "true")
    assert _idempotency_rows(service) == [("alice|500000|owner", "apply-1")]

    # A key first used now replays as before.
    created = service.client.post("/v1/transfers", json=_transfer(2), headers=fresh)
    replayed = service.client.post("/v1/transfers", json=_transfer(2), headers=fresh)
    assert (created.status_code, replayed.headers.get("Idempotent-Replayed")) == (201, "true")
    assert replayed.json() == created.json()
    assert service.event_count() == events + 4


def test_an_expired_key_with_another_body_is_a_new_request_not_a_reuse(make_service: MakeService) -> None:
    clock = SettableClock(DEFAULT_START)
    service = make_service(workers=False, clock=clock, idempotency_retention_hours=1)
    headers = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "k"}
    assert service.client.post("/v1/transfers", json=_transfer(1), headers=headers).status_code == 201
    reused = service.client.post("/v1/transfers", json=_transfer(2), headers=headers)
    assert reused.json()["code"] == "idempotency.key_reused"

    clock.advance(timedelta(minutes=61))
    headers = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "k"}
    assert service.client.post("/v1/transfers", json=_transfer(2), headers=headers).status_code == 201


def test_the_janitor_deletes_expired_records_in_batches_and_keeps_current_ones(
    make_service: MakeService,
) -> None:
    clock = SettableClock(DEFAULT_START)
    service = make_service(
        workers=False,
        clock=clock,
        idempotency_retention_hours=24,
        idempotency_cleanup_batch_size=2,
        idempotency_cleanup_interval_seconds=0.05,
    )
    owner = service.auth("alice", YU, "owner")
    for n in range(5):
        headers = {**owner, "Idempotency-Key": f"old-{n}"}
        assert service.client.post("/v1/transfers", json=_transfer(n), headers=headers).status_code == 201
    clock.advance(timedelta(hours=25))
    headers = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "new-0"}
    assert service.client.post("/v1/transfers", json=_transfer(9), headers=headers).status_code == 201
    assert len(_idempotency_rows(service)) == 6

    # `xborder serve` starts every kind in WORKER_KINDS; the janitor is one of them.
    assert "janitor" in WORKER_KINDS
    service.container.start_workers(["janitor"])
    (janitor,) = service.container.workers
    assert isinstance(janitor, IdempotencyJanitor)

    wait_until(lambda: janitor.deleted == 5, what="the janitor to delete the five expired records")
    assert _idempotency_rows(service) == [("alice|500000|owner", "new-0")]
    assert janitor.running and janitor.error is None
    replay = service.client.post("/v1/transfers", json=_transfer(9), headers=headers)
    assert replay.headers.get("Idempotent-Replayed") == "true"
