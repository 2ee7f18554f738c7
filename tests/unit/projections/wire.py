"""What the projection tests share: an envelope's trip through JSON (as over Kafka) and folding a
case's events into its document exactly as the read-model store does (jsonb in between)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tests.support.workflows import CASE_KINDS, CONTRACTS
from xborder.infra.contracts import Envelope, envelope_from_event
from xborder.projections.casedoc import Doc, apply_common, new_doc


def over_the_wire(aggregate_type: str, event: Any) -> Envelope:
    envelope = envelope_from_event(aggregate_type, event, CONTRACTS[aggregate_type])
    received = Envelope.from_json_bytes(envelope.to_json_bytes())
    # `data` is free JSON: a nested datetime arrives as its RFC 3339 text, so compare JSON forms.
    assert received.model_dump(mode="json") == envelope.model_dump(mode="json")
    return received


def fold(aggregate_type: str, events: Sequence[Any]) -> Doc:
    kind = CASE_KINDS[aggregate_type]
    doc: Doc | None = None
    for event in events:
        envelope = over_the_wire(aggregate_type, event)
        doc = doc or new_doc(kind.kind, envelope)
        apply_common(doc, envelope)
        kind.project(doc, envelope)
        doc = json.loads(json.dumps(doc))  # the store keeps it as jsonb
    assert doc is not None
    return doc
