"""Following a link between cases never answers 404 for a case that exists and the caller will see:
until the caller's province has applied it, the answer is 202 with Retry-After.

The link of a rescue whose driver fled names the hit-and-run case the service opens from it, and the
version it was made at (`hit_and_run_version`), so a client asks for that version.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.integration.conftest import MakeService
from tests.integration.test_rescue_scenario import RESCUE_BODY
from tests.support.service import HU, YU, Service
from tests.support.waiting import wait_until
from xborder.infra.contracts import envelope_from_event
from xborder.workflows.hit_and_run.application import HitAndRunCases
from xborder.workflows.rescue.aggregate import hit_and_run_id_for
from xborder.workflows.rescue.application import JointRescues
from xborder.workflows.rescue.process import open_hit_and_run_case

FLED: dict[str, Any] = {**RESCUE_BODY, "driver_fled": True, "vehicles": []}


def _open_fled_rescue(service: Service) -> str:
    created = service.client.post("/v1/rescues", json=FLED, headers=service.auth("yu-120", YU, "dispatcher"))
    assert created.status_code == 201, created.text
    rescue_id: str = created.json()["id"]
    return rescue_id


def test_a_linked_case_not_yet_applied_answers_202_never_404(make_service: MakeService) -> None:
    """Deterministic: no consumers run, so nothing reaches any read model."""
    service = make_service("embedded", workers=False)
    rescue_id = _open_fled_rescue(service)
    case_id = hit_and_run_id_for(UUID(rescue_id))
    investigator = service.auth("yu-inv", YU, "investigator")
    url = f"/v1/hit-and-runs/{case_id}"

    # the link exists, the linked case does not yet: a read asking for the link's version waits
    early = service.client.get(f"{url}?min_version=1&wait=0", headers=investigator)
    assert (early.status_code, early.headers.get("Retry-After")) == (202, "1"), early.text

    # the process manager opens it; 渝's read model has not applied it
    rescues = service.container.application(JointRescues)
    (opened,) = list(rescues.events.get(UUID(rescue_id)))
    spec = next(s for s in service.container.workflows if s.kind == "rescue")
    envelope = envelope_from_event(spec.aggregate_type, opened, spec.events)
    assert open_hit_and_run_case(envelope, service.container.application(HitAndRunCases))

    for path in (url, f"{url}?min_version=1&wait=0"):
        pending = service.client.get(path, headers=investigator)
        assert (pending.status_code, pending.headers.get("Retry-After")) == (202, "1"), pending.text
        assert pending.json()["id"] == str(case_id)
    # a province the case does not involve is told what it would be told of a missing case
    outsider = service.client.get(url, headers=service.auth("hu-inv", HU, "investigator"))
    assert outsider.status_code == 404
    # so is a caller whose province will see the case but whose role may not
    insurer = service.client.get(url, headers=service.auth("yu-ins", YU, "insurer", org="中国人保"))
    assert insurer.status_code == 404
    missing = service.client.get(f"/v1/hit-and-runs/{hit_and_run_id_for(case_id)}", headers=investigator)
    assert missing.status_code == 404


@pytest.mark.kafka
def test_following_the_fled_driver_link_at_once_in_kafka_mode(make_service: MakeService) -> None:
    service = make_service("kafka")
    rescue_id = _open_fled_rescue(service)
    dispatcher = service.auth("yu-120", YU, "dispatcher")
    rescue = service.client.get(f"/v1/rescues/{rescue_id}?min_version=1&wait=10", headers=dispatcher)
    assert rescue.status_code == 200, rescue.text
    link, version = rescue.json()["hit_and_run_id"], rescue.json()["hit_and_run_version"]
    assert (link, version) == (str(hit_and_run_id_for(UUID(rescue_id))), 1)

    investigator = service.auth("yu-inv", YU, "investigator")
    answers: list[int] = []

    def followed() -> bool:
        response = service.client.get(
            f"/v1/hit-and-runs/{link}?min_version={version}&wait=0", headers=investigator
        )
        answers.append(response.status_code)
        return response.status_code == 200

    wait_until(followed, timeout=30, what="the linked case to be readable")
    assert 404 not in answers and set(answers) <= {200, 202}, answers
