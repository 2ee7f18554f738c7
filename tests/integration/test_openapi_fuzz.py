"""schemathesis against the app's own OpenAPI document: whatever a client sends, the service answers
only what the document promises (status codes, content types, schemas, headers), never a 5xx.

Every phase schemathesis runs from pytest (the document's examples, coverage of each parameter's
boundaries and of missing headers and unsupported methods, then fuzzing with valid and invalid data),
with every built-in check, one test per operation. The app runs in process on the real PostgreSQL with
its consumers, so reads see what commands wrote. Each request carries the token of one of several
callers (roles of 四川, 重庆 and 浙江), so operations get past 401/403 and reach the handlers, and a
case id in the path is, about half the time, that of a case of that kind seeded beforehand (a random
id only ever reaches the 404). Fixed seed, no example database: the run is the same on every machine.

Why not the `make_service` fixture: schemathesis must read the document while pytest collects, and its
loader that would take the document from a fixture instead (`schemathesis.pytest.from_fixture`) fails
under pytest 9.2 (it sets `Node._nodeid`, which 9.2 removed). So the document is read at collection
from the same routers without a database (`SwitchableApp`), the fixture checks the served one is equal,
and the service is built once for the module, the way `make_service` builds it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.integration.conftest import DEFAULT_START
from tests.integration.conftest import test_settings as settings_for
from tests.integration.test_objection_scenario import OBJECTION_BODY
from tests.support.postgres import fresh_database
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, ZHE, Service, make_app_client
from xborder.api.openapi import install_openapi
from xborder.bootstrap import bootstrap
from xborder.infra.clock import SettableClock
from xborder.service import ROUTERS

SEED = 20261120
# Per operation and generation mode in the fuzzing phase; the examples and coverage phases add their
# own (deterministic) cases on top. Tuned so that the whole run stays around a minute.
MAX_EXAMPLES = 30
PICC = "中国人民财产保险股份有限公司重庆市分公司"

# (sub, province, role, org): who the drawn token belongs to.
CALLERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("alice", YU, "owner", None),
    ("li-si", CHUAN, "owner", None),
    ("chuan-admin", CHUAN, "vehicle_admin", None),
    ("yu-admin", YU, "vehicle_admin", None),
    ("chuan-police", CHUAN, "traffic_police", None),
    ("yu-police", YU, "traffic_police", None),
    ("zhe-police", ZHE, "traffic_police", None),
    ("chuan-investigator", CHUAN, "investigator", None),
    ("yu-investigator", YU, "investigator", None),
    ("chuan-120", CHUAN, "dispatcher", None),
    ("yu-120", YU, "dispatcher", None),
    ("chuan-hospital", CHUAN, "medical", None),
    ("picc-yu", YU, "insurer", PICC),
)

SEED_CASES: dict[str, tuple[int, dict[str, Any]]] = {
    # kind path: (index into CALLERS of the creator, body)
    "/v1/transfers": (0, TRANSFER_BODY),
    "/v1/objections": (
        1,
        {**OBJECTION_BODY, "ground": "unclear_evidence", "police_report_number": None, "evidence": []},
    ),
    "/v1/hit-and-runs": (
        7,
        {
            "occurred_at": "2026-11-20T13:40:00+08:00",
            "place": {"road": "G85 渝昆高速", "km": 1712.5},
            "casualties": {"dead": 0, "injured": 2},
            "suspect_vehicle": {"plate_partial": "川A*23*5", "color": "白色"},
        },
    ),
    "/v1/rescues": (
        10,
        {
            "occurred_at": "2026-11-20T14:52:00+08:00",
            "place": {"road": "G75 兰海高速 (渝川界)"},
            "casualties": [{"ref": "P1", "severity": "serious"}],
            "vehicles": [{"plate": "渝A12345", "insurer": PICC, "policy": "PDZA2026500000012345"}],
            "driver_fled": False,
        },
    ),
}


@dataclass(frozen=True)
class FuzzTarget:
    """The running service, one Authorization header per caller, one seeded case id per kind path."""

    service: Service
    headers: tuple[dict[str, str], ...]
    cases: dict[str, str]

    def known_case_for(self, path: str) -> str | None:
        return next((case_id for kind, case_id in self.cases.items() if path.startswith(kind + "/")), None)


class SwitchableApp:
    """The ASGI app schemathesis talks to: the service the fixture builds, while it runs.

    schemathesis must read the OpenAPI document when pytest collects the tests, before any fixture has a
    database; until then this serves the same routers without one (the fixture checks that both serve
    the same document). Lifespan is answered here: the container's life is the fixture's business.
    """

    def __init__(self, app: FastAPI) -> None:
        self.default = app
        self.target: ASGIApp = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.target(scope, receive, send)


def _routers_only() -> FastAPI:
    app = FastAPI(title="xborder")
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app, ROUTERS)
    return app


APP = SwitchableApp(_routers_only())


# Every built-in check runs (call_and_validate's default set); one is widened, and made exact again by
# `refused_only_by_rules` below. `positive_data_acceptance` expects schema-valid requests to succeed, but
# a JSON schema cannot say everything the service checks: an ID number's or VIN's check digit, a plate
# of the right province, printable text, the case's state. Those refusals are 422 with the rule's own
# code, and 412 is the right answer to a well-formed `If-Match` naming another version.
ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429"]
# What problems.py answers when pydantic, not a rule, refuses the input: for a request the document
# says is valid, that means the document and the validation disagree.
SCHEMA_LEVEL_CODES = frozenset(
    {"field.invalid", "field.missing", "field.unknown", "body.invalid", "body.missing", "body.malformed"}
)
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "database": "none",
            # The token is the test's to give (a real one of a drawn caller); `ignored_auth` still sends
            # each request without it and with a bad one, and expects 401.
            "with-security-parameters": False,
            # Unknown query parameters and headers are ignored, as HTTP services do (proxies add
            # headers); unknown body fields are refused, and negative bodies test that.
            "allow-extra-parameters": False,
        },
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTANCE}},
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


def refused_only_by_rules(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """A schema-valid request that gets 422 was refused by a rule (its own code), never by the schema
    checks the document already describes."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    problem = response.json()
    codes = {problem.get("code")} | {error.get("code") for error in problem.get("errors", [])}
    assert not codes & SCHEMA_LEVEL_CODES, f"a schema-valid request was refused as malformed: {problem}"
    return True


