"""Cooperation zones and the time limits that apply to cases between their members.

Regional agreements may only tighten the national limits, and they change by negotiation, not by
release: so every limit is data, national values are the default, and a zone's override applies only
to cases whose provinces are all members of that zone. The terms themselves belong to the workflows
(each declares its own in its `terms.py`); the root hands the book their union.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, cast

from xborder.domain.calendar import TimeLimit, TimeUnit
from xborder.domain.provinces import province_by_code

__all__ = [
    "ZONES",
    "Term",
    "Zone",
    "ZoneBook",
    "default_zone_book",
    "national_terms",
    "zone_book_from_dict",
    "zone_book_to_dict",
]


# A term is named by the workflow that runs its clock (each workflow's `terms.py` declares a StrEnum
# of them with national values); here it is only a name.
Term = str


def _freeze_terms(terms: Mapping[Any, TimeLimit]) -> Mapping[str, TimeLimit]:
    frozen: dict[str, TimeLimit] = {}
    for name, limit in terms.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"a term is named by a non-empty string, got {name!r}")
        if not isinstance(limit, TimeLimit):
            raise ValueError(f"term {name!r}: expected a TimeLimit, got {type(limit).__name__}")
        frozen[str(name)] = limit
    return MappingProxyType(frozen)


def national_terms(*per_workflow: Mapping[Any, TimeLimit]) -> Mapping[str, TimeLimit]:
    """The national values of every workflow's terms, each name owned by one workflow."""
    merged: dict[str, TimeLimit] = {}
    for terms in per_workflow:
        for name, limit in _freeze_terms(terms).items():
            if name in merged:
                raise ValueError(f"two workflows name a term {name!r}")
            merged[name] = limit
    return MappingProxyType(merged)


@dataclass(frozen=True, slots=True)
class Zone:
    """A cooperation zone: its member provinces (6-digit codes) and the terms its agreement tightens."""

    key: str
    name: str
    members: frozenset[str]
    # Excluded from the hash: a mapping is not hashable, and key + members already identify a zone.
    terms: Mapping[str, TimeLimit] = field(hash=False)

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
    national: Mapping[str, TimeLimit] = field(hash=False)

    def __post_init__(self) -> None:
        zones = tuple(self.zones)
        national = _freeze_terms(self.national)
        if not national:
            raise ValueError("no national terms: the workflows declare them (their terms.py)")
        keys = [z.key for z in zones]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate zone keys: {', '.join(duplicates)}")
        for zone in zones:
            for term, limit in zone.terms.items():
                if term not in national:
                    known = ", ".join(national)
                    raise ValueError(f"zone {zone.key!r}: unknown term {term!r}; known: {known}")
                # Comparing amounts across units would make "strictest" meaningless.
                if limit.unit != national[term].unit:
                    raise ValueError(
                        f"zone {zone.key!r}: {term} must be in {national[term].unit}, got {limit.unit}"
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
        term = str(term)
        if term not in self.national:
            raise ValueError(f"unknown term {term!r}; known: {', '.join(self.national)}")
        overrides = [z.terms[term] for z in self.zones_of(provinces) if term in z.terms]
        if not overrides:
            return self.national[term]
        return min(overrides, key=lambda limit: limit.amount)


def default_zone_book(national: Mapping[Any, TimeLimit]) -> ZoneBook:
    """The built-in zones with the workflows' national terms, used unless an operator supplies zone
    data."""
    return ZoneBook(zones=ZONES, national=national)


def _limit_from_dict(where: str, data: Any) -> TimeLimit:
    if not isinstance(data, Mapping) or set(data) != {"amount", "unit"}:
        raise ValueError(f"{where}: expected {{'amount': int, 'unit': str}}, got {data!r}")
    try:
        return TimeLimit(data["amount"], cast(TimeUnit, data["unit"]))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _zone_from_dict(index: int, data: Any, national: Mapping[str, TimeLimit]) -> Zone:
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
    terms: dict[str, TimeLimit] = {}
    for term_name, limit in raw_terms.items():
        if term_name not in national:
            raise ValueError(f"{where}: unknown term {term_name!r}; known: {', '.join(national)}")
        terms[term_name] = _limit_from_dict(f"{where} term {term_name!r}", limit)
    try:
        return Zone(key=key, name=name, members=frozenset(members), terms=terms)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def zone_book_from_dict(data: Mapping[str, Any], national: Mapping[Any, TimeLimit]) -> ZoneBook:
    """Build a zone book from operator data; the workflows' national terms stay the defaults."""
    if not isinstance(data, Mapping) or set(data) != {"zones"}:
        raise ValueError("zone data must be an object with exactly one key, 'zones'")
    zones = data["zones"]
    if not isinstance(zones, list):
        raise ValueError("'zones' must be a list")
    known = _freeze_terms(national)
    return ZoneBook(zones=tuple(_zone_from_dict(i, z, known) for i, z in enumerate(zones)), national=known)


def zone_book_to_dict(book: ZoneBook) -> dict[str, Any]:
    """The inverse of `zone_book_from_dict` (national terms are not part of the data)."""
    return {
        "zones": [
            {
                "key": z.key,
                "name": z.name,
                "members": sorted(z.members),
                "terms": {t: {"amount": lim.amount, "unit": lim.unit} for t, lim in z.terms.items()},
            }
            for z in book.zones
        ]
    }
