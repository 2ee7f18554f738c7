"""The VehicleTransfers Application (eventsourcing): the transfer commands, as the API calls them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Unpack
from uuid import UUID

from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication, OnCaseBy, OpeningBy
from xborder.domain.cases import DeadlinePolicy
from xborder.domain.plates import Plate
from xborder.workflows.transfer.aggregate import TransferRequest, VehicleTransfer
from xborder.workflows.transfer.terms import Term

_Case = VehicleTransfer
# Who runs a command on a case, when, and what the caller adds (`CaseApplication.run`).
_By = OnCaseBy[VehicleTransfer]


class VehicleTransfers(CaseApplication[VehicleTransfer], terms=Term):
    def apply_for(self, form: TransferRequest, **by: Unpack[OpeningBy[_Case]]) -> _Case:
        holds = self.holds.holds_on(form.plate.value)
        return self.create(partial(_Case.apply_for, holds=holds), form, with_policy=True, **by)

    def release_archive(self, case_id: UUID, archive_ref: str, **by: Unpack[_By]) -> _Case:
        """The holds are read when the archive is released, on the plate the car has then."""

        def release(transfer: _Case, *, actor: Actor, at: datetime, policy: DeadlinePolicy) -> None:
            holds = self.holds.holds_on(transfer.plate)
            transfer.release_archive(archive_ref, actor=actor, at=at, policy=policy, holds=holds)

        return self.run(case_id, release, with_policy=True, **by)

    def refuse(self, case_id: UUID, reasons: Sequence[str], detail: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.refuse, reasons, detail, **by)

    def verify_archive(self, case_id: UUID, accepted: bool, reason: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.verify_archive, accepted, reason, **by)

    def inspect(
        self, case_id: UUID, passed: bool, reasons: Sequence[str], evidence: Sequence[str], **by: Unpack[_By]
    ) -> _Case:
        return self.run(case_id, _Case.inspect, passed, reasons, evidence, with_policy=True, **by)

    def register(self, case_id: UUID, new_plate: Plate, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.register, new_plate, **by)

    def withdraw(self, case_id: UUID, reason: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.withdraw, reason, **by)
