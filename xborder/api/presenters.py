"""Case documents as a caller may see them: province names added, personal data masked by role.

The read model keeps personal data in clear because the offices handling a case need it; who else
may see it is decided by each workflow's masker (`xborder/workflows/<kind>/masking.py`, a required part
of its spec), applied here (PIPL Art 28: only the roles that need it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from xborder.domain.actors import Actor
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


Masker = Callable[[Doc, Actor], None]


def present(doc: Doc, actor: Actor, mask: Masker) -> Doc:
    """`doc` as `actor` may see it; `mask` is the workflow's own masker (its spec's, required)."""
    out = copy.deepcopy(doc)
    mask(out, actor)
    for name in _INTERNAL_FIELDS:
        out.pop(name, None)
    out["provinces"] = [
        {"code": code, "province_name": province_by_code(code).name, "role": role}
        for code, role in sorted(doc.get("provinces", {}).items())
    ]
    out["deadlines"] = [
        # `provisional` only on a due date counted past the holiday calendar (it may still move)
        {
            "name": name,
            "due": d["due"],
            "overdue": d["overdue"],
            **({"provisional": True} if d.get("provisional") else {}),
        }
        for name, d in sorted(doc.get("deadlines", {}).items())
    ]
    for side in set(doc.get("provinces", {}).values()):  # origin, destination, handling, recording...
        if isinstance(out.get(side), str):
            out[f"{side}_province_name"] = province_by_code(out[side]).name
    return out


def is_party(doc: Doc, actor: Actor) -> bool:
    return actor.sub in doc.get("parties", [])


def mask_person(person: object) -> None:
    if isinstance(person, dict):
        for key, mask in (("name", mask_name), ("id_number", mask_id_number), ("phone", mask_phone)):
            if isinstance(person.get(key), str):
                person[key] = mask(person[key])
