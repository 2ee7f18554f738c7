"""problem+json for every error: domain families, validation, auth, HTTP errors and crashes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, field_validator

from xborder.api.auth import ActorDep, TokenVerifier
from xborder.api.problems import PROBLEM_MEDIA_TYPE, ProblemError, install_problem_handlers
from xborder.domain.errors import (
    CaseNotFound,
    ConcurrentConflict,
    DomainError,
    InvalidValue,
    NotPermitted,
    RuleViolation,
    TransitionNotAllowed,
    VehicleBlocked,
    VersionMismatch,
)
from xborder.infra.clock import SettableClock
from xborder.infra.tokens import TokenIssuer

SECRET = "problems-test-secret-" + "z" * 48
ID_NUMBER = "51010519900307123X"
PHONE_DIGITS = 13800138000
LEAKY_MESSAGE = "password=hunter2 at /srv/db"


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    id_number: str
    phone: str

    @field_validator("id_number")
    @classmethod
    def _check_id_number(cls, value: str) -> str:
        if not value.endswith("9"):
            raise InvalidValue(f"{value} fails the checksum", code="id_number.invalid")
        return value


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plate: str
    owner: OwnerIn

    @field_validator("plate")
    @classmethod
    def _check_plate(cls, value: str) -> str:
        if "I" in value:
            raise InvalidValue(f"{value} is not a valid plate (I is never issued)", code="plate.invalid")
        return value


_RAISED: dict[str, Exception] = {
    "invalid": InvalidValue("bad VIN check digit", code="vin.invalid", field="vin"),
    "rule": RuleViolation("same-province transfer", code="transfer.same_province", field="destination"),
    "blocked": VehicleBlocked("held by an open case (objection)", holds=()),
    "transition": TransitionNotAllowed("already registered"),
    "forbidden": NotPermitted("origin only"),
    "not_found": CaseNotFound("case 42 belongs to 500000"),
    "version": VersionMismatch("expected 3, current 4"),
    "conflict": ConcurrentConflict("changed meanwhile"),
    "domain": DomainError("something domain-ish"),
    "problem": ProblemError(
        422,
        "idempotency.key_reused",
        "this Idempotency-Key was used with another body",
        field="Idempotency-Key",
        headers={"X-Hint": "new-key"},
    ),
    "crash": RuntimeError(LEAKY_MESSAGE),
}


def _build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/transfers")
    def create_transfer(body: TransferIn, page: int = 1) -> dict[str, Any]:
        return {"plate": body.plate, "page": page}

    @app.get("/raise/{kind}")
    def raise_it(kind: str) -> None:
        raise _RAISED[kind]

    @app.get("/me")
    def me(actor: ActorDep) -> dict[str, Any]:
        return actor.as_dict()

    return app


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def app(clock: SettableClock) -> FastAPI:
    app = _build_app()
    app.state.token_verifier = TokenVerifier(
        secret=SECRET, issuer="xborder", audience="xborder-api", clock=clock
    )
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def issuer(clock: SettableClock) -> TokenIssuer:
    return TokenIssuer(secret=SECRET, issuer="xborder", audience="xborder-api", ttl_seconds=600, clock=clock)


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"urn:xborder:problem:{code}"
    assert body["title"]
    assert body["detail"]
    return body


def _transfer(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "plate": "川A12345",
        "owner": {"name": "张三", "id_number": "510105199003071239", "phone": "13800138000"},
    }
    body.update(overrides)
    return body


# --- domain families -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "code", "field"),
    [
        ("invalid", 422, "vin.invalid", "vin"),
        ("rule", 422, "transfer.same_province", "destination"),
        ("blocked", 422, "transfer.vehicle_blocked", "plate"),
        ("transition", 409, "transition.not_allowed", None),
        ("forbidden", 403, "auth.forbidden", None),
        ("version", 412, "case.version_mismatch", None),
        ("conflict", 409, "case.conflict", None),
        ("domain", 422, "domain.error", None),
    ],
)
def test_domain_errors_map_to_statuses(
    client: TestClient, kind: str, status: int, code: str, field: str | None
) -> None:
    body = _problem(client.get(f"/raise/{kind}"), status, code)
    assert body.get("field") == field
    assert body["detail"] == str(_RAISED[kind])


def test_case_not_found_has_a_fixed_body(client: TestClient) -> None:
    body = _problem(client.get("/raise/not_found"), 404, "case.not_found")
    assert body["detail"] == "No such case."
    assert "500000" not in str(body)
    assert "field" not in body


def test_problem_error_keeps_its_status_code_field_and_headers(client: TestClient) -> None:
    response = client.get("/raise/problem")
    body = _problem(response, 422, "idempotency.key_reused")
    assert body["field"] == "Idempotency-Key"
    assert response.headers["X-Hint"] == "new-key"


def test_unhandled_error_is_a_generic_500_and_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="xborder.api"):
        response = client.get("/raise/crash")
    body = _problem(response, 500, "internal.error")
    assert set(body) == {"type", "title", "status", "detail", "code"}
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    records = [r for r in caplog.records if r.name == "xborder.api"]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "/raise/{kind}" in records[0].getMessage()


# --- request validation ----------------------------------------------------------------------------------


def test_valid_body_passes(client: TestClient) -> None:
    response = client.post("/transfers", json=_transfer())
    assert response.status_code == 200
    assert response.json() == {"plate": "川A12345", "page": 1}


def test_domain_error_in_a_validator_keeps_its_code_and_field(client: TestClient) -> None:
    body = _problem(client.post("/transfers", json=_transfer(plate="川AI2345")), 422, "plate.invalid")
    assert body["field"] == "plate"
    assert body["detail"].startswith("plate: 川AI2345 is not a valid plate")
    assert body["errors"] == [
        {
            "field": "plate",
            "code": "plate.invalid",
            "message": "川AI2345 is not a valid plate (I is never issued)",
        }
    ]


def test_unknown_field_is_rejected(client: TestClient) -> None:
    body = _problem(client.post("/transfers", json=_transfer(status="registered")), 422, "field.unknown")
    assert body["field"] == "status"


def test_unknown_nested_field_is_rejected(client: TestClient) -> None:
    owner = {"name": "张三", "id_number": "510105199003071239", "phone": "1", "is_admin": True}
    body = _problem(client.post("/transfers", json=_transfer(owner=owner)), 422, "field.unknown")
    assert body["field"] == "owner.is_admin"


def test_missing_field_is_named(client: TestClient) -> None:
    owner = {"name": "张三", "id_number": "510105199003071239"}
    body = _problem(client.post("/transfers", json=_transfer(owner=owner)), 422, "field.missing")
    assert body["field"] == "owner.phone"
    assert "owner.phone" in body["detail"]


def test_malformed_json(client: TestClient) -> None:
    response = client.post(
        "/transfers", content='{"plate": "川A12345",'.encode(), headers={"content-type": "application/json"}
    )
    body = _problem(response, 422, "body.malformed")
    assert "field" not in body


def test_missing_body(client: TestClient) -> None:
    _problem(client.post("/transfers"), 422, "body.missing")


def test_bad_query_parameter(client: TestClient) -> None:
    body = _problem(client.post("/transfers?page=many", json=_transfer()), 422, "field.invalid")
    assert body["field"] == "page"


def test_several_errors_are_all_listed(client: TestClient) -> None:
    owner = {"name": "张三", "id_number": "510105199003071239"}
    response = client.post("/transfers", json=_transfer(plate="川AI2345", owner=owner, extra=1))
    body = _problem(response, 422, "plate.invalid")
    fields = {error["field"]: error["code"] for error in body["errors"]}
    assert fields == {"plate": "plate.invalid", "owner.phone": "field.missing", "extra": "field.unknown"}
    for field in fields:
        assert f"{field}:" in body["detail"]


def test_personal_data_is_never_echoed(client: TestClient) -> None:
    owner = {"name": ["李", "四"], "id_number": ID_NUMBER, "phone": PHONE_DIGITS}
    response = client.post("/transfers", json=_transfer(owner=owner))
    body = _problem(response, 422, "field.invalid")
    codes = {error["field"]: error["code"] for error in body["errors"]}
    assert codes == {
        "owner.name": "field.invalid",
        "owner.id_number": "id_number.invalid",
        "owner.phone": "field.invalid",
    }
    assert ID_NUMBER not in response.text
    assert str(PHONE_DIGITS) not in response.text
    assert "李" not in response.text


# --- HTTP errors -----------------------------------------------------------------------------------------


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    _problem(client.get("/nowhere"), 404, "http.404")


def test_wrong_method_is_a_problem(client: TestClient) -> None:
    response = client.delete("/transfers")
    _problem(response, 405, "http.405")
    assert "POST" in response.headers["allow"]


# --- authentication --------------------------------------------------------------------------------------


def test_no_authorization_header(client: TestClient) -> None:
    response = client.get("/me")
    _problem(response, 401, "auth.missing_token")
    assert response.headers["www-authenticate"] == "Bearer"


def test_other_scheme_counts_as_missing(client: TestClient) -> None:
    response = client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    _problem(response, 401, "auth.missing_token")


def test_bad_token(client: TestClient) -> None:
    response = client.get("/me", headers={"Authorization": "Bearer not.a.token"})
    body = _problem(response, 401, "auth.invalid_token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "not.a.token" not in body["detail"]


def test_expired_token(client: TestClient, issuer: TokenIssuer, clock: SettableClock) -> None:
    token = issuer.mint(sub="u1", province="510000", role="owner")
    clock.advance(timedelta(hours=1))
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    _problem(response, 401, "auth.expired_token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_good_token_gives_the_actor(client: TestClient, issuer: TokenIssuer) -> None:
    token = issuer.mint(sub="officer-7", province="500000", role="vehicle_admin", org="重庆车管所")
    response = client.get("/me", headers={"Authorization": f"bearer  {token}"})
    assert response.status_code == 200
    assert response.json() == {
        "sub": "officer-7",
        "province": "500000",
        "role": "vehicle_admin",
        "org": "重庆车管所",
    }


def test_missing_verifier_is_a_server_error(issuer: TokenIssuer) -> None:
    with TestClient(_build_app(), raise_server_exceptions=False) as client:
        token = issuer.mint(sub="u1", province="510000", role="owner")
        response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    _problem(response, 500, "internal.error")
