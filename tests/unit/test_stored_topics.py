"""Every topic ever written to the event store still resolves to the class that reads it.

Event topics are derived from where a class is declared (`CaseEvent.__init_subclass__`); this list
is what the stores already hold, so renaming an event class without pinning its old `TOPIC` would
leave those events unreadable — this test says which.
"""

import importlib

import pytest
from eventsourcing.utils import resolve_topic

from xborder.workflows.registry import WORKFLOWS

STORED_TOPICS = [
    "xborder:HitAndRunCase",
    "xborder:HitAndRunCase.AcknowledgementOverdue.v1",
    "xborder:HitAndRunCase.AssistanceAcknowledged.v1",
    "xborder:HitAndRunCase.AssistanceRequested.v1",
    "xborder:HitAndRunCase.CaseClosed.v1",
    "xborder:HitAndRunCase.CaseOpened.v1",
    "xborder:HitAndRunCase.CaseReopened.v1",
    "xborder:HitAndRunCase.CaseSolved.v1",
    "xborder:HitAndRunCase.CaseSuspended.v1",
    "xborder:HitAndRunCase.ClueReported.v1",
    "xborder:HitAndRunCase.Created",
    "xborder:HitAndRunCase.DeadlineRevised.v1",
    "xborder:HitAndRunCase.DeterminationOverdue.v1",
    "xborder:HitAndRunCase.HandoverCompleted.v1",
    "xborder:HitAndRunCase.InterimDeterminationIssued.v1",
    "xborder:HitAndRunCase.InterimDeterminationOverdue.v1",
    "xborder:HitAndRunCase.InterimDeterminationRequested.v1",
    "xborder:HitAndRunCase.ResponsibilityDetermined.v1",
    "xborder:HitAndRunCase.SuspectApprehended.v1",
    "xborder:HitAndRunCase.SuspectVehicleAmended.v1",
    "xborder:HitAndRunCase.TransferredToCriminal.v1",
    "xborder:JointRescue",
    "xborder:JointRescue.Created",
    "xborder:JointRescue.DeadlineRevised.v1",
    "xborder:JointRescue.FaultDetermined.v1",
    "xborder:JointRescue.FundAdvanceDenied.v1",
    "xborder:JointRescue.FundAdvancePaid.v1",
    "xborder:JointRescue.FundNoticeOverdue.v1",
    "xborder:JointRescue.FundNotified.v1",
    "xborder:JointRescue.FundRecoveryRecorded.v1",
    "xborder:JointRescue.FundReviewOverdue.v1",
    "xborder:JointRescue.InsurerAdvanceConfirmed.v1",
    "xborder:JointRescue.InsurerNotified.v1",
    "xborder:JointRescue.MedicalDispatched.v1",
    "xborder:JointRescue.PatientsAdmitted.v1",
    "xborder:JointRescue.PoliceArrived.v1",
    "xborder:JointRescue.PoliceDispatched.v1",
    "xborder:JointRescue.RescueClosed.v1",
    "xborder:JointRescue.RescueOpened.v1",
    "xborder:VehicleTransfer",
    "xborder:VehicleTransfer.ArchiveRejected.v1",
    "xborder:VehicleTransfer.ArchiveReleaseOverdue.v1",
    "xborder:VehicleTransfer.ArchiveReleased.v1",
    "xborder:VehicleTransfer.ArchiveRequested.v1",
    "xborder:VehicleTransfer.ArchiveVerificationOverdue.v1",
    "xborder:VehicleTransfer.ArchiveVerified.v1",
    "xborder:VehicleTransfer.Created",
    "xborder:VehicleTransfer.DeadlineRevised.v1",
    "xborder:VehicleTransfer.RegistrationOverdue.v1",
    "xborder:VehicleTransfer.TransferApplied.v1",
    "xborder:VehicleTransfer.TransferLapsed.v1",
    "xborder:VehicleTransfer.TransferRefused.v1",
    "xborder:VehicleTransfer.TransferRegistered.v1",
    "xborder:VehicleTransfer.TransferWithdrawn.v1",
    "xborder:VehicleTransfer.VehicleInspected.v1",
    "xborder:ViolationObjection",
    "xborder:ViolationObjection.Created",
    "xborder:ViolationObjection.DeadlineRevised.v1",
    "xborder:ViolationObjection.EliminationOverdue.v1",
    "xborder:ViolationObjection.EvidenceRequested.v1",
    "xborder:ViolationObjection.EvidenceSupplied.v1",
    "xborder:ViolationObjection.ObjectionDismissed.v1",
    "xborder:ViolationObjection.ObjectionFiled.v1",
    "xborder:ViolationObjection.ObjectionForwarded.v1",
    "xborder:ViolationObjection.ObjectionUpheld.v1",
    "xborder:ViolationObjection.ObjectionWithdrawn.v1",
    "xborder:ViolationObjection.PenaltyRevoked.v1",
    "xborder:ViolationObjection.RecordEliminated.v1",
    "xborder:ViolationObjection.RefundCompleted.v1",
    "xborder:ViolationObjection.ReviewOverdue.v1",
    "xborder:ViolationObjection.ReviewStarted.v1",
]


@pytest.mark.parametrize("topic", STORED_TOPICS)
def test_a_stored_topic_resolves_to_a_class_that_names_it(topic: str) -> None:
    for spec in WORKFLOWS:  # the aggregates register their events' topics when imported
        importlib.import_module(spec.application.__module__)
    pinned: str = resolve_topic(topic).TOPIC
    assert pinned == topic


def test_every_event_class_of_every_workflow_is_listed() -> None:
    declared = set()
    for spec in WORKFLOWS:
        importlib.import_module(spec.application.__module__)
        aggregate = resolve_topic(f"xborder:{spec.aggregate_type}")
        declared.add(aggregate.TOPIC)
        declared.update(
            value.TOPIC
            for value in vars(aggregate).values()
            if isinstance(value, type) and hasattr(value, "TOPIC")
        )
    assert declared == set(STORED_TOPICS)
