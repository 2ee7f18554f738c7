"""Case documents as a caller may see them: province names added, personal data masked by role.

The read model keeps personal data in clear because the offices handling a case need it; who else
may see it is decided here, per workflow, in one place (PIPL Art 28: only the roles that need it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from xborder.domain.actors import Actor, Role
from xborder.domain.masking import mask_id_number, mask_name, mask_phone
from xborder.domain.provinces import province_by_code
from xborder.domain.visibility import may_see

Doc = dict[str, Any]

_INTERNAL_FIELDS = ("parties",)


def is_visible(doc: Doc, actor: Actor) -> bool:
    """The domain's rule, applied to the document: the aggregates decide commands with the same
    `may_see`, so a case a GET answers 404 for answers 404 to every command too."""
    return may_see(
        actor,
        provinces=doc.get("provinces", {}),
        parties=doc.get("parties", []),
        insurers=doc.get("insurers", {}),
    )


def present(doc: Doc, actor: Actor) -> Doc:
    out = copy.deepcopy(doc)
    _MASKERS.get(doc["kind"], _no_masking)(out, actor)
    for name in _INTERNAL_FIELDS:
        out.pop(name, None)
    out["provinces"] = [
        {"code": code, "province_name": province_by_code(code).name, "role": role}
        for code, role in sorted(doc.get("provinces", {}).items())
    ]
    out["deadlines"] = [
        {"name": name, "due": d["due"], "overdue": d["overdue"]}
        for name, d in sorted(doc.get("deadlines", {}).items())
    ]
    for side in set(doc.get("provinces", {}).values()):  # origin, destination, handling, recording...
        if isinstance(out.get(side), str):
            out[f"{side}_province_name"] = province_by_code(out[side]).name
    return out


def _is_party(doc: Doc, actor: Actor) -> bool:
    return actor.sub in doc.get("parties", [])


def _mask_person(person: object) -> None:
    if isinstance(person, dict):
        for key, mask in (("name", mask_name), ("id_number", mask_id_number), ("phone", mask_phone)):
            if isinstance(person.get(key), str):
                person[key] = mask(person[key])


def mask_transfer(doc: Doc, actor: Actor) -> None:
    """Both provinces' vehicle administration and the owner see the owner's data."""
    if actor.role is not Role.VEHICLE_ADMIN and not _is_party(doc, actor):
        _mask_person(doc.get("owner"))


def mask_objection(doc: Doc, actor: Actor) -> None:
    """Both provinces' traffic police (handling and deciding) and the party see the party's data."""
    if actor.role is not Role.TRAFFIC_POLICE and not _is_party(doc, actor):
        _mask_person(doc.get("party"))


def mask_hit_and_run(doc: Doc, actor: Actor) -> None:
    """The suspect's identity is for the incident province's and the apprehending province's
    investigators; a target's clue details are for the incident province and that target."""
    apprehension = doc.get("apprehension")
    investigating = actor.role is Role.INVESTIGATOR and actor.province in (
        doc.get("incident"),
        apprehension and apprehension.get("target"),
    )
    if apprehension and not investigating:
        _mask_person(apprehension.get("suspect"))
    if actor.province != doc.get("incident"):
        for code, target in doc.get("targets", {}).items():
            if code != actor.province:
                for clue in target.get("clues", []):
                    clue["details"] = None


def mask_rescue(doc: Doc, actor: Actor) -> None:
    """Medical notes are for the hospital and the dispatch centre; insurers never see them, nor other
    insurers' notices, only what they advance."""
    if actor.role not in (Role.MEDICAL, Role.DISPATCHER):
        for casualty in doc.get("casualties", []):
            casualty["medical_notes"] = None
    if actor.role is Role.INSURER:
        doc["insurers"] = {k: v for k, v in doc.get("insurers", {}).items() if k == actor.org}
        doc["awaiting"] = [
            item
            for item in doc.get("awaiting", [])
            if item.get("role") != Role.INSURER.value or item.get("org") == actor.org
        ]
        for entry in doc.get("history", []):
            who = entry.get("actor") or {}
            if who.get("role") == Role.INSURER.value and who.get("org") != actor.org:
                entry["actor"] = {**who, "sub": None, "org": None}


def _no_masking(doc: Doc, actor: Actor) -> None:
    return None


_MASKERS: Mapping[str, Callable[[Doc, Actor], None]] = {
    "transfer": mask_transfer,
    "objection": mask_objection,
    "hit_and_run": mask_hit_and_run,
    "rescue": mask_rescue,
}
