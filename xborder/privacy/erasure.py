"""Erasing a data subject (PIPL Art. 47): their key destroyed, so that every sealed value of theirs —
in the event store, on Kafka, in each province's read model, in a rebuild, in any backup — can no
longer be opened, while every case's history stays whole (crypto-shredding).

Not while a legal hold stands: a case naming the subject still open, or a statutory period the
workflow states (`CaseAggregate.legal_hold`). Then the data stays stored, nothing but storage
processes it (Art. 47 ¶2), and the request is refused with every reason. Either way the request, its
outcome and who made it are recorded, by the subject's hash only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication
from xborder.domain.errors import CaseNotFound
from xborder.domain.id_numbers import IdNumber
from xborder.privacy.audit import AuditEntry, AuditLog
from xborder.privacy.configured import Privacy


@dataclass(frozen=True, slots=True)
class ErasureOutcome:
    subject: str
    erased: bool
    reasons: list[str]
    cases: int
    keys_destroyed: int
    record_id: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "outcome": "erased" if self.erased else "refused",
            "reasons": self.reasons,
            "cases": self.cases,
            "keys_destroyed": self.keys_destroyed,
            "erasure_id": self.record_id,
        }


def person_subject(privacy: Privacy, id_number: str) -> str:
    """The subject of a resident ID number (validated: a typo must not erase nobody and say done)."""
    return privacy.blind.person(IdNumber.parse(id_number).value)


def casualty_subject(privacy: Privacy, case_id: UUID, ref: str) -> str:
    return privacy.blind.casualty(case_id, ref)


def erase(
    privacy: Privacy,
    applications: Mapping[str, CaseApplication[Any]],
    audit: AuditLog,
    subject: str,
    actor: Actor,
    *,
    ground: str,
    path: str,
) -> ErasureOutcome:
    """`ground`: why erasure was asked for (PIPL Art. 47: consent withdrawn, purpose achieved...);
    `path`: the request or command it came through, for the audit log."""
    cases = privacy.keys.cases_of(subject)
    reasons: list[str] = []
    for aggregate_type, case_id in cases:
        application = applications.get(aggregate_type)
        if application is None:
            reasons.append(f"case {case_id} is of a workflow this service does not run ({aggregate_type})")
            continue
        try:
            hold = application.get(case_id).legal_hold()
        except CaseNotFound:
            continue  # the command that would have opened it failed after its key was made
        if hold is not None:
            reasons.append(hold)
    erased = not reasons
    record = privacy.keys.record_erasure(
        subject, actor.as_dict(), ground=ground, erased=erased, reasons=reasons
    )
    audit.record(
        [
            AuditEntry(
                sub=actor.sub,
                role=actor.role.value,
                org=actor.org,
                province=actor.province,
                case_id=None,
                fields=(f"subject:{subject}",),
                path=path,
                action="erase" if erased else "erase_refused",
            )
        ]
    )
    if erased:
        privacy.keys.vacuum()
    return ErasureOutcome(subject, erased, reasons, len(cases), record.keys_destroyed, record.id)
