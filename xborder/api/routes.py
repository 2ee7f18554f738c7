"""What every workflow's router shares: the command answer model, the `{}` body, the clock, and the
two read endpoints (list and get), registered once per workflow by `add_read_routes`."""

# No `from __future__ import annotations` here: FastAPI must see the status enum passed to
# `add_read_routes` as a real class in the endpoint signatures it builds.

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xborder.api.auth import ActorDep
from xborder.api.fields import StrictBody
from xborder.api.reads import list_cases, read_case

# The deepest page a list serves. Beyond it the page would not fit PostgreSQL's OFFSET (a bigint) or
# would cost a scan of every case before it; 1,000,000 pages of 200 is far more than a province holds,
# so a page past the data still answers an empty page, and only nonsense is refused (422 naming `page`).
MAX_PAGE = 1_000_000


class CommandResult(BaseModel):
    id: UUID
    version: int
    status: str


class NoFields(StrictBody):
    """`{}` (or no body at all)."""


EmptyBody = Annotated[NoFields | None, Body()]


def now(request: Request) -> Any:
    """The service's clock (injectable: tests and demos move it)."""
    return request.app.state.container.clock.now()


def add_read_routes(router: APIRouter, kind: str, statuses: type[StrEnum]) -> None:
    """`GET ""` (the caller's province's cases of this kind, newest first) and `GET /{case_id}` (one
    case, optionally waiting for `min_version`: asynchronous, so a waiting read holds no thread)."""

    def list_of_kind(
        request: Request,
        actor: ActorDep,
        status: statuses | None = None,  # type: ignore[valid-type]  # a class chosen at runtime
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, object]:
        return list_cases(request, actor, kind, str(status) if status else None, page, page_size)

    async def one_of_kind(
        case_id: UUID,
        request: Request,
        actor: ActorDep,
        min_version: Annotated[int | None, Query(ge=1)] = None,
        wait: Annotated[float, Query(ge=0, le=10)] = 0,
    ) -> JSONResponse:
        return await read_case(request, actor, case_id, kind, min_version, wait)

    router.add_api_route("", list_of_kind, methods=["GET"], name=f"list_{kind}")
    router.add_api_route("/{case_id}", one_of_kind, methods=["GET"], name=f"get_{kind}")
