"""The VehicleTransfers Application (eventsourcing): the transfer commands, as the API calls them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication, SaveWith
from xborder.domain.plates import Plate
from xborder.workflows.transfer.aggregate import TransferRequest, VehicleTransfer

_Case = VehicleTransfer


class VehicleTransfers(CaseApplication[VehicleTransfer]):
    name = "VehicleTransfers"
    aggregate_type = "VehicleTransfer"

    def apply_for(
        self,
        form: TransferRequest,
        *,
        actor: Actor,
        at: datetime,
        save_with: SaveWith[VehicleTransfer] | None = None,
    ) -> VehicleTransfer:
        transfer = VehicleTransfer.apply_for(
            form,
            actor=actor,
            at=at,
            policy=self.policy,
            holds=self.holds.holds_on(form.plate.value),
        )
        return self.record(transfer, save_with=save_with)

    def release_archive(
        self, case_id: UUID, archive_ref: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> VehicleTransfer:
        return self.execute(
            case_id,
            actor,
            lambda t: t.release_archive(
                archive_ref, actor=actor, at=at, policy=self.policy, holds=self.holds.holds_on(t.plate)
            ),
            **kwargs,
        )

    def refuse(
        self, case_id: UUID, reasons: Sequence[str], detail: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.refuse, reasons, detail, actor=actor, at=at, **kwargs)

    def verify_archive(
        self, case_id: UUID, accepted: bool, reason: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.verify_archive, accepted, reason, actor=actor, at=at, **kwargs)

    def inspect(
        self,
        case_id: UUID,
        passed: bool,
        reasons: Sequence[str],
        evidence: Sequence[str],
        *,
        actor: Actor,
        at: datetime,
        **kwargs: Any,
    ) -> _Case:
        return self.run(
            case_id, _Case.inspect, passed, reasons, evidence, actor=actor, at=at, with_policy=True, **kwargs
        )

    def register(
        self, case_id: UUID, new_plate: Plate, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.register, new_plate, actor=actor, at=at, **kwargs)

    def withdraw(self, case_id: UUID, reason: str, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.withdraw, reason, actor=actor, at=at, **kwargs)
