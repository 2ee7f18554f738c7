"""The ViolationObjection application: the objection workflow's commands, as the API calls them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack
from uuid import UUID

from xborder.domain.application import CaseApplication, OnCaseBy, OpeningBy
from xborder.domain.money import Money
from xborder.workflows.objection.aggregate import ObjectionFiling, ViolationObjection
from xborder.workflows.objection.terms import Term

_Case = ViolationObjection
# Who runs a command on a case, when, and what the caller adds (`CaseApplication.run`).
_By = OnCaseBy[ViolationObjection]


class ViolationObjections(CaseApplication[ViolationObjection], terms=Term):
    def file(self, filing: ObjectionFiling, **by: Unpack[OpeningBy[_Case]]) -> _Case:
        return self.create(_Case.file, filing, with_policy=True, **by)

    def start_review(self, case_id: UUID, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.start_review, **by)

    def request_evidence(self, case_id: UUID, request: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.request_evidence, request, **by)

    def supply_evidence(self, case_id: UUID, evidence: Sequence[str], note: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.supply_evidence, evidence, note, **by)

    def decide(self, case_id: UUID, upheld: bool, reason: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.decide, upheld, reason, with_policy=True, **by)

    def eliminate_record(self, case_id: UUID, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.eliminate_record, **by)

    def complete_refund(self, case_id: UUID, amount: Money, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.complete_refund, amount, **by)

    def withdraw(self, case_id: UUID, reason: str, **by: Unpack[_By]) -> _Case:
        return self.run(case_id, _Case.withdraw, reason, **by)
