"""The OpenAPI document lists, for every operation, the answers it can give: problem+json for every
4xx, with the statuses that follow from what the operation is. Built from the app's routers, no I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from xborder.api.openapi import install_openapi
from xborder.api.problems import PROBLEM_MEDIA_TYPE
from xborder.service import ROUTERS

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Reads only one role may make (the audit log: its province's auditor), which say 403 to the others.
ONE_ROLES_READS = {"/v1/audit"}


def _document() -> dict[str, Any]:
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app, ROUTERS)
    document: dict[str, Any] = app.openapi()
    assert app.openapi() is document, "described once, then served from the cache"
    return document


DOCUMENT = _document()
OPERATIONS = [
    pytest.param(method, path, operation, id=f"{method.upper()} {path}")
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]


def _statuses(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"]}


def test_every_route_of_the_service_is_an_operation_of_the_document() -> None:
    routes = {
        (method.lower(), route.path_format)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert routes == {(method, path) for method, path, _ in (p.values for p in OPERATIONS)}
    assert len(routes) > 40


def test_fastapis_validation_error_shape_is_gone_and_problem_is_there() -> None:
    text = json.dumps(DOCUMENT)
    assert "HTTPValidationError" not in text
    assert "#/components/schemas/ValidationError" not in text
    problem = DOCUMENT["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "code", "field", "errors"}
    assert set(problem["properties"]["errors"]["items"]["required"]) == {"field", "code", "message"}


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS)
def test_every_error_answer_is_problem_json(method: str, path: str, operation: dict[str, Any]) -> None:
    for status, answer in operation["responses"].items():
        if int(status) >= 400 and not (path == "/readyz" and status == "503"):
            assert answer["content"] == {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}, status
            assert answer["description"]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS)
def test_the_statuses_follow_from_what_the_operation_is(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    statuses = _statuses(operation)
    authenticated = path.startswith("/v1/")
    command = method == "post"
    on_case = "{case_id}" in path
    assert ("security" in operation) is authenticated
    assert ({401, 429, 503} <= statuses) is authenticated
    if command:
        assert {400, 403, 409, 413, 422} <= statuses
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == ({"Idempotency-Key", "If-Match"} if on_case else {"Idempotency-Key"})
    else:
        assert not {400, 409, 412, 413} & statuses
        assert (403 in statuses) is (path in ONE_ROLES_READS)
    assert (404 in statuses) is on_case
    assert (412 in statuses) is (command and on_case)
    assert (202 in statuses) is (method == "get" and on_case)
    has_input = command or bool(operation.get("parameters"))
    assert (422 in statuses) is has_input


def test_the_answers_carry_their_headers() -> None:
    one = DOCUMENT["paths"]["/v1/transfers/{case_id}"]["get"]["responses"]
    assert "Retry-After" in one["202"]["headers"]
    assert "Retry-After" in one["429"]["headers"]
    assert "Retry-After" in one["503"]["headers"]
    assert "WWW-Authenticate" in one["401"]["headers"]
    assert DOCUMENT["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_operations_answers_beyond_problems() -> None:
    readyz = DOCUMENT["paths"]["/readyz"]["get"]["responses"]
    assert set(readyz) == {"200", "503"}
    assert "application/json" in readyz["503"]["content"]
    assert set(DOCUMENT["paths"]["/healthz"]["get"]["responses"]) == {"200"}
    assert "text/plain" in DOCUMENT["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
