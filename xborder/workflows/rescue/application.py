"""The JointRescue application: the 警医保联动 workflow's commands, as the API calls them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Unpack
from uuid import UUID

from xborder.domain.application import CaseApplication, OnCaseBy, OpeningBy
from xborder.domain.money import Money
from xborder.workflows.rescue.aggregate import FundRequest, JointRescue, RescueReport
from xborder.workflows.rescue.funding import FundReason, Head
from xborder.workflows.rescue.terms import Term

_Case = JointRescue
# Who runs a command on a case, when, and what the caller adds (`CaseApplication.run`).
_By = OnCaseBy[JointRescue]


class JointRescues(CaseApplication[JointRescue], terms=Term):
    def open_rescue(self, report: RescueReport, **by: Unpack[OpeningBy[_Case]]) -> _Case:
        return self.create(_Case.open, report, with_policy=True, **by)

    def dispatch_police(self, case_id: UUID, unit: str, province: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.dispatch_police, unit, province, **by)

    def report_police_arrival(self, case_id: UUID, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.report_police_arrival, **by)

    def dispatch_medical(self, case_id: UUID, hospital: str, province: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.dispatch_medical, hospital, province, **by)

    def admit_patients(self, case_id: UUID, patients: Sequence[str], **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.admit_patients, patients, **by)

    def notify_insurer(self, case_id: UUID, insurer: str, policy: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.notify_insurer, insurer, policy, **by)

    def confirm_insurer_advance(
        self,
        case_id: UUID,
        amount: Money,
        at_fault: bool | None = None,
        head: Head = Head.MEDICAL,
        costs: Money | None = None,
        **by: Unpack[_By],
    ) -> _Case:
        return self.run(
            case_id, _Case.confirm_insurer_advance, amount, at_fault, head, costs, with_policy=True, **by
        )

    def determine_fault(self, case_id: UUID, at_fault: Sequence[str], **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.determine_fault, at_fault, **by)

    def notify_fund(
        self,
        case_id: UUID,
        reason: FundReason,
        rescue_costs: Money | None = None,
        rescue_costs_until: date | None = None,
        funeral_costs: Money | None = None,
        deceased: Sequence[str] = (),
        **by: Unpack[_By],
    ) -> _Case:
        request = FundRequest(rescue_costs, rescue_costs_until, funeral_costs, tuple(deceased))
        return self.run(case_id, _Case.notify_fund, reason, request, with_policy=True, **by)

    def review_fund(self, case_id: UUID, approved: bool, amount: Money, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.review_fund, approved, amount, **by)

    def record_recovery(self, case_id: UUID, liable_party: str, amount: Money, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.record_recovery, liable_party, amount, **by)

    def close_rescue(self, case_id: UUID, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.close, **by)
