"""`GET /v1/audit`: a province's audit log of sensitive reads, for that province's `auditor` only.

Who saw which personal fields unmasked, of which case, when and through which request — newest first,
a page at a time (`next` is the `after` of the following page). Every other role gets 403; an auditor
reads its own province's chain and no other (`xborder.privacy.audit`)."""

# No `from __future__ import annotations`: FastAPI reads the parameter and answer types at runtime.

from datetime import datetime
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, AwareDatetime, BaseModel

from xborder.api.auth import ActorDep
from xborder.api.problems import PROBLEM_MEDIA_TYPE
from xborder.domain.actors import Role
from xborder.domain.errors import NotPermitted
from xborder.domain.text import check_text

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "router"]

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 500
# A bigint: the largest `seq` PostgreSQL can hold.
_MAX_SEQ: Final = 2**63 - 1

router = APIRouter(tags=["audit"])


class AuditItem(BaseModel):
    seq: int
    at: datetime
    sub: str
    role: str
    org: str | None
    province: str | None
    case_id: UUID | None
    fields: list[str]
    path: str
    action: str


class AuditPage(BaseModel):
    items: list[AuditItem]
    next: int | None


_FORBIDDEN: Final[dict[int | str, dict[str, Any]]] = {
    403: {
        "description": "Only a province's auditor reads its audit log.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


@router.get("/v1/audit", response_model=AuditPage, responses=_FORBIDDEN)
def audit_log(
    request: Request,
    actor: ActorDep,
    since: Annotated[
        AwareDatetime | None, Query(description="rows recorded at or after this instant")
    ] = None,
    until: Annotated[AwareDatetime | None, Query(description="rows recorded before this instant")] = None,
    case_id: Annotated[UUID | None, Query(description="rows about this case")] = None,
    sub: Annotated[
        str | None,
        Query(min_length=1, max_length=128, description="rows of this account (the reader's `sub`)"),
        AfterValidator(lambda v: None if v is None else check_text(v)),
    ] = None,
    after: Annotated[
        int | None, Query(ge=1, le=_MAX_SEQ, description="the `next` of the previous page: older rows")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """The caller's province's audit log, newest first: who (sub, role, org, province) saw which fields
    (`owner.id_number`...) of which case unmasked, when (`at`), through which request (`path`), and
    what it did (`action`: read, erase, export). `next`: pass it as `after` for the older rows (null on
    the last page). Only the `auditor` role; other roles get 403."""
    if actor.role is not Role.AUDITOR or actor.province is None:
        raise NotPermitted("only a province's auditor reads its audit log")
    rows = request.app.state.container.audit.read(
        actor.province,
        since=since,
        until=until,
        case_id=case_id,
        sub=sub,
        after_seq=after,
        limit=limit + 1,
    )
    items = rows[:limit]
    more = len(rows) > limit
    return {"items": items, "next": items[-1]["seq"] if more else None}
