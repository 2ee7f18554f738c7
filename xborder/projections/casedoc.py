"""The part of every case document that does not depend on the workflow.

A projector is a pure function (doc before, envelope) -> doc after. This module does the bookkeeping
every workflow shares — version, times, deadlines, history, and the status and awaiting the aggregate
decided — and hands the rest to the workflow's own projector. Readers copy what the domain decided
and never re-derive it from event names, so a read model cannot disagree with its aggregate.
Documents are plain JSON: datetimes as RFC 3339 strings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xborder.domain.text import ensure_storable
from xborder.infra.contracts import Envelope

Doc = dict[str, Any]
# A workflow's projector: copies the workflow's own facts from an envelope into the case document.
# Status and who must act next come with the envelope, as the aggregate decided them, and are applied
# by `apply_common` before it: a projector never re-derives them.
WorkflowProjector = Callable[[Doc, Envelope], None]


class ProjectionGapError(Exception):
    """An event arrived whose predecessor this read model never applied: stop, do not guess."""


class UndecidedEnvelopeError(ValueError):
    """An envelope without the status and awaiting its aggregate decided: one published before events
    carried them. A read model does not guess them; the record is parked, and `xborder dead-letters
    retry` (or a rebuild) applies the case again from the event store, where they are recovered."""


def iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def new_doc(kind: str, envelope: Envelope) -> Doc:
    at = iso(envelope.occurred_at)
    return {
        "id": str(envelope.aggregate_id),
        "kind": kind,
        "status": "",
        "version": 0,
        "created_at": at,
        "updated_at": at,
        "provinces": {},
        "parties": [],
        "deadlines": {},
        "history": [],
        "awaiting": [],
    }


def ensure_envelope_storable(envelope: Envelope) -> None:
    """Refuse an envelope holding text storage cannot keep, naming where (`UnstorableText`).

    What an envelope brings comes from the wire or the event store; it is checked before anything of it
    can reach the database, whose error would quote it into the server's log."""
    ensure_storable(
        {
            "data": envelope.data,
            "actor": envelope.actor,
            "status": envelope.status,
            "awaiting": envelope.awaiting,
        }
    )


def apply_common(doc: Doc, envelope: Envelope) -> None:
    """Copy what the domain decided — status, awaiting, the clocks opened, closed and flagged overdue —
    and record the event in the history. Nothing here looks at the event's name."""
    if envelope.status is None or envelope.awaiting is None:
        raise UndecidedEnvelopeError(
            f"{envelope.type} v{envelope.version} carries no status or awaiting (published before events did)"
        )
    at = iso(envelope.occurred_at)
    doc["version"] = envelope.version
    doc["updated_at"] = at
    doc["status"] = envelope.status
    doc["awaiting"] = [dict(entry) for entry in envelope.awaiting]
    deadlines: dict[str, Any] = doc["deadlines"]
    for name in envelope.deadlines.closed:
        deadlines.pop(name, None)
    for name, due in envelope.deadlines.opened.items():
        deadlines[name] = {"due": iso(due), "overdue": False}
        if name in envelope.deadlines.provisional:  # counted past the calendar's known years
            deadlines[name]["provisional"] = True
    for name in envelope.deadlines.overdue:
        if name in deadlines:  # an event may flag a clock and stop it at once (the transfer's lapse)
            deadlines[name]["overdue"] = True
    actor = envelope.actor or {}
    doc["history"].append(
        {
            "version": envelope.version,
            "type": envelope.type,
            "at": at,
            "province": actor.get("province"),
            "actor": {k: actor.get(k) for k in ("sub", "role", "province", "org")},
        }
    )
