"""What other provinces receive of a 警医保联动 case: the declared `data` of each JointRescue event.

Field names and JSON shapes are the published contract (`docs/asyncapi.yaml`); the stored events may
change shape only together with an upcaster that keeps these. `accident` is the province where the
accident happened; amounts are whole yuan; response times are seconds from dispatch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

from xborder.infra.contracts import DeadlinePassed, EventData, NestedData
from xborder.workflows.rescue.aggregate import Severity
from xborder.workflows.rescue.funding import FundReason, Head


class AccidentPlace(NestedData):
    """Where the accident happened: its province, the road, kilometre post and coordinates if known."""

    province: str
    road: str
    km: float | None
    lat: float | None
    lon: float | None


class RescueCasualty(NestedData):
    """One casualty, by a reference local to the rescue (medical notes: for the hospital and the
    dispatch centre only)."""

    ref: str
    severity: Severity
    medical_notes: str


class InvolvedVehicle(NestedData):
    """A vehicle involved, with its 交强险 insurer and policy when it has one."""

    plate: str | None
    insurer: str | None
    policy: str | None


class RescueOpened(EventData):
    """The accident province's dispatch centre opened a joint rescue. A rescue whose driver fled names
    the hit-and-run case it opens (`hit_and_run_id`). Opens the case."""

    accident: str
    occurred_at: datetime
    place: AccidentPlace
    casualties: list[RescueCasualty]
    vehicles: list[InvolvedVehicle]
    driver_fled: bool
    hit_and_run_id: UUID | None


class PoliceDispatched(EventData):
    """The nearest police `unit` was sent, whatever its `province` (which joins the case)."""

    unit: str
    province: str


class PoliceArrived(EventData):
    """The police unit reported its arrival at the scene."""

    response_seconds: int


class MedicalDispatched(EventData):
    """The nearest `hospital` or 120 unit was sent, whatever its `province` (which joins the case)."""

    hospital: str
    province: str


class PatientsAdmitted(EventData):
    """The hospital admitted the casualties named by their refs."""

    patients: list[str]
    response_seconds: int


class InsurerNotified(EventData):
    """The written notice (书面通知) to a vehicle's 交强险 insurer to advance the costs."""

    insurer: str
    policy: str


class InsurerAdvanceConfirmed(EventData):
    """The insurer confirmed its advance of `amount` yuan under one 交强险 `head`, bounded by that
    head's `limit` for its insured's fault; `at_fault_provisional` while the police have not determined
    responsibility. `over_limit`: the stated `costs` exceed a limit the relief fund covers (its
    `fund_notice` clock starts). Before heads were recorded every advance was medical and provisional."""

    insurer: str
    amount: int
    at_fault: bool
    head: Head
    limit: int
    at_fault_provisional: bool
    costs: int | None
    over_limit: bool


class FaultDetermined(EventData):
    """The accident province's traffic police determined responsibility: the plates whose drivers are
    at fault (`at_fault`), and so each insurer's fault (`insurers`), which advances follow from now on."""

    at_fault: list[str]
    insurers: dict[str, bool]


class FundNotified(EventData):
    """The accident province's road-traffic relief fund was asked to advance the costs, for `reason`;
    its `fund_review` clock starts. The request: rescue costs up to `rescue_costs_until` (ISO date, at
    most 7 days from admission), funeral costs for the `deceased` (casualty refs); null when not named."""

    reason: FundReason
    rescue_costs: int | None
    rescue_costs_until: str | None
    funeral_costs: int | None
    deceased: list[str]


class FundAdvancePaid(EventData):
    """The relief fund approved and paid its advance of `amount` yuan."""

    amount: int


class FundAdvanceDenied(EventData):
    """The relief fund refused to advance the costs."""


class FundRecoveryRecorded(EventData):
    """The relief fund recovered `amount` yuan of its advance from the liable party (personal data:
    masked on reading for everyone but the fund and the accident's offices)."""

    liable_party: str
    amount: int


class RescueClosed(EventData):
    """The dispatch centre closed the rescue. Ends the case."""


class FundNoticeOverdue(DeadlinePassed):
    """The relief fund was not notified in time; the case stays open."""


class FundReviewOverdue(DeadlinePassed):
    """The relief fund did not review the advance in time; the case stays open."""


# Every `EventData` class above, in the order declared.
EVENT_SCHEMAS: Final = EventData.declared_in(__name__)
