"""Personal data by its subject: erasure requests (the privacy officer) and the blind search an office
runs by ID number or phone — matched on a keyed hash (HMAC), so the clear value never reaches a
query, a log or an index (`xborder.privacy`)."""

# No `from __future__ import annotations`: FastAPI reads the parameter and answer types at runtime.

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from xborder.api.auth import ActorDep
from xborder.api.fields import IdNumberStr, PhoneStr, Ref, Statement, StrictBody
from xborder.api.presenters import is_visible
from xborder.api.problems import problem_response
from xborder.api.threads import run_blocking
from xborder.domain.actors import Actor, Role
from xborder.domain.errors import NotPermitted
from xborder.privacy.erasure import casualty_subject, erase, person_subject
from xborder.privacy.subjects import BlindIndex

router = APIRouter(tags=["personal data"])

# Who may look cases up by a person: the offices that handle them (never owners, insurers, funds).
_SEARCHERS = frozenset({Role.VEHICLE_ADMIN, Role.TRAFFIC_POLICE, Role.INVESTIGATOR, Role.DISPATCHER})


class PersonErasure(StrictBody):
    """A person, by resident ID number."""

    id_number: IdNumberStr
    reason: Statement = Field(description="the request's ground (PIPL Art. 47), kept with the record")


class CasualtyErasure(StrictBody):
    """A rescue's casualty, known by the dispatcher's reference only."""

    case_id: UUID = Field(description="the rescue")
    casualty_ref: Ref
    reason: Statement = Field(description="the request's ground (PIPL Art. 47), kept with the record")


@router.post("/v1/privacy/erasures", status_code=200)
def erase_person(body: PersonErasure, request: Request, actor: ActorDep) -> JSONResponse:
    """Erase a person (by ID number): their key is destroyed, and every read model, page and rebuild
    shows their fields as erased (null, named in `erased_fields`) while the cases' histories stay
    whole. Refused (409, `privacy.legal_hold`, with every `reasons`) while a case naming them is open
    or a statutory period holds the data. Only the `privacy_officer` role."""
    _only_privacy_officers(actor)
    subject = person_subject(request.app.state.container.privacy, body.id_number)
    return _erase(request, actor, subject, body.reason)


@router.post("/v1/privacy/casualty-erasures", status_code=200)
def erase_casualty(body: CasualtyErasure, request: Request, actor: ActorDep) -> JSONResponse:
    """Erase a rescue's casualty (their medical notes), as `/v1/privacy/erasures` erases a person."""
    _only_privacy_officers(actor)
    subject = casualty_subject(request.app.state.container.privacy, body.case_id, body.casualty_ref)
    return _erase(request, actor, subject, body.reason)


def _only_privacy_officers(actor: Actor) -> None:
    if actor.role is not Role.PRIVACY_OFFICER:
        raise NotPermitted("only a privacy officer answers erasure requests")


def _erase(request: Request, actor: Actor, subject: str, reason: str) -> JSONResponse:
    container = request.app.state.container
    outcome = erase(
        container.privacy,
        container.applications,
        container.audit,
        subject,
        actor,
        ground=reason,
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


class ByIdNumber(StrictBody):
    id_number: IdNumberStr


class ByPhone(StrictBody):
    phone: PhoneStr


@router.post("/v1/people/cases")
async def cases_by_id_number(body: ByIdNumber, request: Request, actor: ActorDep) -> dict[str, Any]:
    """The caller's province's cases naming the person with this ID number, newest first: id, kind,
    status and version. Matched by keyed hash; the offices handling cases only. A search changes
    nothing: POST only so that the number travels in the body, never in a URL (where proxies and
    servers log it)."""
    return await _cases_naming(request, actor, lambda blind: blind.person(body.id_number))


@router.post("/v1/people/cases/by-phone")
async def cases_by_phone(body: ByPhone, request: Request, actor: ActorDep) -> dict[str, Any]:
    """As `/v1/people/cases`, by a phone number a person gave in a case."""
    return await _cases_naming(request, actor, lambda blind: blind.phone(body.phone))


async def _cases_naming(
    request: Request, actor: Actor, lookup_of: Callable[[BlindIndex], str]
) -> dict[str, Any]:
    if actor.role not in _SEARCHERS:
        raise NotPermitted("only the offices handling cases look them up by a person")
    container = request.app.state.container
    lookup = lookup_of(container.privacy.blind)
    docs = await run_blocking(container.readmodels.naming, actor.province or "", lookup)
    return {
        "items": [
            {"id": doc["id"], "kind": doc["kind"], "status": doc["status"], "version": doc["version"]}
            for doc in docs
            if is_visible(doc, actor)
        ]
    }
