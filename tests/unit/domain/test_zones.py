from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from tests.support.terms import NATIONAL_TERMS, Term
from xborder.domain.calendar import TimeLimit
from xborder.domain.errors import InvalidValue
from xborder.domain.zones import (
    ZONES,
    Zone,
    ZoneBook,
    default_zone_book,
    national_terms,
    zone_book_from_dict,
    zone_book_to_dict,
)

SC, CQ, GZ, YN, SH, JS, BJ, GD = (
    "510000",
    "500000",
    "520000",
    "530000",
    "310000",
    "320000",
    "110000",
    "440000",
)


def book_with(*zones: Zone) -> ZoneBook:
    return ZoneBook(zones=zones, national=NATIONAL_TERMS)


@pytest.mark.parametrize(
    ("term", "limit"),
    [
        (Term.ARCHIVE_RELEASE, TimeLimit(2, "working_days")),
        (Term.ARCHIVE_VERIFICATION, TimeLimit(1, "working_days")),
        (Term.REGISTRATION, TimeLimit(3, "working_days")),
        (Term.TRANSFER_LAPSE, TimeLimit(30, "calendar_days")),
        (Term.OBJECTION_REVIEW, TimeLimit(5, "working_days")),
        (Term.RECORD_ELIMINATION, TimeLimit(3, "working_days")),
        (Term.DETERMINATION, TimeLimit(10, "working_days")),
        (Term.ASSISTANCE_ACK, TimeLimit(24, "hours")),
        (Term.FUND_NOTICE, TimeLimit(3, "working_days")),
        (Term.FUND_REVIEW, TimeLimit(5, "working_days")),
    ],
)
def test_national_terms(term: Term, limit: TimeLimit) -> None:
    assert NATIONAL_TERMS[term] == limit
    assert default_zone_book(NATIONAL_TERMS).limit(term, [SC, CQ]) == limit
    assert default_zone_book(NATIONAL_TERMS).limit(term, [SC, GD]) == limit


def test_national_terms_cover_every_term_and_are_read_only() -> None:
    assert set(NATIONAL_TERMS) == set(Term)
    with pytest.raises(TypeError):
        NATIONAL_TERMS[Term.ARCHIVE_RELEASE] = TimeLimit(1, "working_days")  # type: ignore[index]


def test_builtin_zones() -> None:
    assert {z.key: (z.name, z.members) for z in ZONES} == {
        "chuanyu": ("川渝", frozenset({SC, CQ})),
        "yangtze_delta": ("长三角", frozenset({SH, JS, "330000", "340000"})),
        "jingjinji": ("京津冀", frozenset({BJ, "120000", "130000"})),
        "pan_southwest": ("泛西南", frozenset({CQ, SC, GZ, YN, "540000", "630000"})),
    }
    assert all(not z.terms for z in ZONES)


@pytest.mark.parametrize(
    ("provinces", "keys"),
    [
        ([SC, CQ], ("chuanyu", "pan_southwest")),
        ([CQ, SC], ("chuanyu", "pan_southwest")),
        ([SC, GZ], ("pan_southwest",)),
        ([SC], ("chuanyu", "pan_southwest")),
        ([SH, JS], ("yangtze_delta",)),
        ([SC, GD], ()),
        ([SC, SH], ()),
        ([], ()),
    ],
)
def test_zones_of(provinces: list[str], keys: tuple[str, ...]) -> None:
    assert tuple(z.key for z in default_zone_book(NATIONAL_TERMS).zones_of(provinces)) == keys


def test_unknown_province_in_query_rejected() -> None:
    with pytest.raises(InvalidValue) as exc:
        default_zone_book(NATIONAL_TERMS).zones_of(["510100"])
    assert exc.value.code == "province.invalid"


CHUANYU_FAST = Zone(
    "chuanyu", "川渝", frozenset({SC, CQ}), {Term.ARCHIVE_RELEASE: TimeLimit(1, "working_days")}
)


