"""Case documents as a caller may see them: province names added, personal data masked by role.

The read model keeps personal data in clear because the offices handling a case need it; who else
may see it is decided here, per workflow, in one table (PIPL Art 28: only the roles that need it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from xborder.domain.actors import Actor, Role
from xborder.domain.masking import mask_id_number, mask_name, mask_phone
from xborder.domain.provinces import province_by_code

Doc = dict[str, Any]

# kind -> roles that see the parties' personal data in clear (the party itself always does)
CLEAR_PERSONAL_DATA: Mapping[str, frozenset[Role]] = {
    "transfer": frozenset({Role.VEHICLE_ADMIN}),
    "objection": frozenset({Role.TRAFFIC_POLICE}),
}

_INTERNAL_FIELDS = ("parties",)


def is_visible(doc: Doc, actor: Actor) -> bool:
    """Owners see only their own cases; the read model already holds only the province's cases."""
    return actor.role is not Role.OWNER or actor.sub in doc.get("parties", [])


def present(doc: Doc, actor: Actor) -> Doc:
    out = copy.deepcopy(doc)
    clear = actor.role in CLEAR_PERSONAL_DATA.get(doc["kind"], frozenset()) or actor.sub in doc.get(
        "parties", []
    )
    if not clear:
        _MASKERS.get(doc["kind"], _no_masking)(out)
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


def _mask_person(person: object) -> None:
    if isinstance(person, dict):
        person["name"] = mask_name(person.get("name", ""))
        person["id_number"] = mask_id_number(person.get("id_number", ""))
        person["phone"] = mask_phone(person.get("phone", ""))


def _mask_transfer(doc: Doc) -> None:
    _mask_person(doc.get("owner"))


def _mask_objection(doc: Doc) -> None:
    _mask_person(doc.get("party"))


def _no_masking(doc: Doc) -> None:
    return None


_MASKERS: Mapping[str, Callable[[Doc], None]] = {"transfer": _mask_transfer, "objection": _mask_objection}
