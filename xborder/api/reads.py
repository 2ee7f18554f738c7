"""Reads from the caller's province read model, with bounded read-your-writes waiting.

A read that waits for a version holds no thread while it waits: it looks at the read model (a short
query in the thread pool), and if the version is not there yet it awaits the province's `VersionWatch`,
which wakes it when the version is applied. So waiting reads cannot starve `/healthz`, other reads or
commands of threads, however many there are; their number per caller is capped all the same
(`WaitingReads`, 429 over the cap).
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import JSONResponse

from xborder.api.case_lookup import visible_case
from xborder.api.disclosure import disclose, disclose_one
from xborder.api.presenters import Doc, is_visible
from xborder.api.shedding import waiting_for_version
from xborder.api.threads import run_blocking
from xborder.api.version_watch import VersionWatch
from xborder.api.waiting import WaitingReads
from xborder.domain.actors import Actor, Role
from xborder.domain.errors import CaseNotFound


async def read_case(
    request: Request, actor: Actor, case_id: UUID, kind: str, min_version: int | None, wait: float
) -> JSONResponse:
    """The case as the caller's province sees it. With `min_version`, wait up to `wait` seconds for
    that version to be applied; if it is not, answer 202 with the current state and Retry-After."""
    container = request.app.state.container
    province = actor.province or ""

    def seen(held: Doc | None) -> tuple[Doc | None, int]:
        """The case if the caller may see it, and the version the province holds (0: none)."""
        version = int(held["version"]) if held is not None else 0
        visible = held is not None and held["kind"] == kind and is_visible(held, actor)
        return (held if visible else None), version

    def look() -> tuple[Doc | None, int, Doc | None]:
        """The first look, and the answer shown when it needs no wait: one thread hop, not two, for
        the read a user usually makes (the case is there, at the version asked for if any)."""
        doc, held = seen(container.readmodels.get(province, case_id))
        if doc is None or (min_version is not None and not _reached(doc, min_version)):
            return doc, held, None
        return doc, held, disclose_one(request, actor, kind, doc)

    doc, held, shown = await run_blocking(look)
    if doc is not None and shown is not None:
        return JSONResponse(shown, headers={"ETag": f'"{doc["version"]}"'})
    if min_version is not None and not _reached(doc, min_version) and wait > 0:
        waiting: WaitingReads = request.app.state.waiting_reads
        watch: VersionWatch = request.app.state.version_watch
        with waiting.admit(actor), waiting_for_version():
            deadline = time.monotonic() + min(wait, container.settings.read_wait_max_seconds)
            while not _reached(doc, min_version) and (left := deadline - time.monotonic()) > 0:
                # A case held at that version but not visible to the caller waits for a later one,
                # so it answers like a missing case: only when the wait is over.
                arrived = await watch.until(province, case_id, max(min_version, held + 1), left)
                if arrived is not None:
                    doc, held = seen(arrived)
    if min_version is not None and not _reached(doc, min_version):
        body: dict[str, Any] = (
            await run_blocking(disclose_one, request, actor, kind, doc)
            if doc is not None
            else {"id": str(case_id), "kind": kind, "version": 0, "status": None}
        )
        return JSONResponse(body, status_code=202, headers=_RETRY)
    if doc is None:
        if await run_blocking(_on_its_way, container, actor, case_id, kind, held):
            body = {"id": str(case_id), "kind": kind, "version": held, "status": None}
            return JSONResponse(body, status_code=202, headers=_RETRY)
        raise CaseNotFound("No such case.")
    shown = await run_blocking(disclose_one, request, actor, kind, doc)
    return JSONResponse(shown, headers={"ETag": f'"{doc["version"]}"'})


_RETRY = {"Retry-After": "1"}


def _on_its_way(container: Any, actor: Actor, case_id: UUID, kind: str, held: int) -> bool:
    """Whether the case exists, the caller will see it, and the caller's province has not applied
    its latest version yet — a case reached by a link (a rescue's fled-driver case) just after it was
    recorded. Anyone else gets the 404 a missing case gets."""
    case = visible_case(container, actor, kind, case_id)
    return case is not None and int(case.version) > held


def _reached(doc: Doc | None, min_version: int) -> bool:
    return doc is not None and int(doc["version"]) >= min_version


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
    return {
        # Filtered in SQL for owners and insurers; `is_visible` also keeps out the roles that see no
        # case at all (auditors, privacy officers), by the same rule a single read applies.
        "items": disclose(request, actor, kind, [doc for doc in result.items if is_visible(doc, actor)]),
        "next_page": result.next_page,
    }
