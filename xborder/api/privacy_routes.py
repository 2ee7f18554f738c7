"""Personal data by its subject: erasure requests (the privacy officer) and the blind search an office
runs by ID number or phone — matched on a keyed hash (HMAC), so the clear value never reaches a
query, a log or an index (`xborder.privacy`)."""

# No `from __future__ import annotations`: FastAPI reads the parameter and answer types at runtime.

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator
from starlette.concurrency import run_in_threadpool

from xborder.api.auth import ActorDep
from xborder.api.fields import IdNumberStr, PhoneStr, Ref, Statement, StrictBody
from xborder.api.presenters import is_visible
from xborder.api.problems import ProblemError, problem_response
from xborder.domain.actors import Role
from xborder.domain.errors import NotPermitted
from xborder.privacy.erasure import casualty_subject, erase, person_subject

router = APIRouter(tags=["personal data"])

# Who may look cases up by a person: the offices that handle them (never owners, insurers, funds).
_SEARCHERS = frozenset({Role.VEHICLE_ADMIN, Role.TRAFFIC_POLICE, Role.INVESTIGATOR, Role.DISPATCHER})


class ErasureRequest(StrictBody):
    """Whose data to erase: a person by ID number, or a casualty by rescue and reference."""

    id_number: IdNumberStr | None = None
    case_id: UUID | None = Field(default=None, description="with `casualty_ref`: a casualty of that rescue")
    casualty_ref: Ref | None = None
    reason: Statement = Field(description="the request's ground (PIPL Art. 47), kept with the record")

    @model_validator(mode="after")
    def _one_subject(self) -> "ErasureRequest":
        casualty = self.case_id is not None or self.casualty_ref is not None
        if (self.id_number is None) == (not casualty):
            raise ValueError("name either id_number, or case_id with casualty_ref")
        if casualty and (self.case_id is None or self.casualty_ref is None):
            raise ValueError("a casualty is named by case_id and casualty_ref together")
        return self


@router.post("/v1/privacy/erasures", status_code=200)
def request_erasure(body: ErasureRequest, request: Request, actor: ActorDep) -> JSONResponse:
    """Erase a data subject: their key is destroyed, and every read model, page and rebuild shows their
    fields as erased (`erased_fields`) while the cases' histories stay whole. Refused (409,
    `privacy.legal_hold`, with every `reasons`) while a case naming them is open or a statutory period
    holds the data. Only the `privacy_officer` role."""
    if actor.role is not Role.PRIVACY_OFFICER:
        raise NotPermitted("only a privacy officer answers erasure requests")
    container = request.app.state.container
    privacy = container.privacy
    subject = (
        person_subject(privacy, body.id_number)
        if body.id_number is not None
        else casualty_subject(privacy, body.case_id, body.casualty_ref or "")  # type: ignore[arg-type]
    )
    outcome = erase(
        privacy,
        container.applications,
        container.audit,
        subject,
        actor,
        ground=body.reason,
        path=request.url.path,
    )
    if not outcome.erased:
        return problem_response(
            409,
            "privacy.legal_hold",
            "the data must be kept: " + "; ".join(outcome.reasons),
            extra=outcome.as_dict(),
        )
    return JSONResponse(outcome.as_dict())


@router.get("/v1/people/cases")
async def cases_of_person(
    request: Request,
    actor: ActorDep,
    id_number: Annotated[IdNumberStr | None, Query()] = None,
    phone: Annotated[PhoneStr | None, Query()] = None,
) -> dict[str, Any]:
    """The caller's province's cases naming this person (by ID number or phone), newest first: id,
    kind, status and version. Matched by keyed hash; the offices handling cases only."""
    if actor.role not in _SEARCHERS:
        raise NotPermitted("only the offices handling cases look them up by a person")
    if (id_number is None) == (phone is None):
        raise ProblemError(
            422, "request.invalid", "give exactly one of id_number and phone", field="id_number"
        )
    container = request.app.state.container
    blind = container.privacy.blind
    lookup = blind.person(id_number) if id_number is not None else blind.phone(phone or "")
    docs = await run_in_threadpool(container.readmodels.naming, actor.province or "", lookup)
    return {
        "items": [
            {"id": doc["id"], "kind": doc["kind"], "status": doc["status"], "version": doc["version"]}
            for doc in docs
            if is_visible(doc, actor)
        ]
    }
