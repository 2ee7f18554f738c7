"""The OpenAPI document says every answer an operation can give, errors included.

FastAPI documents the success answer and its own 422 shape (`HTTPValidationError`), which this service
never sends. Every error it does send is problem+json (`api/problems.py`), and which ones an operation
can give follows from what the route is, so they are derived here, once, from the routes themselves
rather than repeated on each of them: a route that depends on `get_actor` can answer 401 and 429, and
503 when the database is out of reach (every such route uses it); a command (POST) 403, 409 and 422 (its
`Idempotency-Key`); a command on a case also 404 and 412 (its `If-Match`); a read of one case 404, and
202 while its `min_version` has not arrived; a route with a body 400 (not even text) and 413; a route
with any input 422. The two headers commands honour but FastAPI cannot see (they are read from the
request, not declared) are documented as parameters, and the bearer scheme as security.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from xborder.api.auth import get_actor
from xborder.api.problems import PROBLEM_MEDIA_TYPE

__all__ = ["PROBLEM_SCHEMA", "describe_answers", "install_openapi"]

_PROBLEM_REF: Final = "#/components/schemas/Problem"
_BEARER: Final = "bearerAuth"
_FASTAPI_VALIDATION_SCHEMAS: Final = ("HTTPValidationError", "ValidationError")

PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "title": "Problem",
    "description": "RFC 9457 problem details, with the service's stable machine `code`.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:xborder:problem:plate.invalid"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string", "examples": ["plate.invalid", "case.conflict"]},
        "field": {"type": "string", "description": "the offending field, header or parameter"},
        "errors": {
            "type": "array",
            "description": "every invalid field, on a 422 for invalid input",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

_RETRY_AFTER: Final = {
    "Retry-After": {"description": "seconds to wait before asking again", "schema": {"type": "string"}}
}
_PROBLEMS: Final[dict[int, tuple[str, dict[str, Any]]]] = {
    # FastAPI's own answer when the body cannot even be decoded (not UTF-8); JSON that does not parse,
    # or does not fit, is 422 like any other invalid input.
    400: ("The request body could not be read as text.", {}),
    401: (
        "No usable bearer token: missing, malformed, forged or expired.",
        {"WWW-Authenticate": {"description": "the bearer challenge", "schema": {"type": "string"}}},
    ),
    403: ("The caller's role or province may not do this (on a case it can see).", {}),
    404: ("No such case, or a case the caller may not see: the two answers are identical.", {}),
    409: ("The case's state does not allow this command, or a concurrent command won.", {}),
    412: ("`If-Match` names a version the case is no longer at.", {}),
    413: ("The request body is larger than the service accepts.", {}),
    422: ("Invalid input, or a rule of the regulations refuses it; `field` names the culprit.", {}),
    429: ("Too many requests, or waiting reads, from this caller.", _RETRY_AFTER),
    503: (
        "The database cannot be reached just now (restarting, or every connection busy), or the service "
        "is busier than it can serve (`service.overloaded`).",
        _RETRY_AFTER,
    ),
}
_NOT_YET: Final[dict[str, Any]] = {
    "description": "`min_version` has not reached the caller's province yet: the current state (or a stub "
    "with version 0) and `Retry-After`.",
    "headers": _RETRY_AFTER,
    "content": {"application/json": {"schema": {"type": "object"}}},
}
_IF_MATCH: Final[dict[str, Any]] = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'the case version this command expects, as its ETag (`"3"`); 412 if it moved on',
    "schema": {"type": "string", "pattern": r'^(?:W/)?"?\d{1,9}"?$', "examples": ['"3"']},
}
_IDEMPOTENCY_KEY: Final[dict[str, Any]] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a retry with the same key and body gets the first answer again and records nothing",
    "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"},
}
# What a few operations answer besides problems, which the route alone does not tell.
_SPECIFIC: Final[dict[tuple[str, str], dict[str, dict[str, Any]]]] = {
    ("get", "/readyz"): {
        "503": {
            "description": "Not ready: the database is unreachable or a worker has stopped (named).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    ("get", "/metrics"): {
        "200": {
            "description": "Prometheus text exposition.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
}


@dataclass(frozen=True, slots=True)
class _Operation:
    """What the answers of one route follow from."""

    authenticated: bool
    command: bool
    on_case: bool
    has_body: bool
    has_input: bool
    waits: bool

    @classmethod
    def of(cls, route: APIRoute, method: str) -> _Operation:
        dependant = route.dependant
        params = [*dependant.path_params, *dependant.query_params, *dependant.header_params]
        command = method == "post"
        return cls(
            authenticated=_depends_on(dependant, get_actor),
            command=command,
            on_case=any(p.name == "case_id" for p in dependant.path_params),
            has_body=route.body_field is not None,
            has_input=bool(params) or route.body_field is not None or command,
            waits=any(p.name == "min_version" for p in dependant.query_params),
        )

    def problem_statuses(self) -> list[int]:
        statuses: set[int] = set()
        if self.authenticated:  # and so reads or writes the database
            statuses |= {401, 429, 503}
        if self.command:
            statuses |= {403, 409, 422}
        if self.on_case:
            statuses.add(404)
        if self.command and self.on_case:
            statuses.add(412)
        if self.has_body:
            statuses |= {400, 413}
        if self.has_input:
            statuses.add(422)
        return sorted(statuses)


def install_openapi(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Make `app.openapi()` (and `/openapi.json`, `/docs`) serve the described document. `routers` are
    the routers included in `app` without a further prefix: their routes carry what the answers follow
    from (the app's own route list is FastAPI's internal business, and changes shape between versions)."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    routes = [route for router in routers for route in router.routes]
    # (FastAPI's document, ours): FastAPI caches its own until the routes change, and so do we.
    latest: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def openapi() -> dict[str, Any]:
        generated = generate()
        if not latest or latest[0][0] is not generated:
            latest[:] = [(generated, describe_answers(deepcopy(generated), routes))]
        return latest[0][1]

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it


def describe_answers(document: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """`document` (FastAPI's OpenAPI) with every operation's problem answers, 202, headers and security."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = deepcopy(PROBLEM_SCHEMA)
    components.setdefault("securitySchemes", {})[_BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "HS256 JWT with `sub`, `province`, `role` (and `org` for insurers).",
    }
    for route in routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in sorted(m.lower() for m in route.methods or ()):
            operation = document.get("paths", {}).get(route.path_format, {}).get(method)
            if operation is not None:
                _describe(operation, _Operation.of(route, method), (method, route.path_format))
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if not _references(document.get("paths", {}), f"#/components/schemas/{name}"):
            schemas.pop(name, None)
    return document


def _describe(operation: dict[str, Any], facts: _Operation, key: tuple[str, str]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for problem in facts.problem_statuses():
        description, answer_headers = _PROBLEMS[problem]
        responses[str(problem)] = {
            "description": description,
            **({"headers": deepcopy(answer_headers)} if answer_headers else {}),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _PROBLEM_REF}}},
        }
    if facts.waits:
        responses["202"] = deepcopy(_NOT_YET)
    for status, answer in _SPECIFIC.get(key, {}).items():
        responses[status] = deepcopy(answer)
    operation["responses"] = dict(sorted(responses.items()))
    if facts.authenticated:
        operation["security"] = [{_BEARER: []}]
    if facts.command:
        honoured = [_IDEMPOTENCY_KEY, *([_IF_MATCH] if facts.on_case else [])]
        parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
        present = {(p.get("name", "").lower(), p.get("in")) for p in parameters}
        parameters.extend(deepcopy(h) for h in honoured if (h["name"].lower(), "header") not in present)


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def _references(value: Any, ref: str) -> bool:
    if isinstance(value, Mapping):
        return value.get("$ref") == ref or any(_references(v, ref) for v in value.values())
    if isinstance(value, list):
        return any(_references(v, ref) for v in value)
    return False
