"""The ViolationObjection application: the objection workflow's commands, as the API calls them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication, SaveWith
from xborder.domain.money import Money
from xborder.workflows.objection.aggregate import ObjectionFiling, ViolationObjection

_Case = ViolationObjection


class ViolationObjections(CaseApplication[ViolationObjection]):
    name = "ViolationObjections"
    aggregate_type = "ViolationObjection"

    def file(
        self,
        filing: ObjectionFiling,
        *,
        actor: Actor,
        at: datetime,
        save_with: SaveWith[ViolationObjection] | None = None,
    ) -> ViolationObjection:
        objection = ViolationObjection.file(filing, actor=actor, at=at, policy=self.policy)
        return self.record(objection, save_with=save_with)

    def start_review(self, case_id: UUID, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.start_review, actor=actor, at=at, **kwargs)

    def request_evidence(
        self, case_id: UUID, request: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.request_evidence, request, actor=actor, at=at, **kwargs)

    def supply_evidence(
        self, case_id: UUID, evidence: Sequence[str], note: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.supply_evidence, evidence, note, actor=actor, at=at, **kwargs)

    def decide(
        self, case_id: UUID, upheld: bool, reason: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.decide, upheld, reason, actor=actor, at=at, with_policy=True, **kwargs)

    def eliminate_record(self, case_id: UUID, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.eliminate_record, actor=actor, at=at, **kwargs)

    def complete_refund(
        self, case_id: UUID, amount: Money, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.complete_refund, amount, actor=actor, at=at, **kwargs)

    def withdraw(self, case_id: UUID, reason: str, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.withdraw, reason, actor=actor, at=at, **kwargs)
