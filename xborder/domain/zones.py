"""Cooperation zones and the time limits that apply to cases between their members.

Regional agreements may only tighten the national limits, and they change by negotiation, not by
release: so every limit is data, national values are the default, and a zone's override applies only
to cases whose provinces are all members of that zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final, cast

from xborder.domain.calendar import TimeLimit, TimeUnit
from xborder.domain.provinces import province_by_code

__all__ = [
    "NATIONAL_TERMS",
    "ZONES",
    "Term",
    "Zone",
    "ZoneBook",
    "default_zone_book",
    "zone_book_from_dict",
    "zone_book_to_dict",
]


class Term(StrEnum):
    """The named time limits a case's clocks run against."""

    ARCHIVE_RELEASE = "archive_release"
    ARCHIVE_VERIFICATION = "archive_verification"
    REGISTRATION = "registration"
    TRANSFER_LAPSE = "transfer_lapse"
    OBJECTION_REVIEW = "objection_review"
    RECORD_ELIMINATION = "record_elimination"
    DETERMINATION = "determination"
    ASSISTANCE_ACK = "assistance_ack"
    FUND_NOTICE = "fund_notice"
    FUND_REVIEW = "fund_review"


NATIONAL_TERMS: Final[Mapping[Term, TimeLimit]] = MappingProxyType(
    {
        # 164号令《机动车登记规定》: origin releases the archive within 2 working days.
        Term.ARCHIVE_RELEASE: TimeLimit(2, "working_days"),
        # 164号令: destination verifies the received archive within 1 working day.
        Term.ARCHIVE_VERIFICATION: TimeLimit(1, "working_days"),
        # 164号令: destination registers within 3 working days of a passed inspection.
        Term.REGISTRATION: TimeLimit(3, "working_days"),
        # 164号令: a released archive lapses after 30 calendar days without registration.
        Term.TRANSFER_LAPSE: TimeLimit(30, "calendar_days"),
        # 157号令《道路交通安全违法行为处理程序规定》: review within 5 working days of forwarding.
        Term.OBJECTION_REVIEW: TimeLimit(5, "working_days"),
        # 157号令: an upheld objection's record is eliminated within 3 working days.
        Term.RECORD_ELIMINATION: TimeLimit(3, "working_days"),
        # 146号令《道路交通事故处理程序规定》: responsibility determined within 10 working days of capture.
        Term.DETERMINATION: TimeLimit(10, "working_days"),
        # 146号令 协查: targets acknowledge "promptly"; 24 hours until a zone records its own SLA.
        Term.ASSISTANCE_ACK: TimeLimit(24, "hours"),
        # 交强险条例 / 救助基金办法: the relief fund is notified within 3 working days.
        Term.FUND_NOTICE: TimeLimit(3, "working_days"),
        # 交强险条例 / 救助基金办法: the fund reviews an advance request within 5 working days.
        Term.FUND_REVIEW: TimeLimit(5, "working_days"),
    }
)


def _freeze_terms(terms: Mapping[Any, TimeLimit]) -> Mapping[Term, TimeLimit]:
    frozen: dict[Term, TimeLimit] = {}
    for name, limit in terms.items():
        try:
            term = Term(name)
        except ValueError:
            raise ValueError(f"unknown term {name!r}; known: {', '.join(Term)}") from None
        if not isinstance(limit, TimeLimit):
            raise ValueError(f"term {term.value!r}: expected a TimeLimit, got {type(limit).__name__}")
        frozen[term] = limit
    return MappingProxyType(frozen)


@dataclass(frozen=True, slots=True)
class Zone:
    """A cooperation zone: its member provinces (6-digit codes) and the terms its agreement tightens."""

    key: str
    name: str
    members: frozenset[str]
    # Excluded from the hash: a mapping is not hashable, and key + members already identify a zone.
    terms: Mapping[Term, TimeLimit] = field(hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError("zone key must be a non-empty string")
        if isinstance(self.members, str) or not isinstance(self.members, Iterable):
            raise ValueError(f"zone {self.key!r}: members must be a set of province codes")
        members = frozenset(self.members)
        for code in sorted(members, key=str):
            province_by_code(code)  # raises InvalidValue (a ValueError) for a non-province
        if len(members) < 2:
            raise ValueError(f"zone {self.key!r}: a cooperation zone needs at least two provinces")
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "terms", _freeze_terms(self.terms))


