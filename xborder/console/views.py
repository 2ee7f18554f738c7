"""What the pages make of the API's documents: times in Beijing time, due times in working days and
hours, a transfer's and an objection's progress as steps, a rescue's three parties at a glance, and
a case's own fields as label/value rows. Pure functions of the documents the API returned."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from xborder.console.forms import CST
from xborder.console.geography import province_label
from xborder.console.i18n import Translator
from xborder.domain.calendar import WorkingCalendar
from xborder.domain.provinces import PROVINCE_CODES

Doc = Mapping[str, Any]

# Fields every case has, shown in sections of their own rather than among the case's details.
COMMON_FIELDS: Final = frozenset(
    {
        "id",
        "kind",
        "status",
        "version",
        "provinces",
        "deadlines",
        "history",
        "awaiting",
        "created_at",
        "updated_at",
    }
)
# Per workflow, fields the page shows in a section of its own (steps, parties) or not at all.
OWN_SECTIONS: Final[Mapping[str, frozenset[str]]] = {
    "rescue": frozenset({"police", "medical", "insurers", "fund", "hit_and_run_version"}),
    "hit_and_run": frozenset(),
    "transfer": frozenset(),
    "objection": frozenset(),
}
# Document fields that hold a province code: shown by name.
PROVINCE_FIELDS: Final = frozenset(
    {"origin", "destination", "handling", "recording", "incident", "accident", "province", "target"}
)


def mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is an object of the document, else an empty one."""
    return value if isinstance(value, Mapping) else {}


