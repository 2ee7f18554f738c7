"""The HitAndRunCase application: the 协查 workflow's commands, as the API (and the rescue process
manager) call them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication, SaveWith
from xborder.domain.plates import Plate
from xborder.workflows.hit_and_run.aggregate import HitAndRunCase, Incident, Outcome, Suspect

_Case = HitAndRunCase


class HitAndRunCases(CaseApplication[HitAndRunCase]):
    name = "HitAndRunCases"
    aggregate_type = "HitAndRunCase"

    def open_case(
        self,
        incident: Incident,
        *,
        actor: Actor,
        at: datetime,
        save_with: SaveWith[HitAndRunCase] | None = None,
    ) -> HitAndRunCase:
        return self.record(HitAndRunCase.open(incident, actor=actor, at=at), save_with=save_with)

    def request_assistance(
        self,
        case_id: UUID,
        targets: Sequence[str],
        ack_within_hours: int | None,
        *,
        actor: Actor,
        at: datetime,
        **kwargs: Any,
    ) -> _Case:
        return self.run(
            case_id,
            _Case.request_assistance,
            targets,
            ack_within_hours,
            actor=actor,
            at=at,
            with_policy=True,
            **kwargs,
        )

    def acknowledge(self, case_id: UUID, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.acknowledge, actor=actor, at=at, **kwargs)

    def report_clue(
        self, case_id: UUID, hit: bool, details: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.report_clue, hit, details, actor=actor, at=at, **kwargs)

    def apprehend(
        self,
        case_id: UUID,
        plate: Plate,
        suspect: Suspect,
        vehicle_seized: bool,
        *,
        actor: Actor,
        at: datetime,
        **kwargs: Any,
    ) -> _Case:
        return self.run(
            case_id,
            _Case.apprehend,
            plate,
            suspect,
            vehicle_seized,
            actor=actor,
            at=at,
            with_policy=True,
            **kwargs,
        )

    def take_handover(self, case_id: UUID, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.take_handover, actor=actor, at=at, **kwargs)

    def solve(self, case_id: UUID, *, actor: Actor, at: datetime, **kwargs: Any) -> _Case:
        return self.run(case_id, _Case.solve, actor=actor, at=at, **kwargs)

    def determine(
        self, case_id: UUID, outcome: Outcome, points: int, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.determine, outcome, points, actor=actor, at=at, **kwargs)

    def issue_interim_determination(
        self, case_id: UUID, summary: str, *, actor: Actor, at: datetime, **kwargs: Any
    ) -> _Case:
        return self.run(case_id, _Case.issue_interim_determination, summary, actor=actor, at=at, **kwargs)
