"""The integration-event envelope: what leaves the event store for Kafka and the read models.

It is deliberately independent of the stored form (eventsourcing's topics and transcoder): consumers in
other provinces, possibly other code bases, depend on this schema only. Evolve it by adding optional
fields; a breaking change gets a new `schema` value and a new topic suffix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

SCHEMA = "xborder.event/1"

# uuid5 namespace for event ids: the same (aggregate, version) always yields the same event id, so a
# re-published event is recognisably the same event everywhere.
EVENT_ID_NAMESPACE = UUID("6f1c2f4e-5d8a-4b7e-9a51-3c0f7d2e8b10")

# Kafka topic per aggregate type; the key is the aggregate id so per-aggregate order holds.
TOPICS: Mapping[str, str] = {
    "VehicleTransfer": "xborder.vehicle-transfer.v1",
    "ViolationObjection": "xborder.violation-objection.v1",
    "HitAndRunCase": "xborder.hit-and-run.v1",
    "JointRescue": "xborder.joint-rescue.v1",
}

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
    }
)


class DeadlineChanges(BaseModel):
    """Clocks this event started (name -> due) and stopped; computed by the domain, never by readers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    opened: dict[str, datetime] = Field(default_factory=dict)
    closed: list[str] = Field(default_factory=list)


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
    same history, as the provinces involved from the start; the others see nothing twice."""
    envelope = envelope_from_event(aggregate_type, event)
    joined = sorted(getattr(event, "joined", None) or [])
    if not joined or envelope.version == 1:
        return [envelope]
    replayed = [
        envelope_from_event(aggregate_type, prior).model_copy(update={"provinces": joined, "catch_up": True})
        for prior in prior_events(envelope.aggregate_id, envelope.version - 1)
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
        ),
        data=data,
    )
