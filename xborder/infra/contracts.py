"""The integration-event envelope: what leaves the event store for Kafka and the read models.

It is deliberately independent of the stored form (eventsourcing's topics and transcoder): consumers in
other provinces, possibly other code bases, depend on this schema only. Evolve it by adding optional
fields; a breaking change gets a new `schema` value and a new topic suffix.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha1
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, TypeVar
from uuid import UUID, SafeUUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
        "provisional",
    }
)


class EventData(BaseModel):
    """Base of the declared `data` of one event type (each workflow's `contract` module).

    `extra="forbid"` and no defaults: a stored event with an attribute renamed, added or dropped no
    longer matches, and building its envelope fails loudly instead of sending other provinces a
    different `data`. Enum fields hold their plain values, as the JSON does."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=True)

    @classmethod
    def declared_in(cls, module: str) -> EventSchemas:
        """Every `EventData` class declared in `module` (a workflow's `contract` module, which holds its
        event types and nothing else of that kind), by name, in declaration order: the order the
        AsyncAPI document lists them. Called at the end of that module, so the list of its event types
        is the module itself, never restated beside it."""
        declared = [
            value
            for value in vars(sys.modules[module]).values()
            if isinstance(value, type) and issubclass(value, cls) and value.__module__ == module
        ]
        return MappingProxyType({model.__name__: model for model in declared})


class DeadlinePassed(EventData):
    """Base of the events the deadline watcher records when a clock ran out without the awaited act."""

    deadline: str = Field(description="the name of the deadline that passed, as in `deadlines.overdue`")


class ReasonGiven(EventData):
    """Base of the events whose whole `data` is the reason someone gave (a verdict, a withdrawal)."""

    reason: str


class DeadlineRevised(ReasonGiven):
    """Deadlines recounted once the holiday calendar learned a year they had been counted into
    (`xborder calendar apply`): `deadlines.opened` holds each one's new due instant, and
    `deadlines.provisional` those still counted past the calendar. Every workflow's cases record it."""


class NestedData(BaseModel):
    """Base of an object nested in an event's `data` (a place, a vehicle, a person): as strict as
    `EventData`, so a renamed inner attribute fails loudly too."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=True)


class PersonData(NestedData):
    """Base of a person named in an event (personal data: masked or withheld by readers)."""

    name: str
    id_number: str


class ReachablePersonData(PersonData):
    """Base of a person named in an event together with a phone number to reach them."""

    phone: str


# Event type name ("TransferApplied") -> the declared model of its `data`: one workflow's contract.
EventSchemas: TypeAlias = Mapping[str, type[EventData]]


@dataclass(frozen=True)
class EventContract:
    """What one workflow publishes: the Kafka `topic` of its national stream and the declared schema of
    each of its event types (`events`, its `contract` module's `EVENT_SCHEMAS`). They are versioned
    together — a breaking change to a schema gets a new topic suffix — so they are declared together."""

    topic: str
    events: EventSchemas


class EventContractError(Exception):
    """A stored event does not match its declared integration-event schema (or has none): publishing
    it as it is would change what other provinces receive, so the record is unreadable until the
    contract or an upcaster says what it becomes. The message names fields, never their values."""


class DeadlineChanges(BaseModel):
    """Clocks this event started (name -> due), stopped, and flagged as passed (`overdue`: they stay
    open, the awaited act may still come late); computed by the domain, never by readers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    opened: dict[str, datetime] = Field(default_factory=dict)
    closed: list[str] = Field(default_factory=list)
    overdue: list[str] = Field(default_factory=list)
    provisional: list[str] = Field(
        default_factory=list,
        description="of `opened`, the deadlines counted into a year whose holiday schedule was not yet "
        "known: the due date may move (a later DeadlineRevised event says so)",
    )


class Envelope(BaseModel):
    """One integration event of a cross-province case, as every consumer receives it.

    `data` holds what this event type says of its own (declared per type in the workflow's
    contract); the fields around it are the same for every event. Re-publishing the same event
    yields the same `event_id`; per case, `version` counts up from 1 without gaps."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: Literal["xborder.event/1"] = Field(default="xborder.event/1", alias="schema")
    event_id: UUID = Field(description="uuid5 of the case id and version: the same event, the same id")
    aggregate_type: str = Field(description="the workflow's case type, e.g. VehicleTransfer")
    aggregate_id: UUID = Field(description="the case id; also the Kafka key")
    version: int = Field(ge=1, description="the case's version after this event: 1, 2, 3, ... per case")
    type: str = Field(description="the event type, e.g. TransferApplied: says what `data` holds")
    occurred_at: datetime = Field(description="when the act happened (domain time, not recording time)")
    provinces: list[str] = Field(description="6-digit codes of the provinces this event is addressed to")
    actor: dict[str, Any] | None = Field(
        default=None, description="who acted: sub, province, role and, for an organisation, org"
    )
    deadlines: DeadlineChanges = Field(default_factory=DeadlineChanges)
    # The case's status after this event and who must act next ({province, role, action, deadline}
    # and, for one organisation of a role, org), as the aggregate decided them: read models copy them.
    # None only in an envelope published before events carried them; a read model refuses to guess.
    status: str | None = Field(default=None, description="the case's status after this event")
    awaiting: list[dict[str, Any]] | None = Field(
        default=None,
        description="who must act next: {province, role, action, deadline} and, for one organisation, org",
    )
    data: dict[str, Any] = Field(
        default_factory=dict, description="what this event type says: declared per `type`"
    )
    # True on an earlier event replayed to provinces that joined the case later (see `envelopes_for`):
    # province read models apply it; consumers of deadlines or holds have seen it already and skip it.
    catch_up: bool = Field(
        default=False,
        description="an earlier event replayed to provinces that joined the case later",
    )

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)


def event_id_for(aggregate_id: UUID, version: int) -> UUID:
    """`uuid5(EVENT_ID_NAMESPACE, f"{aggregate_id}:{version}")`, in a third of its time: every
    envelope made, for every reader, has one, and `uuid.UUID`'s checking constructor was most of it."""
    digest = sha1(_EVENT_ID_PREFIX + f"{aggregate_id}:{version}".encode(), usedforsecurity=False).digest()
    value = (int.from_bytes(digest[:16]) & _UUID5_CLEAR) | _UUID5_SET
    made = object.__new__(UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", SafeUUID.unknown)
    return made


_EVENT_ID_PREFIX = EVENT_ID_NAMESPACE.bytes
# RFC 4122's variant (bits 64-65: 10) and version 5 (bits 76-79), as `UUID(bytes=..., version=5)` sets them.
_UUID5_CLEAR = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_UUID5_SET = (0x8000 << 48) | (5 << 76)


PriorEvents = Callable[[UUID, int], Iterable[Any]]


def envelopes_for(
    aggregate_type: str, event: Any, prior_events: PriorEvents, schemas: EventSchemas
) -> list[Envelope]:
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
        return [envelope_from_event(aggregate_type, event, schemas)]
    earlier = list(prior_events(event.originator_id, version - 1)) if version > 1 else []
    *earlier, latest = decide_by_replay([*earlier, event])
    envelope = envelope_from_event(aggregate_type, latest, schemas)
    if not replays:
        return [envelope]
    replayed = [
        envelope_from_event(aggregate_type, prior, schemas).model_copy(
            update={"provinces": joined, "catch_up": True}
        )
        for prior in earlier
    ]
    return [*replayed, envelope]


def envelope_from_event(aggregate_type: str, event: Any, schemas: EventSchemas) -> Envelope:
    """Translate a stored domain event (a case event, see `xborder.domain.cases`) into an envelope.

    `data` is the event's own attributes read through the schema declared for its type, then dumped
    by that schema: what other provinces receive is the declared contract, never whatever the stored
    event happens to hold. An event type without a schema, or an event that does not match its
    schema, raises `EventContractError` (a feed parks the record as unreadable)."""
    attributes: dict[str, Any] = dict(event.__dict__)
    data = event_data(aggregate_type, type(event).__name__, attributes, schemas)
    # Built without validating again what the domain event's own types already guarantee (checked
    # below where they do not): validation was a tenth of a rebuild's time. `data`, the part that
    # varies per event type, was validated by its schema just above.
    actor, status, awaiting = attributes.get("actor"), attributes.get("status"), attributes.get("awaiting")
    at = attributes["at"]
    if not (
        isinstance(at, datetime)
        and (actor is None or isinstance(actor, dict))
        and (status is None or isinstance(status, str))
        and (awaiting is None or (isinstance(awaiting, list) and all(isinstance(a, dict) for a in awaiting)))
    ):
        raise EventContractError(
            f"{aggregate_type} event {type(event).__name__} has malformed envelope fields"
        )
    return _trusted(
        Envelope,
        {
            "schema_": SCHEMA,
            "event_id": event_id_for(event.originator_id, event.originator_version),
            "aggregate_type": aggregate_type,
            "aggregate_id": event.originator_id,
            "version": event.originator_version,
            "type": type(event).__name__,
            "occurred_at": at,
            "provinces": sorted(attributes["provinces"]),
            "actor": actor,
            "deadlines": _trusted(
                DeadlineChanges,
                {
                    "opened": dict(attributes.get("opens") or {}),
                    "closed": list(attributes.get("closes") or []),
                    "overdue": list(attributes.get("overdue") or []),
                    "provisional": sorted(attributes.get("provisional") or {}),
                },
                _DEADLINE_CHANGES_GIVEN,
            ),
            "status": status,
            "awaiting": awaiting,
            "data": data,
            "catch_up": False,
        },
        _ENVELOPE_GIVEN,
    )


# The fields `envelope_from_event` gives (the others hold their defaults), as `model_construct` would
# have recorded them in the models' fields set.
_ENVELOPE_GIVEN = frozenset(
    {
        "event_id",
        "aggregate_type",
        "aggregate_id",
        "version",
        "type",
        "occurred_at",
        "provinces",
        "actor",
        "deadlines",
        "status",
        "awaiting",
        "data",
    }
)
_DEADLINE_CHANGES_GIVEN = frozenset({"opened", "closed", "overdue", "provisional"})

_Model = TypeVar("_Model", bound=BaseModel)


def _trusted(model: type[_Model], fields: dict[str, Any], given: frozenset[str]) -> _Model:
    """What `model.model_construct(**given fields)` makes, from `fields` naming every field of the model
    in declaration order, defaults included: without its walk over the fields, which was half of
    making an envelope (each event's, for every reader, and thousands a second in a rebuild).

    Only for models with no private attributes, no extra fields and no post-init hook, as `Envelope`
    and `DeadlineChanges` are (tests/unit/infra/test_envelope_construction.py holds them to it)."""
    made = model.__new__(model)
    object.__setattr__(made, "__dict__", fields)
    object.__setattr__(made, "__pydantic_fields_set__", set(given))
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", None)
    return made


def event_data(
    aggregate_type: str, event_type: str, attributes: Mapping[str, Any], schemas: EventSchemas
) -> dict[str, Any]:
    """The envelope's `data` of one event: its attributes not lifted to the envelope, validated and
    dumped by the declared schema of `event_type`.

    Dumped in Python mode, so in-process readers (the embedded mode's feeds) get the same values as
    before contracts were declared (a datetime stays a datetime); the JSON on the wire is the schema's
    JSON either way."""
    schema = schemas.get(event_type) or COMMON_SCHEMAS.get(event_type)
    if schema is None:
        raise EventContractError(
            f"{aggregate_type} event {event_type} has no declared integration-event schema"
        )
    own = {k: v for k, v in attributes.items() if k not in _ENVELOPE_ATTRIBUTES}
    try:
        declared = schema.model_validate(own)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or '(data)'}: {problem['type']}"
            for problem in error.errors(include_url=False, include_input=False, include_context=False)
        )
        raise EventContractError(
            f"{aggregate_type} event {event_type} does not match its declared schema ({problems})"
        ) from None
    return declared.model_dump()


# The events every workflow's cases may record (declared on the case base, `xborder.domain.cases`):
# their schemas, consulted after the workflow's own.
COMMON_SCHEMAS: EventSchemas = MappingProxyType({"DeadlineRevised": DeadlineRevised})
