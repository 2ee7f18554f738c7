"""Which commands the console offers the signed-in user on a case now.

A presentation hint, not a rule: the API decides every command (role, province, status) and answers
403 or 409 when the hint is wrong, which the page then shows. The hint follows the aggregates' guards
so that the page offers what would succeed: the role, the province's role in the case (`sides`; None:
any involved province, as for the owner, whom the API lets see only his own cases), the statuses, and
for some commands a look at the document (`when`). A unit test keeps this table and the API's command
routes the same set, so no command goes missing from the console.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from xborder.domain.actors import Actor

Doc = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Offer:
    roles: Mapping[str, tuple[str, ...] | None]
    statuses: frozenset[str] | None = None
    when: Callable[[Doc, Actor], bool] | None = None

    def applies(self, doc: Doc, actor: Actor) -> bool:
        role = actor.role.value
        if role not in self.roles:
            return False
        sides = self.roles[role]
        if sides is not None and side_of(doc, actor.province) not in sides:
            return False
        if self.statuses is not None and doc.get("status") not in self.statuses:
            return False
        return self.when is None or self.when(doc, actor)


def side_of(doc: Doc, province: str | None) -> str | None:
    """The province's role in the case, from the API's `provinces` list."""
    for entry in doc.get("provinces") or ():
        if isinstance(entry, Mapping) and entry.get("code") == province:
            role = entry.get("role")
            return str(role) if role is not None else None
    return None


def _s(*statuses: str) -> frozenset[str]:
    return frozenset(statuses)


def _target(doc: Doc, actor: Actor) -> Mapping[str, Any]:
    targets = doc.get("targets") or {}
    entry = targets.get(actor.province or "") if isinstance(targets, Mapping) else None
    return entry if isinstance(entry, Mapping) else {}


def _may_acknowledge(doc: Doc, actor: Actor) -> bool:
    target = _target(doc, actor)
    return bool(target) and not target.get("acknowledged_at") and not target.get("withdrawn_at")


def _may_report_clue(doc: Doc, actor: Actor) -> bool:
    target = _target(doc, actor)
    return bool(target.get("acknowledged_at")) and not target.get("withdrawn_at")


def _unit(doc: Doc, service: str) -> Mapping[str, Any] | None:
    unit = doc.get(service)
    return unit if isinstance(unit, Mapping) else None


def _open(doc: Doc) -> bool:
    return doc.get("status") != "closed"


def _not_sent(service: str) -> Callable[[Doc, Actor], bool]:
    return lambda doc, actor: _open(doc) and _unit(doc, service) is None


def _police_to_report(doc: Doc, actor: Actor) -> bool:
    unit = _unit(doc, "police")
    return (
        _open(doc)
        and unit is not None
        and unit.get("province") == actor.province
        and not unit.get("arrived_at")
    )


def _admission_to_report(doc: Doc, actor: Actor) -> bool:
    unit = _unit(doc, "medical")
    return (
        _open(doc)
        and unit is not None
        and unit.get("province") == actor.province
        and not unit.get("admitted_at")
    )


def _advance_to_confirm(doc: Doc, actor: Actor) -> bool:
    """A notified insurer with a 交强险 head (of three) it has not advanced under yet."""
    insurers = doc.get("insurers") or {}
    mine = insurers.get(actor.org or "") if isinstance(insurers, Mapping) else None
    if not (_open(doc) and isinstance(mine, Mapping)):
        return False
    return mine.get("advance") is None or len(mine.get("advances") or {}) < _HEADS


_HEADS: Final = 3  # 交强险's medical, death and disability, and property heads


def _fault_to_determine(doc: Doc, actor: Actor) -> bool:
    return _open(doc) and doc.get("fault") is None


def _recovery_to_record(doc: Doc, actor: Actor) -> bool:
    """The fund's advance not yet recovered in full, open or closed (recoveries come when they do)."""
    fund = doc.get("fund")
    if not isinstance(fund, Mapping):
        return False
    review = fund.get("review")
    paid = int(review.get("amount") or 0) if isinstance(review, Mapping) and review.get("approved") else 0
    return paid > int(fund.get("recovered") or 0)


def _fund_not_notified(doc: Doc, actor: Actor) -> bool:
    return _open(doc) and doc.get("fund") is None


def _fund_to_review(doc: Doc, actor: Actor) -> bool:
    fund = doc.get("fund")
    return _open(doc) and isinstance(fund, Mapping) and fund.get("review") is None


def _record_to_eliminate(doc: Doc, actor: Actor) -> bool:
    return not doc.get("record_eliminated")


def _refund_due(doc: Doc, actor: Actor) -> bool:
    revocation = doc.get("revocation")
    return (
        isinstance(revocation, Mapping)
        and (revocation.get("fine_to_refund") or 0) > 0
        and doc.get("refund") is None
    )


_TRANSFER_OPEN = _s("archive_requested", "archive_released", "archive_verified", "inspected")
_OBJECTION_OPEN = _s("forwarded", "under_review", "evidence_requested")
_VEHICLE_ADMIN = "vehicle_admin"
_POLICE = "traffic_police"
_INVESTIGATOR = "investigator"
_DISPATCHER = "dispatcher"

