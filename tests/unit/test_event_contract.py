"""The integration-event contract: `data` is what each event type's declared schema says, and
`docs/asyncapi.yaml` describes exactly that.

- every event class a workflow records has a schema, and every schema an event class;
- an event stored under another shape (an attribute renamed, added, dropped) or without a schema is
  refused loudly, without its personal data in the message, and a feed parks it as unreadable;
- for a sample of every event type, `data` is what the envelope carried before schemas were declared
  (in process and on the wire), and it validates against its schema after a trip through JSON;
- the checked-in AsyncAPI document is the one the registry generates now, and has AsyncAPI 3's shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import pytest
import yaml

from tests.unit.projections import test_hit_and_run_projection as hit_and_run_paths
from tests.unit.projections import test_objection_projection as objection_paths
from tests.unit.projections import test_rescue_projection as rescue_paths
from tests.unit.projections import test_transfer_projection as transfer_paths
from tests.unit.projections.agreement import stored_and_read
from xborder.asyncapi import PROVINCE_ADDRESS, render
from xborder.domain.cases import CaseAggregate, CaseEvent
from xborder.infra import contracts
from xborder.infra.contracts import Envelope, EventContractError, envelope_from_event
from xborder.infra.feeds import LogSource, NotificationLogFeed, Unreadable
from xborder.workflow import WorkflowSpec
from xborder.workflows.registry import WORKFLOWS, transfer

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"
SPECS = {spec.aggregate_type: spec for spec in WORKFLOWS}
PATHS: dict[str, ModuleType] = {
    "VehicleTransfer": transfer_paths,
    "ViolationObjection": objection_paths,
    "HitAndRunCase": hit_and_run_paths,
    "JointRescue": rescue_paths,
}
ID_NUMBER = "11010519491231002X"  # the owner's, in the transfer builders


def recorded_event_types(spec: WorkflowSpec) -> set[str]:
    """The event classes the workflow's aggregate records: its CaseEvents (the generic `Created` base
    the library insists on is not one, and nothing is ever recorded under it)."""
    (aggregate,) = [c for c in CaseAggregate.__subclasses__() if c.__name__ == spec.aggregate_type]
    return {
        name
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, CaseEvent)
    }


def samples() -> Iterator[tuple[str, Any]]:
    """(aggregate type, event) for every event of every path the projection tests drive, both as
    recorded in memory and as read back from the event store."""
    for aggregate_type, module in PATHS.items():
        for path in module.PATHS:
            for event in module.events_of(path):
                yield aggregate_type, event
                yield aggregate_type, stored_and_read(event)


def as_before_contracts(envelope: Envelope, event: Any) -> Envelope:
    """The envelope as `envelope_from_event` built it before schemas: every attribute not lifted."""
    legacy = {k: v for k, v in vars(event).items() if k not in contracts._ENVELOPE_ATTRIBUTES}
    return envelope.model_copy(update={"data": legacy})


def transfer_applied() -> Any:
    event = transfer_paths.events_of("happy")[0]
    assert type(event).__name__ == "TransferApplied"
    return event


def reshaped(event: Any, change: dict[str, Any], drop: tuple[str, ...] = ()) -> Any:
    """A copy of `event` as if its class had been changed and it were stored that way."""
    copy = object.__new__(type(event))
    state = {k: v for k, v in vars(event).items() if k not in drop}
    object.__setattr__(copy, "__dict__", {**state, **change})
    return copy


# ====================================================================== declared for every event
@pytest.mark.parametrize("spec", WORKFLOWS, ids=lambda spec: spec.kind)
def test_every_recorded_event_has_a_schema_and_every_schema_an_event(spec: WorkflowSpec) -> None:
    # the events every workflow's cases may record (`DeadlineRevised`) have their schema in common
    assert set(spec.events) | set(contracts.COMMON_SCHEMAS) == recorded_event_types(spec)
    assert not set(spec.events) & set(contracts.COMMON_SCHEMAS)
    assert "Created" not in spec.events


def test_the_four_workflows_declare_fifty_nine_event_types_with_distinct_names() -> None:
    names = [name for spec in WORKFLOWS for name in spec.events]
    # 52, then issue 12: 5 more of the hit-and-run's (its §3) and the rescue's fault determination and
    # fund recovery (its §4)
    assert len(names) == len(set(names)) == 59


def test_every_schema_says_what_its_event_means_and_forbids_what_it_does_not_declare() -> None:
    for spec in WORKFLOWS:
        for name, model in spec.events.items():
            assert model.__name__ == name
            assert (model.__doc__ or "").strip(), f"{name} has no docstring"
            assert model.model_config.get("extra") == "forbid"


def test_a_workflow_without_an_events_contract_does_not_start() -> None:
    with pytest.raises(ValueError, match="no events contract"):
        replace(transfer.SPEC, contract=replace(transfer.SPEC.contract, events={}))


# ====================================================================== refused loudly
@pytest.mark.parametrize(
    ("change", "drop", "field"),
    [
        ({"applicant": {"name": "张三"}}, ("owner",), "owner"),  # renamed: owner -> applicant
        ({"colour": "white"}, (), "colour"),  # added
        ({}, ("vin",), "vin"),  # dropped
        ({"owner": {"name": "张三", "id_no": ID_NUMBER, "phone": "13800138000"}}, (), "owner.id_no"),
    ],
    ids=["renamed", "added", "dropped", "nested_renamed"],
)
def test_a_stored_event_of_another_shape_is_refused_not_sent_differently(
    change: dict[str, Any], drop: tuple[str, ...], field: str
) -> None:
    event = reshaped(transfer_applied(), change, drop)
    with pytest.raises(EventContractError, match="TransferApplied does not match") as refused:
        envelope_from_event("VehicleTransfer", event, transfer.SPEC.events)
    message = str(refused.value)
    assert field in message
    assert ID_NUMBER not in message and "张三" not in message  # names fields, never values
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_an_event_type_without_a_schema_is_refused() -> None:
    schemas = {k: v for k, v in transfer.SPEC.events.items() if k != "TransferApplied"}
    with pytest.raises(EventContractError, match="TransferApplied has no declared"):
        envelope_from_event("VehicleTransfer", transfer_applied(), schemas)


@dataclass
class _Notification:
    id: int
    originator_id: Any
    originator_version: int


class _Recorder:
    def __init__(self, notifications: list[_Notification]) -> None:
        self.notifications = notifications

    def select_notifications(self, start: int, limit: int) -> list[_Notification]:
        return [n for n in self.notifications if n.id >= start][:limit]


class _Mapper:
    def __init__(self, event: Any) -> None:
        self.event = event

    def to_domain_event(self, _notification: _Notification) -> Any:
        return self.event


@dataclass
class _Application:
    name: str
    recorder: _Recorder
    mapper: _Mapper


def test_a_feed_parks_an_event_that_does_not_match_its_schema_as_unreadable() -> None:
    event = reshaped(transfer_applied(), {"applicant": {}}, ("owner",))
    notification = _Notification(7, uuid4(), 1)
    app = _Application("VehicleTransfers", _Recorder([notification]), _Mapper(event))
    parked: list[Unreadable] = []
    feed = NotificationLogFeed(
        [LogSource("VehicleTransfer", app, transfer.SPEC.events)], dict, on_unreadable=parked.append
    )
    assert feed.poll(0) == []
    (letter,) = parked
    assert (letter.source, letter.next_position, letter.aggregate_id) == (
        "VehicleTransfers",
        8,
        notification.originator_id,
    )
    assert letter.reason.startswith(
        "EventContractError: VehicleTransfer event TransferApplied does not match"
    )


# ====================================================================== unchanged, and as declared
def test_data_is_what_it_was_before_the_contract_and_validates_against_it() -> None:
    seen: set[tuple[str, str]] = set()
    for aggregate_type, event in samples():
        schemas = SPECS[aggregate_type].events
        envelope = envelope_from_event(aggregate_type, event, schemas)
        before = as_before_contracts(envelope, event)
        assert envelope.data == before.data  # in process (embedded mode's feeds)
        sent = json.loads(envelope.to_json_bytes())
        assert sent == json.loads(before.to_json_bytes())  # on the wire
        received = Envelope.from_json_bytes(envelope.to_json_bytes())
        model = schemas[received.type]
        assert model.model_validate(received.data).model_dump(mode="json") == sent["data"]
        assert set(sent["data"]) == set(model.model_fields)
        seen.add((aggregate_type, envelope.type))
    declared = {(spec.aggregate_type, name) for spec in WORKFLOWS for name in spec.events}
    assert seen == declared, f"no sample of {sorted(declared - seen)}"


# ====================================================================== the AsyncAPI document
def test_the_checked_in_asyncapi_document_is_up_to_date() -> None:
    current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
    assert current == render(WORKFLOWS), "docs/asyncapi.yaml is out of date: run `make contracts`"


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_the_document_has_the_shape_of_asyncapi_3() -> None:
    document = yaml.safe_load(render(WORKFLOWS))
    assert document["asyncapi"] == "3.0.0"
    assert {"title", "version"} <= set(document["info"])
    assert set(document["components"]) == {"messages", "schemas"}
    for ref in _refs(document):
        _resolve(document, ref)

    channels = document["channels"]
    addresses = {channel["address"] for channel in channels.values()}
    assert addresses == {spec.topic for spec in WORKFLOWS} | {PROVINCE_ADDRESS}
    assert set(channels["province"]["parameters"]) == {"province"}
    for operation in document["operations"].values():
        assert operation["action"] in ("send", "receive")
        channel = _resolve(document, operation["channel"]["$ref"])
        assert len(operation["messages"]) == len(channel["messages"])

    messages = document["components"]["messages"]
    schemas = document["components"]["schemas"]
    for spec in WORKFLOWS:
        assert set(channels[spec.kind]["messages"]) == set(spec.events) | set(contracts.COMMON_SCHEMAS)
        for name, model in spec.events.items():
            message = messages[name]
            assert message["bindings"]["kafka"]["key"]["format"] == "uuid"
            envelope, specific = message["payload"]["allOf"]
            assert envelope == {"$ref": "#/components/schemas/Envelope"}
            assert specific["properties"]["type"] == {"const": name}
            data = _resolve(document, specific["properties"]["data"]["$ref"])
            assert data["additionalProperties"] is False
            assert set(data.get("properties", {})) == set(model.model_fields)
    assert set(channels["province"]["messages"]) == set(messages)
    headers = schemas["EnvelopeHeaders"]["properties"]
    assert set(headers) == {"type", "version", "schema", "aggregate_type"}
