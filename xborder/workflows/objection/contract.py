"""What other provinces receive of a 异地撤销 case: the declared `data` of each ViolationObjection event.

Field names and JSON shapes are the published contract (`docs/asyncapi.yaml`); the stored events may
change shape only together with an upcaster that keeps these. `handling` is the province where the
party objected, `recording` the one whose camera recorded the violation and which alone decides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from xborder.infra.contracts import DeadlinePassed, EventData, NestedData, ReachablePersonData, ReasonGiven
from xborder.workflows.objection.aggregate import Ground


class ObjectedViolation(NestedData):
    """The camera-recorded violation objected to; `fine` in whole yuan."""

    record_number: str
    plate: str
    occurred_at: datetime
    place: str
    code: str
    fine: int
    points: int
    penalty_decided: bool


class ObjectingParty(ReachablePersonData):
    """Who objects (personal data: masked by readers)."""


class ObjectionFiled(EventData):
    """A party objected, at the handling province, to a violation the recording province recorded
    (157号令 Art 22 `ground`). Opens the case."""

    handling: str
    recording: str
    violation: ObjectedViolation
    ground: Ground
    ground_detail: str
    police_report_number: str | None
    party: ObjectingParty
    evidence: list[str]


class ObjectionForwarded(EventData):
    """The handling province forwarded the objection to the recording province the same day; the
    recording province's `objection_review` clock starts."""


class ReviewStarted(EventData):
    """The recording province started its review."""


class EvidenceRequested(EventData):
    """The recording province asked the handling province to collect evidence."""

    request: str


class EvidenceSupplied(EventData):
    """The handling province supplied the evidence asked for; the review goes on."""

    evidence: list[str]
    note: str


class ObjectionUpheld(ReasonGiven):
    """The recording province upheld the objection: the record is to be eliminated."""


class PenaltyRevoked(EventData):
    """撤销: the decided penalty falls with the record; points are reversed and the fine (whole yuan)
    is owed back."""

    points_reversed: int
    fine_to_refund: int


class RecordEliminated(EventData):
    """The recording province eliminated the violation record."""


class RefundCompleted(EventData):
    """The recording province refunded the revoked fine (`amount`, whole yuan)."""

    amount: int


class ObjectionDismissed(ReasonGiven):
    """The recording province dismissed the objection: the record stands. Ends the case."""


class ObjectionWithdrawn(ReasonGiven):
    """The party (or the handling office for them) withdrew the objection. Ends the case."""


class ReviewOverdue(DeadlinePassed):
    """The recording province did not decide within the review term; the case stays open."""


class EliminationOverdue(DeadlinePassed):
    """The recording province did not eliminate the upheld record in time; the case stays open."""


# Every `EventData` class above, in the order declared.
EVENT_SCHEMAS: Final = EventData.declared_in(__name__)