ZONES: Final[tuple[Zone, ...]] = (
    # Overrides stay empty until an operator records an agreement's own stricter values.
    Zone("chuanyu", "川渝", frozenset({"510000", "500000"}), MappingProxyType({})),
    Zone(
        "yangtze_delta", "长三角", frozenset({"310000", "320000", "330000", "340000"}), MappingProxyType({})
    ),
    Zone("jingjinji", "京津冀", frozenset({"110000", "120000", "130000"}), MappingProxyType({})),
    Zone(
        "pan_southwest",
        "泛西南",
        frozenset({"500000", "510000", "520000", "530000", "540000", "630000"}),
        MappingProxyType({}),
    ),
)


@dataclass(frozen=True, slots=True)
class ZoneBook:
    """All zones plus the national defaults: answers "which limit applies between these provinces"."""

    zones: tuple[Zone, ...]
    national: Mapping[Term, TimeLimit] = field(hash=False)

    def __post_init__(self) -> None:
        zones = tuple(self.zones)
        national = _freeze_terms(self.national)
        missing = [t.value for t in Term if t not in national]
        if missing:
            raise ValueError(f"national terms missing: {', '.join(missing)}")
        keys = [z.key for z in zones]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate zone keys: {', '.join(duplicates)}")
        for zone in zones:
            for term, limit in zone.terms.items():
                # Comparing amounts across units would make "strictest" meaningless.
                if limit.unit != national[term].unit:
                    raise ValueError(
                        f"zone {zone.key!r}: {term.value} must be in {national[term].unit}, got {limit.unit}"
                    )
        object.__setattr__(self, "zones", zones)
        object.__setattr__(self, "national", national)

    def zones_of(self, provinces: Iterable[str]) -> tuple[Zone, ...]:
        """Zones that contain every given province; none for an empty set (no case has no province)."""
        wanted = frozenset(provinces)
        for code in sorted(wanted, key=str):
            province_by_code(code)
        if not wanted:
            return ()
        return tuple(z for z in self.zones if wanted <= z.members)

    def limit(self, term: Term, provinces: Iterable[str]) -> TimeLimit:
        """The strictest override among zones holding all the provinces, else the national value."""
        term = Term(term)
        overrides = [z.terms[term] for z in self.zones_of(provinces) if term in z.terms]
        if not overrides:
            return self.national[term]
        return min(overrides, key=lambda limit: limit.amount)


def default_zone_book() -> ZoneBook:
    """The built-in zones with national terms, used unless an operator supplies zone data."""
    return ZoneBook(zones=ZONES, national=NATIONAL_TERMS)


def _limit_from_dict(where: str, data: Any) -> TimeLimit:
    if not isinstance(data, Mapping) or set(data) != {"amount", "unit"}:
        raise ValueError(f"{where}: expected {{'amount': int, 'unit': str}}, got {data!r}")
    try:
        return TimeLimit(data["amount"], cast(TimeUnit, data["unit"]))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _zone_from_dict(index: int, data: Any) -> Zone:
    where = f"zones[{index}]"
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected an object")
    unknown = set(data) - {"key", "name", "members", "terms"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    key, name = data.get("key"), data.get("name")
    if not isinstance(key, str) or not key:
        raise ValueError(f"{where}: 'key' must be a non-empty string")
    where = f"zone {key!r}"
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: 'name' must be a non-empty string")
    members = data.get("members")
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise ValueError(f"{where}: 'members' must be a list of province codes")
    raw_terms = data.get("terms", {})
    if not isinstance(raw_terms, Mapping):
        raise ValueError(f"{where}: 'terms' must be an object")
    terms: dict[Term, TimeLimit] = {}
    for term_name, limit in raw_terms.items():
        try:
            term = Term(term_name)
        except ValueError:
            raise ValueError(f"{where}: unknown term {term_name!r}; known: {', '.join(Term)}") from None
        terms[term] = _limit_from_dict(f"{where} term {term.value!r}", limit)
    try:
        return Zone(key=key, name=name, members=frozenset(members), terms=terms)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def zone_book_from_dict(data: Mapping[str, Any]) -> ZoneBook:
    """Build a zone book from operator data; national terms stay the defaults."""
    if not isinstance(data, Mapping) or set(data) != {"zones"}:
        raise ValueError("zone data must be an object with exactly one key, 'zones'")
    zones = data["zones"]
    if not isinstance(zones, list):
        raise ValueError("'zones' must be a list")
    return ZoneBook(zones=tuple(_zone_from_dict(i, z) for i, z in enumerate(zones)), national=NATIONAL_TERMS)


def zone_book_to_dict(book: ZoneBook) -> dict[str, Any]:
    """The inverse of `zone_book_from_dict` (national terms are not part of the data)."""
    return {
        "zones": [
            {
                "key": z.key,
                "name": z.name,
                "members": sorted(z.members),
                "terms": {t.value: {"amount": lim.amount, "unit": lim.unit} for t, lim in z.terms.items()},
            }
            for z in book.zones
        ]
    }
