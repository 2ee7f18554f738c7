"""Which provinces receive each event: the case decides (`CaseEvent.provinces`), delivery obeys.

A province receives the events of the cases it is involved in and nothing else (ARCHITECTURE.md,
"Publish path"). The Application hands the recorder the provinces of every event it saves, in the
events' own order, so the event store keeps beside each event the provinces it is routed to — in the
same transaction — and a province's consumer reads only its own rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EventRoutes:
    """The saved events' provinces, aligned with the events the recorder is given."""

    application: str
    provinces: Sequence[Sequence[str]]

    @property
    def involved(self) -> frozenset[str]:
        """Every province one of these events is routed to (the ones whose consumers to wake)."""
        return frozenset(code for codes in self.provinces for code in codes)


def province_topic(code: str) -> str:
    """A province's delivery topic: the only topic its consumer may read."""
    return f"xborder.province.{code}.v1"