# Document fields whose values are the workflows' enum values: shown in words.
OPTION_FIELDS: Final = frozenset(
    {"reasons", "ground", "severity", "reason", "outcome", "vehicle_type", "use"}
)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 16 or value[4:5] != "-":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def when(value: Any) -> str:
    """`2026-11-24 17:00` (Beijing time) for an RFC 3339 string; anything else as it is."""
    moment = parse_time(value)
    if moment is None:
        return "—" if value in (None, "") else str(value)
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def _working_days_between(calendar: WorkingCalendar, start: date, end: date) -> int:
    """Working days d with start < d <= end."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            days += 1
    return days


def due_text(due: Any, now: datetime, calendar: WorkingCalendar, t: Translator) -> str:
    """How long is left, in working days (or hours on the last day), or how long overdue."""
    moment = parse_time(due)
    if moment is None:
        return ""
    left = (moment - now).total_seconds()
    if left <= 0:
        hours = math.ceil(-left / 3600)
        return t("due.over_days", days=hours // 24) if hours >= 48 else t("due.over", hours=hours)
    if left < 3600:
        return t("due.left_minutes", minutes=max(1, math.ceil(left / 60)))
    if left < 24 * 3600:
        return t("due.left_hours", hours=math.ceil(left / 3600))
    days = _working_days_between(calendar, now.astimezone(CST).date(), moment.astimezone(CST).date())
    if days < 1:
        return t("due.left_hours", hours=math.ceil(left / 3600))
    return t("due.left_days", days=days)


# ----------------------------------------------------------------------------------------- steps


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    label: str
    state: str  # done | current | todo | ended
    notes: tuple[str, ...] = ()


def _steps(keys: Sequence[str], reached: int, t: Translator) -> list[Step]:
    return [
        Step(key, t(f"progress.{key}"), "current" if i == reached else ("done" if i < reached else "todo"))
        for i, key in enumerate(keys)
    ]


_TRANSFER_STEPS: Final = ("accepted", "archive", "inspection", "done")
_TRANSFER_REACHED: Final = {
    "archive_requested": 0,
    "archive_released": 1,
    "archive_verified": 1,
    "inspected": 2,
    "registered": 3,
    "refused": 0,
    "archive_rejected": 1,
    "withdrawn": -1,
    "lapsed": 1,
}


def transfer_steps(doc: Doc, t: Translator) -> list[Step]:
    """已受理 → 档案调取 → 查验 → 已办结; or, where it ended, 退办 with the reasons (已撤回, 已失效)."""
    status = str(doc.get("status") or "")
    reached = _TRANSFER_REACHED.get(status, 0)
    if status == "withdrawn":
        reached = _withdrawn_at_step(doc)
    steps = _steps(_TRANSFER_STEPS, reached, t)
    if status == "registered":
        steps[-1] = Step(
            "done", t("progress.done"), "done", (t("progress.new_plate", plate=doc.get("new_plate")),)
        )
        return steps
    inspections = [i for i in doc.get("inspections") or () if isinstance(i, Mapping)]
    if inspections and not inspections[-1].get("passed"):
        failed = tuple(str(r) for r in inspections[-1].get("reasons") or ())
        steps[2] = Step("inspection", steps[2].label, steps[2].state, failed)
    ending = {
        "refused": "returned",
        "archive_rejected": "returned",
        "withdrawn": "withdrawn",
        "lapsed": "lapsed",
    }
    if status in ending:
        steps = steps[: reached + 1] if reached >= 0 else steps[:1]
        steps = [Step(s.key, s.label, "done", s.notes) for s in steps]
        steps.append(
            Step(ending[status], t(f"progress.{ending[status]}"), "ended", _transfer_reasons(doc, t))
        )
    return steps


def _withdrawn_at_step(doc: Doc) -> int:
    """The step a withdrawn transfer had reached, from its history."""
    seen = {entry.get("type") for entry in doc.get("history") or () if isinstance(entry, Mapping)}
    if "VehicleInspected" in seen:
        return 2
    if "ArchiveReleased" in seen:
        return 1
    return 0


def _transfer_reasons(doc: Doc, t: Translator) -> tuple[str, ...]:
    status = doc.get("status")
    if status == "refused" and isinstance(doc.get("refusal"), Mapping):
        refusal = doc["refusal"]
        notes = [t.option(r) for r in refusal.get("reasons") or ()]
        return (*notes, str(refusal["detail"])) if refusal.get("detail") else tuple(notes)
    if status == "archive_rejected" and isinstance(doc.get("archive_verification"), Mapping):
        reason = doc["archive_verification"].get("reason")
        return (str(reason),) if reason else ()
    if status == "withdrawn" and isinstance(doc.get("withdrawal"), Mapping):
        reason = doc["withdrawal"].get("reason")
        return (str(reason),) if reason else ()
    return ()


_OBJECTION_REACHED: Final = {
    "forwarded": 0,
    "under_review": 1,
    "evidence_requested": 1,
    "upheld": 2,
    "refunded": 2,
    "dismissed": 2,
}


def objection_steps(doc: Doc, t: Translator) -> list[Step]:
    """已转递 → 审核中 → 已撤销 / 已驳回, then the refund when a decided fine is revoked."""
    status = str(doc.get("status") or "")
    decision = doc.get("decision") if isinstance(doc.get("decision"), Mapping) else None
    if status == "withdrawn":
        reached = 1 if doc.get("review_started_at") else 0
        steps = [Step(s.key, s.label, "done") for s in _steps(("forwarded", "reviewing"), reached, t)][
            : reached + 1
        ]
        reason = (
            (doc.get("withdrawal") or {}).get("reason")
            if isinstance(doc.get("withdrawal"), Mapping)
            else None
        )
        return [*steps, Step("withdrawn", t("progress.withdrawn"), "ended", (str(reason),) if reason else ())]
    reached = _OBJECTION_REACHED.get(status, 0)
    outcome = "dismissed" if status == "dismissed" else "revoked"
    steps = _steps(("forwarded", "reviewing", outcome), reached, t)
    if decision is not None and decision.get("reason"):
        last = steps[2]
        state = "ended" if status == "dismissed" else last.state
        steps[2] = Step(last.key, last.label, state, (str(decision["reason"]),))
    revocation = doc.get("revocation") if isinstance(doc.get("revocation"), Mapping) else None
    if revocation is not None and (revocation.get("fine_to_refund") or 0) > 0:
        refund = doc.get("refund") if isinstance(doc.get("refund"), Mapping) else None
        if refund is not None:
            steps[2] = Step(steps[2].key, steps[2].label, "done", steps[2].notes)
            steps.append(
                Step(
                    "refund",
                    t("progress.refund"),
                    "done",
                    (t("progress.refunded", amount=refund.get("amount")),),
                )
            )
        else:
            steps.append(
                Step(
                    "refund",
                    t("progress.refund"),
                    "todo",
                    (t("progress.refund_due", amount=revocation.get("fine_to_refund")),),
                )
            )
    return steps


# ---------------------------------------------------------------------------------------- parties


@dataclass(frozen=True, slots=True)
class Party:
    key: str  # police | medical | funding
    label: str
    state: str  # none | waiting | done | denied
    lines: tuple[str, ...] = field(default_factory=tuple)


def _minutes(seconds: Any) -> int:
    return max(0, round(float(seconds) / 60)) if isinstance(seconds, int | float) else 0


def _unit_party(key: str, unit: Any, done_field: str, name_field: str, now: datetime, t: Translator) -> Party:
    label = t(f"party.{key}")
    if not isinstance(unit, Mapping):
        return Party(key, label, "none", (t("party.none"),))
    where = f"{unit.get(name_field) or ''} · {province_label(unit.get('province'))}"
    if unit.get(done_field):
        done = t("party.arrived" if key == "police" else "party.admitted")
        response = t("party.response", minutes=_minutes(unit.get("response_seconds")))
        return Party(key, label, "done", (where, f"{done} {when(unit.get(done_field))} · {response}"))
    sent = parse_time(unit.get("dispatched_at"))
    waiting = t("party.waiting")
    if sent is not None:
        waited = t("party.waited", minutes=_minutes((now - sent).total_seconds()))
        waiting = f"{t('party.dispatched')} {when(unit.get('dispatched_at'))} · {waited}"
    return Party(key, label, "waiting", (where, waiting))


def rescue_parties(doc: Doc, now: datetime, t: Translator) -> list[Party]:
    """警 / 医 / 保·基金: who was sent, whether they reported, and in how many minutes."""
    police = _unit_party("police", doc.get("police"), "arrived_at", "unit", now, t)
    medical = _unit_party("medical", doc.get("medical"), "admitted_at", "hospital", now, t)
    lines: list[str] = []
    states: list[str] = []
    for name, notice in sorted(mapping(doc.get("insurers")).items()):
        advance = notice.get("advance") if isinstance(notice, Mapping) else None
        if isinstance(advance, Mapping):
            lines.append(f"{name}: {t('party.advance', amount=advance.get('amount'))}")
            states.append("done")
        else:
            lines.append(f"{name}: {t('party.notified')} · {t('party.waiting')}")
            states.append("waiting")
    fund = doc.get("fund") if isinstance(doc.get("fund"), Mapping) else None
    if fund is not None:
        review = fund.get("review") if isinstance(fund.get("review"), Mapping) else None
        if review is None:
            lines.append(f"{t('party.fund_notified')} · {t('party.waiting')}")
            states.append("waiting")
        elif review.get("approved"):
            lines.append(t("party.fund_paid", amount=review.get("amount")))
            states.append("done")
        else:
            lines.append(t("party.fund_denied"))
            states.append("denied")
    if not states:
        funding = Party("funding", t("party.funding"), "none", (t("party.no_funding"),))
    else:
        state = "waiting" if "waiting" in states else ("done" if "done" in states else "denied")
        funding = Party("funding", t("party.funding"), state, tuple(lines))
    return [police, medical, funding]


# ---------------------------------------------------------------------------------------- details


@dataclass(frozen=True, slots=True)
class Row:
    """One label/value row of a case's details: `value` text, or `table` (list of dicts) or `rows`
    (a nested group)."""

    key: str
    label: str
    value: str | None = None
    table: tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None = None
    rows: tuple[Row, ...] = ()


def display(key: str, value: Any, t: Translator) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return t("form.yes") if value else t("form.no")
    if key in PROVINCE_FIELDS and isinstance(value, str):
        return province_label(value)
    if isinstance(value, str):
        if parse_time(value) is not None:
            return when(value)
        if key in OPTION_FIELDS and t.lookup(f"option.{value}") is not None:
            return t.option(value)
        return value
    if isinstance(value, list):
        return "、".join(display(key, v, t) for v in value) or "—"
    if isinstance(value, Mapping):
        return (
            "；".join(f"{t.field(k)}: {display(k, v, t)}" for k, v in value.items() if v is not None) or "—"
        )
    return str(value)


# The order the details read in (a document's own order is its database's); others follow by name.
DETAIL_ORDER: Final = (
    "plate", "new_plate", "vin", "vehicle_type", "use", "owner", "party", "origin", "destination",
    "destination_city", "residence_proof", "mortgagee", "archive_ref", "archive_verification",
    "inspections", "refusal", "withdrawal", "handling", "recording", "violation", "ground",
    "ground_detail", "police_report_number", "evidence", "forwarded_at", "review_started_at",
    "evidence_requests", "decision", "revocation", "record_eliminated", "refund", "incident", "accident",
    "occurred_at", "place", "casualties", "vehicles", "driver_fled", "suspect_vehicle", "direction",
    "targets", "apprehension", "handover_at", "solved", "determination", "interim_determinations",
    "rescue_id", "hit_and_run_id", "closed_at",
)  # fmt: skip
_RANK: Final = {key: i for i, key in enumerate(DETAIL_ORDER)}


def detail_rows(doc: Doc, t: Translator, *, skip: frozenset[str] = frozenset()) -> list[Row]:
    """The case's own fields, as the API returned them (masked), in `DETAIL_ORDER`."""
    kind = str(doc.get("kind") or "")
    doc = _with_erased_marked(doc, t("privacy.erased"))
    hidden = COMMON_FIELDS | OWN_SECTIONS.get(kind, frozenset()) | skip | {"erased_fields"}
    keys = sorted(
        (key for key in doc if key not in hidden and not key.endswith("_province_name")),
        key=lambda key: (_RANK.get(key, len(_RANK)), key),
    )
    return [_row(key, doc[key], t) for key in keys]


