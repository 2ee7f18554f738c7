"""The JointRescue application: the 警医保联动 workflow's commands, as the API calls them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication, SaveWith
from xborder.domain.money import Money
from xborder.workflows.rescue.aggregate import JointRescue, RescueReport
from xborder.workflows.rescue.funding import FundReason

_Case = JointRescue


class JointRescues(CaseApplication[JointRescue]):
    name = "JointRescues"
    aggregate_type = "JointRescue"

    def open_rescue(
        self,
        report: RescueReport,
        *,
        actor: Actor,
        at: datetime,
        save_with: SaveWith[JointRescue] | None = None,
    ) -> JointRescue:
        rescue = JointRescue.open(report, actor=actor, at=at, policy=self.policy)
        return self.record(rescue, save_with=save_with)

    def dispatch_police(
        self, case_id: UUID, unit: str, province: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.dispatch_police, unit, province, actor=actor, at=at, **kwargs)

    def report_police_arrival(self, case_id: UUID, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.report_police_arrival, actor=actor, at=at, **kwargs)

    def dispatch_medical(
        self, case_id: UUID, hospital: str, province: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.dispatch_medical, hospital, province, actor=actor, at=at, **kwargs)

    def admit_patients(
        self, case_id: UUID, patients: Sequence[str], *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.admit_patients, patients, actor=actor, at=at, **kwargs)

    def notify_insurer(
        self, case_id: UUID, insurer: str, policy: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.notify_insurer, insurer, policy, actor=actor, at=at, **kwargs)

    def confirm_insurer_advance(
        self, case_id: UUID, amount: Money, at_fault: bool, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(
            case_id, _Case.confirm_insurer_advance, amount, at_fault, actor=actor, at=at, **kwargs
        )

    def notify_fund(
        self, case_id: UUID, reason: FundReason, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.notify_fund, reason, actor=actor, at=at, with_policy=True, **kwargs)

    def review_fund(
        self, case_id: UUID, approved: bool, amount: Money, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.review_fund, approved, amount, actor=actor, at=at, **kwargs)

    def close_rescue(self, case_id: UUID, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.close, actor=actor, at=at, **kwargs)
