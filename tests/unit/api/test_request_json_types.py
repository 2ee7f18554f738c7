"""Request bodies take booleans, numbers and date-times only as the JSON types the schema names; their
schema says that trimmed text must not be blank; and a 405 lists every method of the resource. No I/O:
the real body models, and the real routers without a container."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from xborder.api.problems import install_problem_handlers
from xborder.service import ROUTERS
from xborder.workflows.hit_and_run.router import DeterminationIn, PlaceIn
from xborder.workflows.objection.router import RefundIn
from xborder.workflows.rescue.router import DispatchIn, RescueIn
from xborder.workflows.transfer.router import ArchiveVerificationIn

RESCUE = {"occurred_at": "2026-11-20T14:52:00+08:00", "place": {"road": "G75"}, "driver_fled": False}


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (ArchiveVerificationIn, {"accepted": 0}),
        (ArchiveVerificationIn, {"accepted": "true"}),
        (RefundIn, {"amount": "128"}),
        (RefundIn, {"amount": True}),
        (RefundIn, {"amount": 128.5}),
        (PlaceIn, {"road": "G75", "km": "12.5"}),
        (PlaceIn, {"road": "G75", "km": False}),
        (RescueIn, {**RESCUE, "occurred_at": 0}),
        (RescueIn, {**RESCUE, "occurred_at": 1763621520.0}),
    ],
)
def test_a_value_of_another_json_type_is_refused(model: type[BaseModel], data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(data)


def test_the_json_types_the_schema_names_are_taken() -> None:
    assert RefundIn.model_validate({"amount": 128}).amount == 128
    assert RefundIn.model_validate({"amount": 128.0}).amount == 128, "JSON Schema's integer includes 128.0"
    assert PlaceIn.model_validate({"road": "G75", "km": 3}).km == 3.0
    assert DeterminationIn.model_validate({"outcome": "closed", "points": 6}).points == 6
    assert ArchiveVerificationIn.model_validate({"accepted": False}).accepted is False
    assert RescueIn.model_validate(RESCUE).occurred_at.utcoffset() is not None


def _string_schemas(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, list):
        return [found for item in schema for found in _string_schemas(item)]
    if not isinstance(schema, dict):
        return []
    own = [schema] if schema.get("type") == "string" else []
    return own + [found for value in schema.values() for found in _string_schemas(value)]


def test_text_that_must_not_be_empty_must_not_be_blank_and_the_schema_says_so() -> None:
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router)
    strings = _string_schemas(app.openapi()["components"]["schemas"])
    non_empty = [s for s in strings if s.get("minLength", 0) >= 1]
    assert len(non_empty) > 10
    assert all("pattern" in s for s in non_empty), "trimming turns blank text into empty text"
    with pytest.raises(ValidationError):
        DispatchIn.model_validate({"unit": " \t ", "province": "510000"})
    assert DispatchIn.model_validate({"unit": " 川A01 ", "province": "510000"}).unit == "川A01"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    return TestClient(app)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/transfers", "GET, POST"),
        ("PUT", "/v1/rescues/6f1f0e3c-9a1e-4c53-9d7e-2d5f0b8b1a10", "GET"),
        ("GET", "/v1/objections/6f1f0e3c-9a1e-4c53-9d7e-2d5f0b8b1a10/decision", "POST"),
        ("POST", "/healthz", "GET"),
    ],
)
def test_a_405_names_every_method_of_the_resource(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.headers["Content-Type"] == "application/problem+json"