OFFERS: Final[Mapping[str, Mapping[str, Offer]]] = {
    "transfer": {
        "release_archive": Offer({_VEHICLE_ADMIN: ("origin",)}, _s("archive_requested")),
        "refuse_transfer": Offer({_VEHICLE_ADMIN: ("origin",)}, _s("archive_requested")),
        "verify_archive": Offer({_VEHICLE_ADMIN: ("destination",)}, _s("archive_released")),
        "inspect_vehicle": Offer({_VEHICLE_ADMIN: ("destination",)}, _s("archive_verified")),
        "register_vehicle": Offer({_VEHICLE_ADMIN: ("destination",)}, _s("inspected")),
        "withdraw_transfer": Offer({"owner": None, _VEHICLE_ADMIN: ("destination",)}, _TRANSFER_OPEN),
    },
    "objection": {
        "start_review": Offer({_POLICE: ("recording",)}, _s("forwarded")),
        "request_evidence": Offer({_POLICE: ("recording",)}, _s("under_review")),
        "supply_evidence": Offer({_POLICE: ("handling",)}, _s("evidence_requested")),
        "decide": Offer({_POLICE: ("recording",)}, _s("under_review", "evidence_requested")),
        "eliminate_record": Offer({_POLICE: ("recording",)}, _s("upheld", "refunded"), _record_to_eliminate),
        "complete_refund": Offer({_POLICE: ("recording",)}, _s("upheld"), _refund_due),
        "withdraw_objection": Offer({"owner": None, _POLICE: ("handling",)}, _OBJECTION_OPEN),
    },
    "hit_and_run": {
        "request_assistance": Offer(
            {_INVESTIGATOR: ("incident",)}, _s("open", "assistance_requested", "suspect_apprehended")
        ),
        "acknowledge": Offer({_INVESTIGATOR: ("target",)}, when=_may_acknowledge),
        "report_clue": Offer({_INVESTIGATOR: ("target",)}, when=_may_report_clue),
        # a target sees the case only once the request reached it; the incident province may catch
        # the suspect before any request went out
        "apprehend": Offer({_INVESTIGATOR: ("incident", "target")}, _s("open", "assistance_requested")),
        "take_handover": Offer({_INVESTIGATOR: ("incident",)}, _s("suspect_apprehended")),
        "solve": Offer({_INVESTIGATOR: ("incident",)}, _s("handed_over")),
        "determine": Offer({_INVESTIGATOR: ("incident",)}, _s("solved")),
        "issue_interim_determination": Offer(
            {_INVESTIGATOR: ("incident",)}, _s("open", "assistance_requested", "suspended")
        ),
        "request_interim_determination": Offer(
            {_INVESTIGATOR: ("incident",)}, _s("open", "assistance_requested")
        ),
        "amend_suspect_vehicle": Offer(
            {_INVESTIGATOR: ("incident",)}, _s("open", "assistance_requested", "suspended")
        ),
        "suspend": Offer({_INVESTIGATOR: ("incident",)}, _s("open", "assistance_requested")),
        "reopen": Offer({_INVESTIGATOR: ("incident",)}, _s("suspended")),
    },
    "rescue": {
        "dispatch_police": Offer({_DISPATCHER: ("accident",)}, when=_not_sent("police")),
        "dispatch_medical": Offer({_DISPATCHER: ("accident",)}, when=_not_sent("medical")),
        "report_police_arrival": Offer({_POLICE: None}, when=_police_to_report),
        "admit_patients": Offer({"medical": None}, when=_admission_to_report),
        "notify_insurer": Offer(
            {_POLICE: ("accident",), _DISPATCHER: ("accident",)}, when=lambda doc, actor: _open(doc)
        ),
        "confirm_insurer_advance": Offer({"insurer": None}, when=_advance_to_confirm),
        "notify_fund": Offer({_POLICE: ("accident",), _DISPATCHER: ("accident",)}, when=_fund_not_notified),
        "review_fund": Offer({"fund": ("accident",)}, when=_fund_to_review),
        "determine_fault": Offer({_POLICE: ("accident",)}, when=_fault_to_determine),
        "record_recovery": Offer({"fund": ("accident",)}, when=_recovery_to_record),
        "close_rescue": Offer({_DISPATCHER: ("accident",)}, when=lambda doc, actor: _open(doc)),
    },
}

# Who opens a case of each kind (the API checks; the console offers the form to these roles).
OPENERS: Final[Mapping[str, frozenset[str]]] = {
    "transfer": frozenset({"owner", _VEHICLE_ADMIN}),
    "objection": frozenset({"owner", _POLICE}),
    "hit_and_run": frozenset({_INVESTIGATOR}),
    "rescue": frozenset({_DISPATCHER}),
}


def offered(kind: str, doc: Doc, actor: Actor) -> list[str]:
    """The commands, by route name, the page offers `actor` on this case now."""
    return [name for name, offer in OFFERS.get(kind, {}).items() if offer.applies(doc, actor)]


def may_open(kind: str, actor: Actor) -> bool:
    return actor.role.value in OPENERS.get(kind, frozenset())
