"""Every error the API answers is RFC 9457 problem+json with a stable machine `code`.

The domain raises `DomainError`s carrying their own code; this module is the one place that maps them to
HTTP statuses. A case of another province and a missing case produce byte-identical bodies. Input values
are not echoed for personal-data fields, and the 500 answer says nothing about what went wrong.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from xborder.api.allow import allowed_methods
from xborder.api.auth import MISSING_TOKEN, AuthenticationFailed
from xborder.api.holds_view import holds_as_seen
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
from xborder.infra.failures import PASSING_FAULTS, describe_failure, is_passing_fault

__all__ = [
    "CASE_NOT_FOUND_DETAIL",
    "PROBLEM_MEDIA_TYPE",
    "ProblemError",
    "install_problem_handlers",
    "problem_response",
]

logger = logging.getLogger("xborder.api")

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
PROBLEM_TYPE_PREFIX: Final = "urn:xborder:problem:"
CASE_NOT_FOUND_DETAIL: Final = "No such case."
INTERNAL_ERROR_DETAIL: Final = "An unexpected error occurred. It has been logged."
UNAVAILABLE_DETAIL: Final = "The service cannot reach its database just now; retry shortly."

# DomainError family -> (status, title). Most specific class first; the first isinstance match wins.
_DOMAIN_STATUS: Final[tuple[tuple[type[DomainError], int, str], ...]] = (
    (VehicleBlocked, 422, "Vehicle blocked"),
    (InvalidValue, 422, "Invalid value"),
    (RuleViolation, 422, "Rule violated"),
    (TransitionNotAllowed, 409, "Transition not allowed"),
    (NotPermitted, 403, "Not permitted"),
    (CaseNotFound, 404, "Case not found"),
    (VersionMismatch, 412, "Version mismatch"),
    (ConcurrentConflict, 409, "Conflict"),
    (DomainError, 422, "Domain rule"),
)

# Field names whose submitted values are personal data: their values never appear in a message.
_SENSITIVE_FIELD: Final = re.compile(r"id_number|phone|name|notes|address", re.IGNORECASE)
_LOCATION_PREFIXES: Final = frozenset({"body", "query", "path", "header", "cookie"})
_CUSTOM_MESSAGE_TYPES: Final = frozenset({"value_error", "assertion_error"})
_MAX_FIELDS_IN_DETAIL: Final = 5


@dataclass(eq=False)
class ProblemError(Exception):
    """An API-level error (idempotency-key reuse, malformed If-Match...) answered as problem+json."""

    status: int
    code: str
    detail: str
    _: KW_ONLY
    title: str | None = None
    field: str | None = None
    headers: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.detail)


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    field: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """`extra`: members a problem type adds (RFC 9457 §3.2), such as a refused transfer's `holds`."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field:
        body["field"] = field
    if errors is not None:
        body["errors"] = [dict(error) for error in errors]
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_MEDIA_TYPE)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(AuthenticationFailed, _authentication_failed)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    for fault in PASSING_FAULTS:
        app.add_exception_handler(fault, _unavailable)
    app.add_exception_handler(Exception, _unhandled)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# Handlers take `Exception` (the type Starlette registers) and narrow it; anything unexpected is a 500.


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, DomainError):
        return await _unhandled(request, exc)
    status, title = next((s, t) for cls, s, t in _DOMAIN_STATUS if isinstance(exc, cls))
    if isinstance(exc, CaseNotFound):
        # Identical for a missing case and a case of another province.
        return problem_response(status, exc.code, CASE_NOT_FOUND_DETAIL, title=title)
    if isinstance(exc, VehicleBlocked):
        return _vehicle_blocked(request, exc, status, title)
    return problem_response(status, exc.code, exc.detail, title=title, field=exc.field)


def _vehicle_blocked(request: Request, exc: VehicleBlocked, status: int, title: str) -> JSONResponse:
    """The refusal, with the holds as this caller may see them (`xborder.api.holds_view`)."""
    actor = getattr(request.state, "actor", None)
    holds = holds_as_seen(exc.holds, actor, request.app.state.container) if actor else []
    return problem_response(
        status, exc.code, exc.detail, title=title, field=exc.field, extra={"holds": holds}
    )


