"""Vehicle holds: an open case somewhere that forbids transferring the vehicle.

An open violation objection on a plate, or an open hit-and-run case naming the plate as the suspect
vehicle, holds the vehicle in every province. The domain only states the rule (a transfer is refused
while any hold exists, at application and again at archive release); where holds come from is a port
(`HoldsLookup`) implemented over a read model fed by those workflows' events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class VehicleHold:
    plate: str
    kind: str  # "objection" | "hit_and_run"
    case_id: UUID
    province: str  # the province that holds the case
    reason: str

    def describe(self) -> str:
        return f"{self.kind} {self.case_id} ({self.province}): {self.reason}"


class HoldsLookup(Protocol):
    def holds_on(self, plate: str) -> Sequence[VehicleHold]: ...


class NoHolds:
    """No workflow feeds holds yet (or a test that does not care)."""

    def holds_on(self, plate: str) -> Sequence[VehicleHold]:
        return ()
