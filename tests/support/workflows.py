"""The registry's pieces as tests use them without a running service."""

from __future__ import annotations

from xborder.infra.contracts import Envelope
from xborder.projections.holds import HoldChange, hold_changes
from xborder.workflows.registry import WORKFLOWS

HOLD_RULES = {spec.aggregate_type: spec.holds for spec in WORKFLOWS if spec.holds is not None}


def holds_of(envelope: Envelope) -> list[HoldChange]:
    """The hold changes an envelope makes under the registered workflows' rules."""
    return hold_changes(envelope, HOLD_RULES)


CASE_KINDS = {spec.aggregate_type: spec.case_kind() for spec in WORKFLOWS}

# aggregate type -> the integration-event contract its envelopes are built from
CONTRACTS = {spec.aggregate_type: spec.events for spec in WORKFLOWS}
