"""The integration-event envelope: what leaves the event store for Kafka and the read models.

It is deliberately independent of the stored form (eventsourcing's topics and transcoder): consumers in
other provinces, possibly other code bases, depend on this schema only. Evolve it by adding optional
fields; a breaking change gets a new `schema` value and a new topic suffix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from xborder.domain.history import decide_by_replay

SCHEMA = "xborder.event/1"

# uuid5 namespace for event ids: the same (aggregate, version) always yields the same event id, so a
# re-published event is recognisably the same event everywhere.
EVENT_ID_NAMESPACE = UUID("6f1c2f4e-5d8a-4b7e-9a51-3c0f7d2e8b10")

# Attributes every case event carries that the envelope lifts out of `data`.
_ENVELOPE_ATTRIBUTES = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "at",
        "actor",
        "provinces",
        "joined",
        "opens",
        "closes",
        "overdue",
        "status",
        "awaiting",
    }
)


class DeadlineChanges(BaseModel):
    """Clocks this event started (name -> due), stopped, and flagged as passed (`overdue`: they stay
    open, the awaited act may still come late); computed by the domain, never by readers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    opened: dict[str, datetime] = Field(default_factory=dict)
    closed: list[str] = Field(default_factory=list)
    overdue: list[str] = Field(default_factory=list)


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: Literal["xborder.event/1"] = Field(default="xborder.event/1", alias="schema")
    event_id: UUID
    aggregate_type: str
    aggregate_id: UUID
    version: int = Field(ge=1)
    type: str
    occurred_at: datetime
    provinces: list[str]
    actor: dict[str, Any] | None = None
    deadlines: DeadlineChanges = Field(default_factory=DeadlineChanges)
    # The case's status after this event and who must act next ({province, role, action, deadline}
    # and, for one organisation of a role, org), as the aggregate decided them: read models copy them.
    # None only in an envelope published before events carried them; a read model refuses to guess.
    status: str | None = None
    awaiting: list[dict[str, Any]] | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    # True on an earlier event replayed to provinces that joined the case later (see `envelopes_for`):
    # province read models apply it; consumers of deadlines or holds have seen it already and skip it.
    catch_up: bool = False

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)


def event_id_for(aggregate_id: UUID, version: int) -> UUID:
    return uuid5(EVENT_ID_NAMESPACE, f"{aggregate_id}:{version}")


PriorEvents = Callable[[UUID, int], Iterable[Any]]


def envelopes_for(aggregate_type: str, event: Any, prior_events: PriorEvents) -> list[Envelope]:
    """The envelope of `event`, preceded — when the event brings new provinces into the case — by the
    case's earlier events addressed to those provinces only. A province that joins a case late (a
    hit-and-run target added when the suspect turns toward it) thus builds the same document, with the
    same history, as the provinces involved from the start; the others see nothing twice.

    An event recorded before events carried their status and awaiting gets them here, decided by
    replaying the case's earlier events (`xborder.domain.history`), so every envelope carries them."""
    joined = sorted(getattr(event, "joined", None) or [])
    version: int = event.originator_version
    replays = bool(joined) and version > 1
    if not replays and event.is_decided:
        return [envelope_from_event(aggregate_type, event)]
    earlier = list(prior_events(event.originator_id, version - 1)) if version > 1 else []
    *earlier, latest = decide_by_replay([*earlier, event])
    envelope = envelope_from_event(aggregate_type, latest)
    if not replays:
        return [envelope]
    replayed = [
        envelope_from_event(aggregate_type, prior).model_copy(update={"provinces": joined, "catch_up": True})
        for prior in earlier
    ]
    return [*replayed, envelope]


def envelope_from_event(aggregate_type: str, event: Any) -> Envelope:
    """Translate a stored domain event (a case event, see `xborder.domain.cases`) into an envelope."""
    attributes: dict[str, Any] = dict(event.__dict__)
    data = {k: v for k, v in attributes.items() if k not in _ENVELOPE_ATTRIBUTES}
    return Envelope(
        event_id=event_id_for(event.originator_id, event.originator_version),
        aggregate_type=aggregate_type,
        aggregate_id=event.originator_id,
        version=event.originator_version,
        type=type(event).__name__,
        occurred_at=attributes["at"],
        provinces=sorted(attributes["provinces"]),
        actor=attributes.get("actor"),
        deadlines=DeadlineChanges(
            opened=dict(attributes.get("opens") or {}),
            closed=list(attributes.get("closes") or []),
            overdue=list(attributes.get("overdue") or []),
        ),
        status=attributes.get("status"),
        awaiting=attributes.get("awaiting"),
        data=data,
    )
