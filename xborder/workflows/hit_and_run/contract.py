"""What other provinces receive of a 逃逸协查 case: the declared `data` of each HitAndRunCase event.

Field names and JSON shapes are the published contract (`docs/asyncapi.yaml`); the stored events may
change shape only together with an upcaster that keeps these. `incident` is the province where the
hit-and-run happened; a `target` is a province asked to help.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from xborder.infra.contracts import DeadlinePassed, EventData, NestedData, PersonData, ReasonGiven
from xborder.workflows.hit_and_run.aggregate import Outcome


class IncidentPlace(NestedData):
    """Where it happened: the road, and its kilometre post and coordinates when known."""

    road: str
    km: float | None
    lat: float | None
    lon: float | None


class IncidentCasualties(NestedData):
    """How many died and how many were injured."""

    dead: int
    injured: int


class SuspectVehicle(NestedData):
    """The vehicle that fled, as far as it is known: a full `plate` or a `plate_partial` with `*`."""

    plate: str | None
    plate_partial: str | None
    color: str
    model: str
    features: str


class ApprehendedSuspect(PersonData):
    """The driver caught (personal data: shown only to the investigators who need it)."""


class CaseOpened(EventData):
    """The incident province opened a hit-and-run case; `rescue_id` names the joint rescue whose
    fled driver opened it, if any. Opens the case."""

    incident: str
    occurred_at: datetime
    place: IncidentPlace
    casualties: IncidentCasualties
    suspect_vehicle: SuspectVehicle
    direction: str
    rescue_id: str | None


class AssistanceRequested(EventData):
    """协查通报: the incident province asked `targets` (new ones only) to help and to acknowledge within
    `ack_within_hours`; each target's `assistance_ack:<code>` clock starts."""

    targets: list[str]
    ack_within_hours: int


class AssistanceAcknowledged(EventData):
    """A target province acknowledged the assistance request."""

    target: str


class ClueReported(EventData):
    """A target province reported a clue; `hit` when it points at the suspect vehicle."""

    target: str
    hit: bool
    details: str


class SuspectApprehended(EventData):
    """The suspect driving `plate` was caught by `target`: a target province, or the incident province
    itself (which then has custody: the case is handed over at once). The incident province's
    `determination` clock starts (146号令 Art 62); a running `interim_determination` clock stops."""

    target: str
    plate: str
    suspect: ApprehendedSuspect
    vehicle_seized: bool


class HandoverCompleted(EventData):
    """The incident province took custody of the suspect."""


class CaseSolved(EventData):
    """The case is solved: the assistance request is withdrawn from exactly the provinces it went to
    (按原范围撤销)."""

    withdrawn_from: list[str]


class SuspectVehicleAmended(EventData):
    """The incident province corrected the suspect vehicle, or filled it in (a case a rescue opened).
    `released_plate`: the plate named before and no longer named, whose hold this lifts; `reason`:
    why, for every involved province's history."""

    suspect_vehicle: SuspectVehicle
    released_plate: str | None
    reason: str


class CaseSuspended(ReasonGiven):
    """The incident province suspended the unsolved case (`reason`): every clock stops, the assistance
    request with it; the suspect vehicle stays held."""


class CaseReopened(ReasonGiven):
    """The incident province reopened the suspended case (`reason`): each target that had not
    acknowledged has its `assistance_ack:<code>` clock anew, with its first window."""


class InterimDeterminationRequested(EventData):
    """The victim asked in writing (`reference`) for a determination of the unsolved case (146号令
    Art 66): the `interim_determination` clock (10 working days) starts."""

    reference: str


class ResponsibilityDetermined(EventData):
    """The incident province determined responsibility: the case closes or goes to criminal
    proceedings (`outcome`), with the licence points (`points`) the determination carries and their
    `legal_basis` (163号令 Art 8 or 10; none for a crime) — null on determinations recorded before
    the basis was (issue 12)."""

    outcome: Outcome
    points: int
    legal_basis: str | None = None


class CaseClosed(EventData):
    """The case is closed. Ends the case."""


class TransferredToCriminal(EventData):
    """The case went to criminal proceedings. Ends the case."""


class InterimDeterminationIssued(EventData):
    """For a victim of an unsolved case, the facts established so far (146号令 Art 66); stops the
    `interim_determination` clock if a request started one."""

    summary: str


class AcknowledgementOverdue(DeadlinePassed):
    """A target province did not acknowledge the assistance request in time (`deadline` names it)."""


class DeterminationOverdue(DeadlinePassed):
    """The incident province did not determine responsibility within 10 working days of the capture."""


class InterimDeterminationOverdue(DeadlinePassed):
    """The incident province did not issue the interim determination a victim asked for within 10
    working days of the request (146号令 Art 66)."""


# Every `EventData` class above, in the order declared.
EVENT_SCHEMAS: Final = EventData.declared_in(__name__)
