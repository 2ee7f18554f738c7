"""The provinces' borders the pickers offer first."""

from __future__ import annotations

from xborder.console.geography import NEIGHBOURS, near_first, province_label
from xborder.domain.provinces import PROVINCE_CODES


def test_every_province_has_neighbours_and_borders_are_mutual() -> None:
    assert set(NEIGHBOURS) == PROVINCE_CODES
    for code, neighbours in NEIGHBOURS.items():
        assert neighbours, code
        assert code not in neighbours
        for other in neighbours:
            assert code in NEIGHBOURS[other], f"{code} borders {other} but not the other way round"


def test_the_accident_province_and_its_neighbours_come_first() -> None:
    first, rest = near_first(["510000", None, "500000"])
    assert first[:2] == ["510000", "500000"]
    assert set(first) == {"510000", "500000", *NEIGHBOURS["510000"], *NEIGHBOURS["500000"]}
    assert sorted(first + rest) == sorted(PROVINCE_CODES)
    assert not set(first) & set(rest)


def test_labels() -> None:
    assert province_label("510000") == "四川省"
    assert province_label("999999") == "999999"
    assert province_label(None) == "—"