@pytest.mark.parametrize(
    ("provinces", "expected"),
    [
        ([SC, CQ], TimeLimit(1, "working_days")),
        ([CQ], TimeLimit(1, "working_days")),
        ([SC, GZ], TimeLimit(2, "working_days")),  # GZ is not a member: national value
        ([SC, CQ, GZ], TimeLimit(2, "working_days")),
        ([SH, JS], TimeLimit(2, "working_days")),
        ([], TimeLimit(2, "working_days")),
    ],
)
def test_override_applies_only_when_all_provinces_are_members(
    provinces: list[str], expected: TimeLimit
) -> None:
    assert book_with(CHUANYU_FAST).limit(Term.ARCHIVE_RELEASE, provinces) == expected


def test_override_is_per_term() -> None:
    book = book_with(CHUANYU_FAST)
    assert book.limit(Term.REGISTRATION, [SC, CQ]) == NATIONAL_TERMS[Term.REGISTRATION]


def test_strictest_of_overlapping_zones_wins() -> None:
    southwest = Zone(
        "pan_southwest",
        "泛西南",
        frozenset({CQ, SC, GZ, YN}),
        {
            Term.ARCHIVE_RELEASE: TimeLimit(1, "working_days"),
            Term.ASSISTANCE_ACK: TimeLimit(12, "hours"),
            Term.DETERMINATION: TimeLimit(7, "working_days"),
        },
    )
    chuanyu = Zone(
        "chuanyu",
        "川渝",
        frozenset({SC, CQ}),
        {Term.ASSISTANCE_ACK: TimeLimit(6, "hours"), Term.DETERMINATION: TimeLimit(8, "working_days")},
    )
    for book in (book_with(southwest, chuanyu), book_with(chuanyu, southwest)):
        assert book.limit(Term.ASSISTANCE_ACK, [SC, CQ]) == TimeLimit(6, "hours")
        assert book.limit(Term.DETERMINATION, [SC, CQ]) == TimeLimit(7, "working_days")
        assert book.limit(Term.ARCHIVE_RELEASE, [SC, CQ]) == TimeLimit(1, "working_days")
        assert book.limit(Term.ASSISTANCE_ACK, [SC, YN]) == TimeLimit(12, "hours")
        assert book.limit(Term.ASSISTANCE_ACK, [SC, SH]) == TimeLimit(24, "hours")


def test_term_given_as_plain_string() -> None:
    assert book_with(CHUANYU_FAST).limit("archive_release", [SC, CQ]) == TimeLimit(1, "working_days")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("term", "limit"),
    [
        (Term.ARCHIVE_RELEASE, TimeLimit(24, "hours")),
        (Term.TRANSFER_LAPSE, TimeLimit(20, "working_days")),
        (Term.ASSISTANCE_ACK, TimeLimit(1, "calendar_days")),
    ],
)
def test_mismatched_unit_rejected(term: Term, limit: TimeLimit) -> None:
    zone = Zone("chuanyu", "川渝", frozenset({SC, CQ}), {term: limit})
    with pytest.raises(ValueError, match="must be in"):
        book_with(zone)


@pytest.mark.parametrize(
    ("members", "error"),
    [
        (frozenset({SC, "510100"}), InvalidValue),
        (frozenset({SC, "99"}), InvalidValue),
        (frozenset({SC}), ValueError),
    ],
)
def test_zone_members_validated(members: frozenset[str], error: type[Exception]) -> None:
    with pytest.raises(error):
        Zone("z", "Z", members, {})


def test_book_rejects_a_zone_term_no_workflow_declares() -> None:
    with pytest.raises(ValueError, match="unknown term"):
        book_with(Zone("z", "Z", frozenset({SC, CQ}), {"archive_lease": TimeLimit(1, "working_days")}))
    with pytest.raises(ValueError, match="unknown term"):
        book_with().limit("archive_lease", [SC, CQ])


def test_book_rejects_duplicate_keys_and_no_national_terms() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        book_with(ZONES[0], ZONES[0])
    with pytest.raises(ValueError, match="no national terms"):
        ZoneBook(zones=ZONES, national=MappingProxyType({}))


def test_two_workflows_may_not_name_the_same_term() -> None:
    first: Mapping[str, TimeLimit] = {"review": TimeLimit(5, "working_days")}
    with pytest.raises(ValueError, match="two workflows name a term 'review'"):
        national_terms(first, {"review": TimeLimit(3, "working_days")})


