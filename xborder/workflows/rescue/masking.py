"""What of a rescue case (警医保联动) each caller may not see: masked in the API's answers,
kept in clear in the read models for the offices that handle the case."""

from __future__ import annotations

from xborder.api.presenters import Doc
from xborder.domain.actors import Actor, Role


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
