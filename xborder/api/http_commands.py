"""Running a command for an HTTP request: If-Match, Idempotency-Key, and the uniform answer.

Every command answers `{"id", "version", "status"}` with `ETag: "<version>"`. With an
Idempotency-Key, the first answer is stored by the recorder in the same transaction as the events, and
a retry with the same key and body gets that answer back without running the command again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xborder.api.problems import ProblemError
from xborder.domain.actors import Actor
from xborder.domain.application import SaveWith
from xborder.domain.cases import CaseAggregate
from xborder.domain.errors import ConcurrentConflict
from xborder.infra.idempotency import StoredAnswer, fingerprint

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_IF_MATCH = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


@dataclass(frozen=True, slots=True)
class CommandOptions:
    """What the router passes on to the Application."""

    expected_version: int | None
    save_with: SaveWith[Any]

    def kwargs(self) -> dict[str, Any]:
        return {"expected_version": self.expected_version, "save_with": self.save_with}


def result_of(aggregate: CaseAggregate) -> dict[str, Any]:
    return {"id": str(aggregate.id), "version": aggregate.version, "status": str(aggregate.status)}


def run_command(
    request: Request,
    actor: Actor,
    body: BaseModel,
    perform: Callable[[CommandOptions], CaseAggregate],
    *,
    created: bool = False,
) -> JSONResponse:
    container = request.app.state.container
    key = _idempotency_key(request)
    expected = None if created else _if_match(request)
    caller = f"{actor.sub}|{actor.province}|{actor.role.value}"
    body_fingerprint = fingerprint(request.method, request.url.path, body.model_dump(mode="json"))
    status_code = 201 if created else 200

    if key is not None:
        stored = container.idempotency.lookup(caller, key)
        if stored is not None:
            return _replay(request, stored, body_fingerprint)

    def save_with(aggregate: CaseAggregate) -> dict[str, Any]:
        if key is None:
            return {}
        record = container.idempotency.record(
            caller, key, body_fingerprint, status_code, result_of(aggregate)
        )
        return {"idempotency": record}

    try:
        aggregate = perform(CommandOptions(expected_version=expected, save_with=save_with))
    except ConcurrentConflict:
        # Two retries of one request raced: the loser finds the winner's answer.
        if key is not None and (stored := container.idempotency.lookup(caller, key)) is not None:
            return _replay(request, stored, body_fingerprint)
        raise
    return answer(request, status_code, result_of(aggregate))


def answer(request: Request, status_code: int, result: dict[str, Any]) -> JSONResponse:
    headers = {"ETag": f'"{result["version"]}"'}
    if status_code == 201:
        headers["Location"] = f"{request.url.path.rstrip('/')}/{result['id']}"
    return JSONResponse(result, status_code=status_code, headers=headers)


def _replay(request: Request, stored: StoredAnswer, body_fingerprint: str) -> JSONResponse:
    if stored.fingerprint != body_fingerprint:
        raise ProblemError(
            422,
            "idempotency.key_reused",
            "this Idempotency-Key was already used with a different request; use a new key",
            field="Idempotency-Key",
        )
    response = answer(request, stored.status_code, stored.response)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.match(key):
        raise ProblemError(
            422,
            "idempotency_key.invalid",
            "Idempotency-Key must be 1-255 visible ASCII characters",
            field="Idempotency-Key",
        )
    return key


def _if_match(request: Request) -> int | None:
    value = request.headers.get("If-Match")
    if value is None:
        return None
    match = _IF_MATCH.match(value.strip())
    if not match:
        raise ProblemError(
            422, "if_match.invalid", 'If-Match must be a case version as an ETag, e.g. "3"', field="If-Match"
        )
    return int(match.group(1))