async def _authentication_failed(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, AuthenticationFailed):
        return await _unhandled(request, exc)
    challenge = "Bearer" if exc.code == MISSING_TOKEN else 'Bearer error="invalid_token"'
    return problem_response(
        401, exc.code, exc.detail, title="Authentication required", headers={"WWW-Authenticate": challenge}
    )


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ProblemError):
        return await _unhandled(request, exc)
    return problem_response(
        exc.status, exc.code, exc.detail, title=exc.title, field=exc.field, headers=exc.headers
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):
        return await _unhandled(request, exc)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else _phrase(exc.status_code)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope)) or headers.get("Allow", "")
    return problem_response(exc.status_code, f"http.{exc.status_code}", detail, headers=headers)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database is restarting or the pool is exhausted: not the client's fault, worth a retry."""
    route = request.scope.get("route")
    where = getattr(route, "path", None) or request.url.path
    logger.warning("%s %s: %s", request.method, where, describe_failure(exc))
    return problem_response(503, "service.unavailable", UNAVAILABLE_DETAIL, headers={"Retry-After": "1"})


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    # The route template, not the raw path: paths can carry plates and other identifiers.
    route = request.scope.get("route")
    where = getattr(route, "path", None) or request.url.path
    if is_passing_fault(exc):
        return await _unavailable(request, exc)
    logger.exception("unhandled %s on %s %s", type(exc).__name__, request.method, where, exc_info=exc)
    return problem_response(500, "internal.error", INTERNAL_ERROR_DETAIL)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        return await _unhandled(request, exc)
    errors = [_describe(error) for error in exc.errors()] or [
        {"field": None, "code": "body.invalid", "message": "the request is not valid"}
    ]
    shown = [f"{e['field'] or 'request body'}: {e['message']}" for e in errors[:_MAX_FIELDS_IN_DETAIL]]
    detail = "; ".join(shown)
    if len(errors) > _MAX_FIELDS_IN_DETAIL:
        detail += f" (and {len(errors) - _MAX_FIELDS_IN_DETAIL} more)"
    first = errors[0]
    return problem_response(
        422, first["code"], detail, title="Invalid request", field=first["field"], errors=errors
    )


def _describe(error: Mapping[str, Any]) -> dict[str, Any]:
    """One pydantic error as {"field", "code", "message"}, without the submitted value of personal data."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    cause = ctx.get("error") if isinstance(ctx, Mapping) else None
    loc = [part for part in error.get("loc", ()) if part is not None]
    if loc and loc[0] in _LOCATION_PREFIXES:
        loc = loc[1:]
    path = ".".join(str(part) for part in loc) if kind != "json_invalid" else ""

    if isinstance(cause, DomainError):
        code = cause.code
        path = path or (cause.field or "")
    elif kind == "json_invalid":
        code = "body.malformed"
    elif not path:
        code = "body.missing" if kind == "missing" else "body.invalid"
    else:
        code = {"extra_forbidden": "field.unknown", "missing": "field.missing"}.get(kind, "field.invalid")

    sensitive = _SENSITIVE_FIELD.search(path) is not None
    if kind == "json_invalid":
        message = "not valid JSON"
    elif isinstance(cause, DomainError):
        message = cause.detail
    elif kind in _CUSTOM_MESSAGE_TYPES and isinstance(cause, BaseException):
        message = str(cause)
    else:
        message = str(error.get("msg", ""))
    if sensitive and (
        isinstance(cause, DomainError)
        or kind in _CUSTOM_MESSAGE_TYPES
        or _echoes(message, error.get("input"))
    ):
        # Our own validators may quote the value; for personal data the code says enough.
        message = _generic_message(code)
    return {"field": path or None, "code": code, "message": message or _generic_message(code)}


def _echoes(message: str, value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    text = str(value).strip()
    return bool(text) and text in message


def _generic_message(code: str) -> str:
    if code.endswith(".missing"):
        return "is required"
    if code == "field.unknown":
        return "is not an accepted field"
    return "is not valid"
