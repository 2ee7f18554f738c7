"""What of a hit-and-run case (逃逸协查) each caller may not see: masked in the API's answers,
kept in clear in the read models for the offices that handle the case."""

from __future__ import annotations

from xborder.api.presenters import Doc, mask_person
from xborder.domain.actors import Actor, Role


def mask_hit_and_run(doc: Doc, actor: Actor) -> None:
    """The suspect's identity is for the incident province's and the apprehending province's
    investigators; a target's clue details are for the incident province and that target."""
    apprehension = doc.get("apprehension")
    investigating = actor.role is Role.INVESTIGATOR and actor.province in (
        doc.get("incident"),
        apprehension and apprehension.get("target"),
    )
    if apprehension and not investigating:
        mask_person(apprehension.get("suspect"))
    if actor.province != doc.get("incident"):
        for code, target in doc.get("targets", {}).items():
            if code != actor.province:
                for clue in target.get("clues", []):
                    clue["details"] = None
