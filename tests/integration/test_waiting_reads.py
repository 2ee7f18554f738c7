"""Reads waiting for a version hold no thread: with 200 of them waiting, `/healthz` and a command still
answer; the waiting reads end when the version arrives; and each caller may have only so many waiting.

On a real uvicorn server with concurrent clients (TestClient would serialise the requests, and so hide
exactly the starvation these tests are about). The answers are asserted, never the time they took:
the latencies are measured by `bench/waiting_reads.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.conftest import MakeService
from tests.support.live_server import live_server
from tests.support.service import CHUAN, TRANSFER_BODY, YU, Service
from tests.support.waiting import wait_until
from xborder.api.waiting import WaitingReads, caller_of
from xborder.domain.actors import Actor, Role
from xborder.service import create_app

READS = 200
CALLERS = 20  # READS / CALLERS = 10 waiting reads each, under the default cap of 20
WAIT = 10  # seconds: the API's maximum


@dataclass
class Live:
    service: Service
    app: FastAPI
    url: str
    http: httpx.Client

    @property
    def waiting(self) -> WaitingReads:
        waiting: WaitingReads = self.app.state.waiting_reads
        return waiting

    def apply_for_transfer(self) -> str:
        """A transfer at version 2 (applied, archive requested), projected in 川."""
        owner = self.service.auth("alice", YU, "owner")
        response = self.http.post(f"{self.url}/v1/transfers", json=TRANSFER_BODY, headers=owner)
        assert response.status_code == 201, response.text
        case_id: str = response.json()["id"]
        self.service.wait_for_version(CHUAN, case_id, 2)
        return case_id

    def release_archive(self, case_id: str) -> None:
        """Takes the case to version 3: what the waiting reads wait for."""
        origin = self.service.auth("chuan-clerk", CHUAN, "vehicle_admin")
        response = self.http.post(
            f"{self.url}/v1/transfers/{case_id}/archive-release",
            json={"archive_ref": "ARC-510-2026-0001"},
            headers=origin,
        )
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 3

    def read(self, case_id: str, headers: dict[str, str], query: str = "") -> httpx.Response:
        return self.http.get(f"{self.url}/v1/transfers/{case_id}{query}", headers=headers)


@contextmanager
def serving(service: Service) -> Iterator[Live]:
    app = create_app(service.container, run_workers=False)
    limits = httpx.Limits(max_connections=READS + 50, max_keepalive_connections=READS + 50)
    with live_server(app) as url, httpx.Client(limits=limits, timeout=WAIT + 30) as http:
        yield Live(service=service, app=app, url=url, http=http)


@pytest.fixture
def live(make_service: MakeService, request: pytest.FixtureRequest) -> Iterator[Live]:
    with serving(make_service("embedded", **getattr(request, "param", {}))) as live:
        yield live


def _clerk(service: Service, n: int) -> tuple[Actor, dict[str, str]]:
    actor = Actor(f"chuan-clerk-{n}", CHUAN, Role.VEHICLE_ADMIN)
    return actor, service.auth(actor.sub, CHUAN, "vehicle_admin")


def test_healthz_and_commands_answer_while_200_reads_wait(live: Live) -> None:
    case_id = live.apply_for_transfer()
    callers = [_clerk(live.service, n)[1] for n in range(CALLERS)]
    with ThreadPoolExecutor(max_workers=READS) as pool:
        reads: list[Future[httpx.Response]] = [
            pool.submit(live.read, case_id, callers[i % CALLERS], f"?min_version=3&wait={WAIT}")
            for i in range(READS)
        ]
        wait_until(lambda: live.waiting.total() == READS, what=f"{READS} reads waiting")
        # Waiting for a version is not the service's work: the overload guard counts none of them in
        # progress (200 would look like a standing queue, and shed the commands below).
        guard = live.app.state.overload_guard
        wait_until(lambda: guard.state().in_progress == 0, what="no waiting read counted in progress")

        health = live.http.get(f"{live.url}/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        other = {**TRANSFER_BODY, "plate": "川A54321"}
        command = live.http.post(
            f"{live.url}/v1/transfers", json=other, headers=live.service.auth("bob", YU, "owner")
        )
        assert command.status_code == 201, command.text
        # Both answered while every read was still waiting (none has had its version, none timed out).
        assert live.waiting.total() == READS
        assert not any(read.done() for read in reads)

        live.release_archive(case_id)
        answers = [read.result() for read in reads]
    # Woken by this process's projection consumer: each read answers with the version it waited for
    # (a 202 would be a read whose wait ran out first: allowed, but then it says so).
    for answer in answers:
        assert answer.status_code in (200, 202), answer.text
        if answer.status_code == 200:
            assert answer.json()["version"] == 3 and answer.headers["ETag"] == '"3"'
        else:
            assert answer.headers["Retry-After"]
    assert live.waiting.total() == 0


@pytest.mark.parametrize("live", [{"max_waiting_reads_per_caller": 2}], indirect=True)
def test_over_the_cap_a_caller_gets_429_and_others_are_unaffected(live: Live) -> None:
    case_id = live.apply_for_transfer()
    greedy, greedy_headers = _clerk(live.service, 1)
    other, other_headers = _clerk(live.service, 2)
    waiting_query = f"?min_version=3&wait={WAIT}"
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = [pool.submit(live.read, case_id, greedy_headers, waiting_query) for _ in range(2)]
        wait_until(lambda: live.waiting.waiting(caller_of(greedy)) == 2, what="the greedy caller's 2 reads")

        refused = live.read(case_id, greedy_headers, waiting_query)
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "reads.too_many_waiting"
        assert int(refused.headers["Retry-After"]) >= 1
        # A read that need not wait is not capped: the greedy caller still reads what is there.
        assert live.read(case_id, greedy_headers).status_code == 200

        unaffected = pool.submit(live.read, case_id, other_headers, waiting_query)
        wait_until(lambda: live.waiting.waiting(caller_of(other)) == 1, what="the other caller's read")
        assert not unaffected.done()

        live.release_archive(case_id)
        for answer in [*(read.result() for read in first), unaffected.result()]:
            assert answer.status_code == 200, answer.text
            assert answer.json()["version"] == 3
    # The slots are given back: the greedy caller may wait again.
    assert live.waiting.total() == 0
    again = live.read(case_id, greedy_headers, "?min_version=4&wait=0.2")
    assert again.status_code == 202 and again.json()["version"] == 3


def test_a_read_waiting_for_another_process_projection_sees_the_version_by_polling(
    make_service: MakeService,
) -> None:
    api = make_service("embedded", workers=False)
    make_service("embedded")  # the projection consumers' process: it shares only the database
    assert not api.container.readmodel_signals.projected_here(CHUAN)
    with serving(api) as live, ThreadPoolExecutor(max_workers=1) as pool:
        case_id = live.apply_for_transfer()
        clerk, headers = _clerk(live.service, 1)
        read = pool.submit(live.read, case_id, headers, f"?min_version=3&wait={WAIT}")
        wait_until(lambda: live.waiting.waiting(caller_of(clerk)) == 1, what="the read to wait")
        live.release_archive(case_id)
        answer = read.result()
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 3
