"""Reads from the caller's province read model, with bounded read-your-writes waiting."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import JSONResponse

from xborder.api.presenters import is_visible, present
from xborder.domain.actors import Actor, Role
from xborder.domain.errors import CaseNotFound

_POLL_SECONDS = 0.05


def read_case(
    request: Request, actor: Actor, case_id: UUID, kind: str, min_version: int | None, wait: float
) -> JSONResponse:
    """The case as the caller's province sees it. With `min_version`, wait up to `wait` seconds for
    that version to be applied; if it is not, answer 202 with the current state and Retry-After."""
    container = request.app.state.container
    province = actor.province or ""
    deadline = time.monotonic() + min(wait, container.settings.read_wait_max_seconds)
    while True:
        doc = container.readmodels.get(province, case_id)
        visible = doc is not None and doc["kind"] == kind and is_visible(doc, actor)
        reached = visible and (min_version is None or doc["version"] >= min_version)
        if reached or min_version is None or time.monotonic() >= deadline:
            break
        time.sleep(_POLL_SECONDS)
    if not reached and min_version is not None:
        body: dict[str, Any] = (
            present(doc, actor)
            if visible and doc
            else {"id": str(case_id), "kind": kind, "version": 0, "status": None}
        )
        return JSONResponse(body, status_code=202, headers={"Retry-After": "1"})
    if not visible or doc is None:
        raise CaseNotFound("No such case.")
    return JSONResponse(present(doc, actor), headers={"ETag": f'"{doc["version"]}"'})


def list_cases(
    request: Request, actor: Actor, kind: str, status: str | None, page: int, page_size: int
) -> dict[str, Any]:
    container = request.app.state.container
    result = container.readmodels.list_cases(
        actor.province or "",
        kind=kind,
        status=status,
        page=page,
        page_size=page_size,
        party=actor.sub if actor.role is Role.OWNER else None,
        insurer=(actor.org or "") if actor.role is Role.INSURER else None,
    )
    return {"items": [present(doc, actor) for doc in result.items], "next_page": result.next_page}
