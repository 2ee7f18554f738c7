"""The HitAndRunCase application: the 协查 workflow's commands, as the API (and the rescue process
manager) call them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack
from uuid import UUID

from xborder.domain.application import CaseApplication, OnCaseBy, OpeningBy
from xborder.domain.plates import Plate
from xborder.workflows.hit_and_run.aggregate import (
    HitAndRunCase,
    Incident,
    Outcome,
    Suspect,
    SuspectVehicle,
)
from xborder.workflows.hit_and_run.terms import Term

_Case = HitAndRunCase
# Who runs a command on a case, when, and what the caller adds (`CaseApplication.run`).
_By = OnCaseBy[HitAndRunCase]


class HitAndRunCases(CaseApplication[HitAndRunCase], terms=Term):
    def open_case(self, incident: Incident, **by: Unpack[OpeningBy[_Case]]) -> _Case:
        return self.create(_Case.open, incident, **by)

    def request_assistance(
        self, case_id: UUID, targets: Sequence[str], ack_within_hours: int | None, **by: Unpack[_By]
    ) -> _Case:
        return self.run(case_id, _Case.request_assistance, targets, ack_within_hours, with_policy=True, **by)

    def acknowledge(self, case_id: UUID, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.acknowledge, **by)

    def report_clue(self, case_id: UUID, hit: bool, details: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.report_clue, hit, details, **by)

    def apprehend(
        self, case_id: UUID, plate: Plate, suspect: Suspect, vehicle_seized: bool, **by: Unpack[_By]
    ) -> _Case:
        return self.run(case_id, _Case.apprehend, plate, suspect, vehicle_seized, with_policy=True, **by)

    def take_handover(self, case_id: UUID, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.take_handover, **by)

    def solve(self, case_id: UUID, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.solve, **by)

    def amend_suspect_vehicle(
        self, case_id: UUID, vehicle: SuspectVehicle, reason: str, **by: Unpack[_By]
    ) -> _Case:
        return self.run(case_id, _Case.amend_suspect_vehicle, vehicle, reason, **by)

    def suspend(self, case_id: UUID, reason: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.suspend, reason, **by)

    def reopen(self, case_id: UUID, reason: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.reopen, reason, with_policy=True, **by)

    def request_interim_determination(self, case_id: UUID, reference: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.request_interim_determination, reference, with_policy=True, **by)

    def determine(
        self, case_id: UUID, outcome: Outcome, points: int | None = None, **by: Unpack[_By]
    ) -> _Case:
        return self.run(case_id, _Case.determine, outcome, points, **by)

    def issue_interim_determination(self, case_id: UUID, summary: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.issue_interim_determination, summary, **by)
