"""Concurrent and retried commands on one case: one success per version, 409 for the rest, and a
retried POST with the same Idempotency-Key records nothing new."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, TRANSFER_BODY, YU, Service
from xborder.workflows.transfer.application import VehicleTransfers


def _verified_case(service: Service) -> str:
    owner = service.auth("alice", YU, "owner")
    case_id: str = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner).json()["id"]
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    assert (
        service.client.post(
            f"/v1/transfers/{case_id}/archive-release", json={"archive_ref": "A"}, headers=chuan
        ).status_code
        == 200
    )
    assert (
        service.client.post(
            f"/v1/transfers/{case_id}/archive-verification", json={"accepted": True}, headers=yu
        ).status_code
        == 200
    )
    return case_id


def _concurrently(service: Service, n: int, request: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = request(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_twenty_concurrent_commands_one_success_per_version(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    case_id = _verified_case(service)
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    body = {"passed": False, "reasons": ["VIN rubbing unreadable"], "evidence": []}

    responses = _concurrently(
        service,
        20,
        lambda i: service.client.post(f"/v1/transfers/{case_id}/inspection", json=body, headers=yu),
    )
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 409}, codes
    versions = sorted(r.json()["version"] for r in responses if r.status_code == 200)
    assert versions == list(range(5, 5 + len(versions))), "each success must own exactly one new version"
    for r in responses:
        if r.status_code == 409:
            assert r.json()["code"] == "case.conflict"
    assert service.container.application(VehicleTransfers).get(case_id).version == 4 + len(versions)


def test_twenty_concurrent_commands_with_if_match_exactly_one_wins(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    case_id = _verified_case(service)
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    body = {"passed": False, "reasons": ["VIN rubbing unreadable"], "evidence": []}
    headers = {**yu, "If-Match": '"4"'}

    responses = _concurrently(
        service,
        20,
        lambda i: service.client.post(f"/v1/transfers/{case_id}/inspection", json=body, headers=headers),
    )
    codes = Counter(r.status_code for r in responses)
    assert codes[200] == 1, codes
    assert set(codes) <= {200, 409, 412}, codes
    assert service.container.application(VehicleTransfers).get(case_id).version == 5


def test_retried_creation_with_the_same_key_records_nothing_new(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    owner = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "apply-2026-11-20-alice"}
    first = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert first.status_code == 201
    events = service.event_count()

    again = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert service.event_count() == events

    other_body = {**TRANSFER_BODY, "destination_city": "重庆市江北区"}
    reused = service.client.post("/v1/transfers", json=other_body, headers=owner)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency.key_reused"
    assert service.event_count() == events


def test_retried_command_with_the_same_key_returns_the_first_answer(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    owner = service.auth("alice", YU, "owner")
    case_id = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner).json()["id"]
    chuan = {**service.auth("chuan-admin", CHUAN, "vehicle_admin"), "Idempotency-Key": "release-1"}
    first = service.client.post(
        f"/v1/transfers/{case_id}/archive-release", json={"archive_ref": "A1"}, headers=chuan
    )
    assert first.json() == {"id": case_id, "version": 3, "status": "archive_released"}
    events = service.event_count()
    # Without the key, the same request would be refused as an illegal transition; with it, the
    # client that lost the first answer gets it back.
    again = service.client.post(
        f"/v1/transfers/{case_id}/archive-release", json={"archive_ref": "A1"}, headers=chuan
    )
    assert (again.status_code, again.json()) == (200, first.json())
    assert service.event_count() == events


def test_concurrent_retries_of_one_creation_create_one_case(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    owner = {**service.auth("alice", YU, "owner"), "Idempotency-Key": "race-1"}
    responses = _concurrently(
        service, 10, lambda i: service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner)
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert service.event_count() == 2