def _with_erased_marked(doc: Doc, marker: str) -> Doc:
    """The document with each erased field (`erased_fields`: its subject's key was destroyed) saying
    so, where the API leaves it null."""
    erased = doc.get("erased_fields") or []
    if not erased:
        return doc
    marked = copy.deepcopy(doc)
    for dotted in erased:
        *parents, last = dotted.split(".")
        holder: Any = marked
        for part in parents:
            holder = holder[int(part)] if isinstance(holder, list) else holder.get(part)
            if holder is None:
                break
        if isinstance(holder, dict):
            holder[last] = marker
        elif isinstance(holder, list) and last.isdigit():
            holder[int(last)] = marker
    return marked


def _row(key: str, value: Any, t: Translator) -> Row:
    label = province_label(key) if key in PROVINCE_CODES else t.field(key)
    if isinstance(value, Mapping):
        return Row(key, label, rows=tuple(_row(k, v, t) for k, v in value.items()))
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        columns = [k for k in _columns(value) if any(item.get(k) is not None for item in value)]
        body = tuple(tuple(display(c, item.get(c), t) for c in columns) for item in value)
        return Row(key, label, table=(tuple(t.field(c) for c in columns), body))
    return Row(key, label, value=display(key, value, t))


def _columns(items: Sequence[Mapping[str, Any]]) -> list[str]:
    columns: list[str] = []
    for item in items:
        for k in item:
            if k not in columns:
                columns.append(k)
    return columns
