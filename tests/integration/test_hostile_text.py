"""Hostile text in every string field of every workflow's opening command, over HTTP, against the
real service: each answer is a 4xx naming a field (and nothing is recorded) or a stored case that every
involved province's read model then shows — never a 5xx, never a parked or stalled consumer.

Includes the exact reproduction of the NUL that once stopped the service.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import MakeService
from tests.integration.test_hit_and_run_scenario import CASE_BODY
from tests.integration.test_objection_scenario import OBJECTION_BODY
from tests.integration.test_rescue_scenario import RESCUE_BODY
from tests.support.builders import plate_for
from tests.support.service import CHUAN, TRANSFER_BODY, YU, ZHE, Service

Path = tuple[str | int, ...]

# path, body, (province, role) of the caller, the provinces that must all show an accepted case
WORKFLOWS: dict[str, tuple[str, dict[str, Any], tuple[str, str], tuple[str, ...]]] = {
    "transfer": ("/v1/transfers", TRANSFER_BODY, (YU, "owner"), (CHUAN, YU)),
    "objection": ("/v1/objections", OBJECTION_BODY, (CHUAN, "owner"), (CHUAN, ZHE)),
    "hit_and_run": ("/v1/hit-and-runs", CASE_BODY, (CHUAN, "investigator"), (CHUAN,)),
    "rescue": ("/v1/rescues", RESCUE_BODY, (YU, "dispatcher"), (YU,)),
}


def _string_paths(value: Any, path: Path = ()) -> Iterator[Path]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _string_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _string_paths(child, (*path, index))


TARGETS = [(name, path) for name, spec in WORKFLOWS.items() for path in _string_paths(spec[1])]
CONTROLS = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85", "\r", "\ud800", "\udfff", "\u202e"])
PRINTABLE = st.text(
    alphabet=st.characters(categories=["Lo", "Po", "Ps", "Pe", "Zs", "So"]), min_size=1, max_size=60
)
HOSTILE = st.one_of(
    st.text(max_size=100),
    st.tuples(st.text(max_size=20), CONTROLS, st.text(max_size=20)).map("".join),
    st.integers(min_value=2_000, max_value=200_000).map(lambda n: "字" * n),
    PRINTABLE,
    PRINTABLE,  # twice: accepted text must reach every province's read model, not only be refused
)
_serial = itertools.count(1)


def _set(body: dict[str, Any], path: Path, value: str) -> None:
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _fresh(name: str) -> dict[str, Any]:
    """The workflow's valid body with its identifying values made unique, so accepted cases never
    collide with each other (an open transfer or objection on the same plate or record)."""
    n = next(_serial)
    body = copy.deepcopy(WORKFLOWS[name][1])
    if name == "transfer":
        body["plate"] = plate_for(n)
    elif name == "objection":
        body["violation"]["plate"] = plate_for(n, "川B")
        body["violation"]["record_number"] = f"3301062026{n:09d}"
    return body


def _post(service: Service, name: str, body: dict[str, Any]) -> Any:
    """JSON as a client sends it: ASCII escapes, so a lone surrogate travels as `\\ud800`."""
    path, _, (province, role), _ = WORKFLOWS[name]
    headers = {**service.auth(f"{name}-caller", province, role), "Content-Type": "application/json"}
    return service.client.post(path, content=json.dumps(body).encode(), headers=headers)


def _check(service: Service, name: str, path: Path, response: Any, events_before: int) -> None:
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        case = response.json()
        for province in WORKFLOWS[name][3]:
            doc = service.wait_for_version(province, case["id"], case["version"])
            assert doc["status"] == case["status"]
        return
    assert 400 <= response.status_code < 500
    problem = response.json()
    assert problem["code"] and problem["status"] == response.status_code
    if response.status_code == 422:
        assert problem["field"], problem  # the field is named
    assert service.event_count() == events_before  # nothing recorded


def test_the_nul_that_stopped_the_service_is_refused_and_transfers_go_on(make_service: MakeService) -> None:
    service = make_service(provinces=[CHUAN, YU, ZHE])
    body = _fresh("objection")
    body["violation"]["record_number"] = "3301062026\u0000110012345"
    refused = _post(service, "objection", body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "violation.record_number"
    assert refused.json()["code"] == "text.forbidden_character"
    rescue = _fresh("rescue")
    rescue["casualties"][0]["medical_notes"] = "左股骨骨折\u0000"
    refused = _post(service, "rescue", rescue)
    assert refused.status_code == 422 and refused.json()["field"] == "casualties.0.medical_notes"
    assert service.event_count() == 0
    for _ in range(3):
        accepted = _post(service, "transfer", _fresh("transfer"))
        assert accepted.status_code == 201, accepted.text
    assert service.container.dead_letters.parked_counts() == {}


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(target=st.sampled_from(TARGETS), text=HOSTILE)
def test_hostile_text_in_any_field_is_refused_or_stored_everywhere(
    make_service: MakeService, target: tuple[str, Path], text: str
) -> None:
    service = _service(make_service)
    name, path = target
    body = _fresh(name)
    _set(body, path, text)
    before = service.event_count()
    _check(service, name, path, _post(service, name, body), before)
    assert service.container.dead_letters.parked_counts() == {}
    assert all(worker.running and not worker.error for worker in service.container.workers)


_services: dict[int, Service] = {}


def _service(make_service: MakeService) -> Service:
    """One running service for all examples of a test (the fixture is the test's, not the example's)."""
    key = id(make_service)
    if key not in _services:
        _services.clear()
        _services[key] = make_service(provinces=[CHUAN, YU, ZHE])
    return _services[key]
