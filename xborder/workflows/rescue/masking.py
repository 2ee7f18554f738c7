"""What of a rescue case (警医保联动) each caller may not see: masked in the API's answers,
kept in clear in the read models for the offices that handle the case."""

from __future__ import annotations

from xborder.api.presenters import Doc
from xborder.domain.actors import Actor, Role
from xborder.domain.masking import mask_name

# Who sees the liable party a fund's recovery names: the fund and the accident province's offices.
_SEE_LIABLE_PARTY = frozenset({Role.FUND, Role.TRAFFIC_POLICE, Role.DISPATCHER})


def mask_rescue(doc: Doc, actor: Actor) -> None:
    """Medical notes are for the hospital and the dispatch centre; insurers never see them, nor other
    insurers' notices, only what they advance. The liable party the fund recovers from is for the fund
    and the accident province's offices (the others see the surname)."""
    if actor.role not in (Role.MEDICAL, Role.DISPATCHER):
        for casualty in doc.get("casualties", []):
            casualty["medical_notes"] = None
    if actor.role not in _SEE_LIABLE_PARTY or actor.province != doc.get("accident"):
        for recovery in (doc.get("fund") or {}).get("recoveries", []):
            recovery["liable_party"] = mask_name(str(recovery["liable_party"]))
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