def test_zone_terms_are_frozen() -> None:
    terms = {Term.ARCHIVE_RELEASE: TimeLimit(1, "working_days")}
    zone = Zone("chuanyu", "川渝", frozenset({SC, CQ}), terms)
    terms[Term.ARCHIVE_RELEASE] = TimeLimit(2, "working_days")
    assert zone.terms[Term.ARCHIVE_RELEASE] == TimeLimit(1, "working_days")
    with pytest.raises(TypeError):
        zone.terms[Term.ARCHIVE_RELEASE] = TimeLimit(2, "working_days")  # type: ignore[index]
    assert hash(zone) == hash(Zone("chuanyu", "川渝", frozenset({SC, CQ}), {}))


OPERATOR_DATA: dict[str, Any] = {
    "zones": [
        {
            "key": "chuanyu",
            "name": "川渝",
            "members": [SC, CQ],
            "terms": {
                "archive_release": {"amount": 1, "unit": "working_days"},
                "assistance_ack": {"amount": 12, "unit": "hours"},
            },
        },
        {"key": "jingjinji", "name": "京津冀", "members": [BJ, "120000", "130000"], "terms": {}},
    ]
}


def test_zone_book_from_dict() -> None:
    book = zone_book_from_dict(OPERATOR_DATA, NATIONAL_TERMS)
    assert [z.key for z in book.zones] == ["chuanyu", "jingjinji"]
    assert book.limit(Term.ARCHIVE_RELEASE, [SC, CQ]) == TimeLimit(1, "working_days")
    assert book.limit(Term.ASSISTANCE_ACK, [CQ, SC]) == TimeLimit(12, "hours")
    assert book.limit(Term.ARCHIVE_RELEASE, [BJ, "130000"]) == TimeLimit(2, "working_days")
    assert book.national == NATIONAL_TERMS


def test_zone_book_round_trip() -> None:
    book = zone_book_from_dict(OPERATOR_DATA, NATIONAL_TERMS)
    assert zone_book_from_dict(zone_book_to_dict(book), NATIONAL_TERMS) == book
    assert zone_book_to_dict(book) == {
        "zones": [{**z, "members": sorted(z["members"])} for z in OPERATOR_DATA["zones"]]
    }
    default = default_zone_book(NATIONAL_TERMS)
    assert zone_book_from_dict(zone_book_to_dict(default), NATIONAL_TERMS) == default


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"zones": [{"key": "x", "name": "X", "members": [SC, CQ], "terms": {"archive_lease": {}}}]},
            "unknown term",
        ),
        (
            {
                "zones": [
                    {
                        "key": "x",
                        "name": "X",
                        "members": [SC, CQ],
                        "terms": {"archive_release": {"amount": 1}},
                    }
                ]
            },
            "amount",
        ),
        (
            {
                "zones": [
                    {
                        "key": "x",
                        "name": "X",
                        "members": [SC, CQ],
                        "terms": {"archive_release": {"amount": 0, "unit": "working_days"}},
                    }
                ]
            },
            ">= 1",
        ),
        (
            {
                "zones": [
                    {
                        "key": "x",
                        "name": "X",
                        "members": [SC, CQ],
                        "terms": {"archive_release": {"amount": 1, "unit": "fortnights"}},
                    }
                ]
            },
            "unit",
        ),
        (
            {
                "zones": [
                    {
                        "key": "x",
                        "name": "X",
                        "members": [SC, CQ],
                        "terms": {"archive_release": {"amount": 24, "unit": "hours"}},
                    }
                ]
            },
            "must be in",
        ),
        ({"zones": [{"key": "x", "name": "X", "members": [SC, "510100"]}]}, "province"),
        ({"zones": [{"key": "x", "name": "X", "members": SC}]}, "members"),
        ({"zones": [{"key": "", "name": "X", "members": [SC, CQ]}]}, "key"),
        ({"zones": [{"key": "x", "members": [SC, CQ]}]}, "name"),
        ({"zones": [{"key": "x", "name": "X", "members": [SC, CQ], "extra": 1}]}, "unknown keys"),
        ({"zones": [{"key": "x", "name": "X", "members": [SC, CQ]}] * 2}, "duplicate"),
        ({"zones": {}}, "list"),
        ({}, "zones"),
        ({"zones": [], "national": {}}, "zones"),
        ({"zones": ["chuanyu"]}, "object"),
    ],
)
def test_zone_book_from_dict_rejects(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        zone_book_from_dict(data, NATIONAL_TERMS)