@pytest.fixture(scope="module")
def fuzz_target(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """One service for every operation's test (a database each would cost more than the fuzzing),
    built as `make_service` builds it: real PostgreSQL, consumers running, a settable clock."""
    with fresh_database(pg_admin_url) as database_url:
        settings = settings_for(
            database_url,
            tmp_path_factory.mktemp("fuzz"),
            provinces=[CHUAN, YU, ZHE, HU],
            # The limit has tests of its own; here it would only turn the fuzzer's requests into 429s.
            rate_limit_enabled=False,
            # A read of a case the caller's province will never see waits out `wait` (up to 10 s) for
            # it; the fuzzer asks for that often, and the answer (202) is the same after a short wait.
            read_wait_max_seconds=0.1,
        )
        container = bootstrap(settings, clock=SettableClock(DEFAULT_START))
        client = make_app_client(container)
        try:
            container.start_workers()
            service = Service(container=container, client=client, clock=container.clock)
            served, fuzzed = client.get("/openapi.json").json(), APP.default.openapi()
            for part in ("paths", "components"):
                assert served[part] == fuzzed[part], "the fuzzed document must be the one the app serves"
            headers = tuple(service.auth(*caller) for caller in CALLERS)
            cases = {}
            for kind, (creator, body) in SEED_CASES.items():
                created = client.post(kind, json=body, headers=headers[creator])
                assert created.status_code == 201, created.text
                cases[kind] = created.json()["id"]
            APP.target = client.app
            yield FuzzTarget(service=service, headers=headers, cases=cases)
        finally:
            APP.target = APP.default
            client.close()
            container.close()


@schema.parametrize()
@hypothesis.settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_the_service_answers_only_what_its_openapi_documents(
    case: schemathesis.Case, fuzz_target: FuzzTarget
) -> None:
    # The caller, and whether the path names the seeded case, follow from the case's content: varied
    # like it, and the same again when Hypothesis replays a failing case (`@schema.given` would draw
    # them, but schemathesis refuses it together with the examples phase).
    digest = zlib.crc32(repr((case.path_parameters, case.query, case.body, case.headers)).encode())
    caller, use_known_case = divmod(digest, 2)
    known = fuzz_target.known_case_for(case.path)
    path = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    # Only a well-formed id is swapped for the seeded case's: a malformed one is what a negative case
    # is testing.
    if use_known_case and known is not None and _is_uuid(path.get("case_id")):
        path["case_id"] = known
    case.call_and_validate(
        headers=fuzz_target.headers[caller % len(CALLERS)],
        additional_checks=[refused_only_by_rules],
    )


def _is_uuid(value: object) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True
