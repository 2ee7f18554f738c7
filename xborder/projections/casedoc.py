"""The part of every case document that does not depend on the workflow.

A projector is a pure function (doc before, envelope) -> doc after. This module does the bookkeeping
every workflow shares — version, times, deadlines, history — and hands the rest to the workflow's own
projector. Documents are plain JSON: datetimes as RFC 3339 strings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xborder.infra.contracts import Envelope

Doc = dict[str, Any]
WorkflowProjector = Callable[[Doc, Envelope], None]


class ProjectionGapError(Exception):
    """An event arrived whose predecessor this read model never applied: stop, do not guess."""


def iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def new_doc(kind: str, envelope: Envelope) -> Doc:
    return {
        "id": str(envelope.aggregate_id),
        "kind": kind,
        "status": "",
        "version": 0,
        "created_at": iso(envelope.occurred_at),
        "updated_at": iso(envelope.occurred_at),
        "provinces": {},
        "parties": [],
        "deadlines": {},
        "history": [],
        "awaiting": [],
    }


def apply_common(doc: Doc, envelope: Envelope) -> None:
    doc["version"] = envelope.version
    doc["updated_at"] = iso(envelope.occurred_at)
    deadlines: dict[str, Any] = doc["deadlines"]
    for name in envelope.deadlines.closed:
        deadlines.pop(name, None)
    for name, due in envelope.deadlines.opened.items():
        deadlines[name] = {"due": iso(due), "overdue": False}
    overdue = envelope.data.get("deadline") if envelope.type.endswith(("Overdue", "Lapsed")) else None
    if isinstance(overdue, str) and overdue in deadlines:
        deadlines[overdue]["overdue"] = True
    actor = envelope.actor or {}
    doc["history"].append(
        {
            "version": envelope.version,
            "type": envelope.type,
            "at": iso(envelope.occurred_at),
            "province": actor.get("province"),
            "actor": {k: actor.get(k) for k in ("sub", "role", "province", "org")},
        }
    )
