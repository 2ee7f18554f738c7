"""Case documents leave the service here: their sealed personal values opened with the keys that still
exist, masked by the workflow's rules for the caller, and every value shown unmasked recorded in the
audit log (who, when, which case, which fields, why) before the answer goes out. What is personal is
the sealing rule's (`xborder.privacy.sealing`), applied to the opened document: a value stored before
sealing, in clear, is audited all the same.

The read models hold personal values sealed (`xborder.privacy`); this is the one place they are opened.
A value whose subject was erased shows as null and its path is listed in `erased_fields`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request

from xborder.api.deps import masker
from xborder.api.presenters import Doc, present
from xborder.domain.actors import Actor
from xborder.privacy.audit import AuditEntry
from xborder.privacy.sealing import personal_paths


def disclose(request: Request, actor: Actor, kind: str, docs: list[Doc]) -> list[Doc]:
    """`docs` as `actor` may see them (blocking: keys and the audit log are in the database)."""
    container = request.app.state.container
    mask = masker(request, kind)
    out: list[Doc] = []
    entries: list[AuditEntry] = []
    for opened in container.privacy.opener.open_all(docs):
        shown = present(opened.doc, actor, mask)
        if opened.erased:
            shown["erased_fields"] = sorted(opened.erased)
        clear = opened.doc
        unmasked = tuple(
            sorted(
                path
                for path in personal_paths(clear)
                if (value := _at(shown, path)) is not None and value == _at(clear, path)
            )
        )
        if unmasked:
            entries.append(
                AuditEntry(
                    sub=actor.sub,
                    role=actor.role.value,
                    org=actor.org,
                    province=actor.province,
                    case_id=UUID(str(opened.doc["id"])),
                    fields=unmasked,
                    path=request.url.path,
                )
            )
        out.append(shown)
    if entries:
        container.audit_writer.record(entries)
    return out


def disclose_one(request: Request, actor: Actor, kind: str, doc: Doc) -> Doc:
    return disclose(request, actor, kind, [doc])[0]


def _at(doc: Any, dotted: str) -> Any:
    value = doc
    for part in dotted.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
