"""What of a transfer case (跨省转籍) each caller may not see: masked in the API's answers,
kept in clear in the read models for the offices that handle the case."""

from __future__ import annotations

from xborder.api.presenters import Doc, is_party, mask_person
from xborder.domain.actors import Actor, Role


def mask_transfer(doc: Doc, actor: Actor) -> None:
    """Both provinces' vehicle administration and the owner see the owner's data."""
    if actor.role is not Role.VEHICLE_ADMIN and not is_party(doc, actor):
        mask_person(doc.get("owner"))
