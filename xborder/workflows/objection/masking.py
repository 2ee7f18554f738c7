"""What of a objection case (异地撤销) each caller may not see: masked in the API's answers,
kept in clear in the read models for the offices that handle the case."""

from __future__ import annotations

from xborder.api.presenters import Doc, is_party, mask_person
from xborder.domain.actors import Actor, Role


def mask_objection(doc: Doc, actor: Actor) -> None:
    """Both provinces' traffic police (handling and deciding) and the party see the party's data."""
    if actor.role is not Role.TRAFFIC_POLICE and not is_party(doc, actor):
        mask_person(doc.get("party"))
