"""`null` for an optional field means "absent", in every request body the app takes; a required field's
`null` is still refused; and the OpenAPI document says so. No I/O: the models and the document are
built from the app's routers."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from xborder.api.fields import StrictBody
from xborder.api.nullable import admits_null
from xborder.api.openapi import install_openapi
from xborder.service import ROUTERS
from xborder.workflows.hit_and_run.router import AssistanceRequestIn
from xborder.workflows.objection.router import EvidenceIn
from xborder.workflows.transfer.router import ArchiveVerificationIn, InspectionIn, TransferIn


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]


def _body_models() -> list[type[BaseModel]]:
    """Every model a route takes as its body, and every model nested in one, found from the routes."""
    found: list[type[BaseModel]] = []
    pending = [
        model
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.body_field is not None
        for model in _models_in(route.body_field.field_info.annotation)
    ]
    while pending:
        model = pending.pop()
        if model not in found:
            found.append(model)
            pending.extend(m for f in model.model_fields.values() for m in _models_in(f.annotation))
    return sorted(found, key=lambda model: model.__name__)


BODY_MODELS = _body_models()
OPTIONAL = [
    pytest.param(model, name, id=f"{model.__name__}.{name}")
    for model in BODY_MODELS
    for name, info in model.model_fields.items()
    if not info.is_required()
]
REQUIRED = [
    pytest.param(model, name, id=f"{model.__name__}.{name}")
    for model in BODY_MODELS
    for name, info in model.model_fields.items()
    if info.is_required()
]


def _errors_at(model: type[BaseModel], data: dict[str, Any], name: str) -> list[str]:
    try:
        model.model_validate(data)
    except ValidationError as error:
        return [str(e["type"]) for e in error.errors() if e["loc"][:1] == (name,)]
    return []


def test_the_routes_take_strict_bodies_and_there_are_many_fields_to_check() -> None:
    """Discovery sees through `X | None` bodies (the `{}` bodies are `NoFields | None`) into nested ones."""
    names = {model.__name__ for model in BODY_MODELS}
    assert {"NoFields", "TransferIn", "OwnerIn", "ViolationIn", "PlaceIn", "CasualtyIn"} <= names
    assert all(issubclass(model, StrictBody) for model in BODY_MODELS)
    assert len(OPTIONAL) >= 30
    assert len(REQUIRED) >= 60


@pytest.mark.parametrize(("model", "name"), OPTIONAL)
def test_null_is_accepted_for_every_optional_field(model: type[BaseModel], name: str) -> None:
    assert _errors_at(model, {name: None}, name) == []


@pytest.mark.parametrize(("model", "name"), REQUIRED)
def test_null_is_refused_for_every_required_field(model: type[BaseModel], name: str) -> None:
    refusals = _errors_at(model, {name: None}, name)
    assert refusals, f"{model.__name__}.{name}: null must be refused"
    assert "missing" not in refusals, "the null itself is refused, not taken for a missing field"


def test_the_reported_case_takes_null_as_the_default() -> None:
    """Issue 8, finding 6: `{"accepted": true, "reason": null}` answered 422."""
    assert ArchiveVerificationIn.model_validate({"accepted": True, "reason": None}).reason == ""


@pytest.mark.parametrize(
    ("model", "data", "name", "default"),
    [
        (InspectionIn, {"passed": True, "reasons": None, "evidence": None}, "evidence", []),
        (EvidenceIn, {"evidence": None, "note": None}, "note", ""),
        (AssistanceRequestIn, {"targets": ["500000"], "ack_within_hours": None}, "ack_within_hours", None),
    ],
)
def test_null_gives_the_fields_default(
    model: type[BaseModel], data: dict[str, Any], name: str, default: object
) -> None:
    assert getattr(model.model_validate(data), name) == default


def test_an_unknown_field_is_refused_even_when_null() -> None:
    assert _errors_at(ArchiveVerificationIn, {"accepted": True, "is_admin": None}, "is_admin") == [
        "extra_forbidden"
    ]


def test_a_nullable_field_without_a_default_keeps_its_null() -> None:
    """`mortgagee` may be null or absent; null must stay null, not become some other default."""
    assert TransferIn.model_fields["mortgagee"].default is None
    assert _errors_at(TransferIn, {"mortgagee": None}, "mortgagee") == []


def _openapi_body_schemas() -> dict[str, dict[str, Any]]:
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app, ROUTERS)
    schemas: dict[str, dict[str, Any]] = app.openapi()["components"]["schemas"]
    names = {model.__name__ for model in BODY_MODELS}
    return {name: schema for name, schema in schemas.items() if name in names}


def test_the_openapi_document_lets_every_optional_property_be_null_and_no_required_one() -> None:
    schemas = _openapi_body_schemas()
    assert set(schemas) == {model.__name__ for model in BODY_MODELS}
    for name, schema in schemas.items():
        required = set(schema.get("required", ()))
        for prop_name, prop in schema["properties"].items():
            where = f"{name}.{prop_name}"
            if prop_name in required:
                assert not admits_null(prop), f"{where} is required: its schema must not admit null"
            else:
                assert admits_null(prop), f"{where} is optional: its schema must admit null"


def test_null_is_added_without_losing_the_propertys_own_schema() -> None:
    prop = _openapi_body_schemas()["ArchiveVerificationIn"]["properties"]["reason"]
    assert prop["default"] == ""
    assert {"type": "string", "maxLength": 2000} in prop["anyOf"]
    assert {"type": "null"} in prop["anyOf"]
