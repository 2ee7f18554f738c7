"""The statistics page's table, CSV and SVG charts, made from a /v1/stats response."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xborder.console.stats import (
    CSV_COLUMNS,
    ENGLISH,
    StatsTable,
    StatusRow,
    StepRow,
    bar_chart_svg,
    format_seconds,
    stats_csv,
    stats_table,
    step_time_chart_svg,
)

SVG = "{http://www.w3.org/2000/svg}"

STATS: dict[str, Any] = {
    "province": "510000",
    "workflows": {
        "transfer": {
            "total": 11,
            "counts": {"origin_review": 6, "archive_sent": 4, "已办结": 1},
            "overdue": 3,
            "overdue_counts": {"origin_review": 2, "archive_sent": 1},
            "median_seconds_to": {"OriginReviewed": 330.0, "ArchiveSent": 4110.0},
            "seconds_to": {
                "ArchiveSent": {"n": 4, "median": 4110.0, "p90": 4182.0},
                "OriginReviewed": {"n": 10, "median": 330.0, "p90": 546.0},
            },
        },
        "rescue": {
            "total": 2,
            "counts": {"closed": 2},
            "overdue": 0,
            "overdue_counts": {},
            "median_seconds_to": {"PoliceArrived": 1080.0},
            "seconds_to": {"PoliceArrived": {"n": 2, "median": 1080.0, "p90": 1200.0}},
            "median_police_response_seconds": 1080.0,
            "median_medical_response_seconds": 2400.0,
        },
    },
}


def _table_from_csv(text: str) -> StatsTable:
    """The inverse of `stats_csv`, through nothing but the csv module."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    provinces = {r["province"] for r in rows}
    statuses = tuple(
        StatusRow(r["workflow"], r["name"], int(r["count"]), int(r["overdue"]))
        for r in rows
        if r["section"] == "status"
    )
    steps = tuple(
        StepRow(r["workflow"], r["name"], int(r["n"]), float(r["median_seconds"]), float(r["p90_seconds"]))
        for r in rows
        if r["section"] == "step"
    )
    return StatsTable(provinces.pop() if provinces else "", statuses, steps)


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{SVG}title") is not None
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    # nothing to fetch and nothing to run: no links, scripts, foreign content or event handlers
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in ("script", "foreignObject", "image", "use", "a", "style")
        for name, value in element.attrib.items():
            assert "href" not in name and not name.startswith("on"), name
            assert "url(" not in value
    return root


def _rects(root: ET.Element, css: str) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == css]


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


# ------------------------------------------------------------------------------------------ the table


def test_the_table_has_a_row_per_status_and_per_step_in_a_stable_order() -> None:
    table = stats_table(STATS)

    assert table.province == "510000"
    assert table.workflows() == ("rescue", "transfer")
    assert table.statuses == (
        StatusRow("rescue", "closed", 2, 0),
        StatusRow("transfer", "archive_sent", 4, 1),
        StatusRow("transfer", "origin_review", 6, 2),
        StatusRow("transfer", "已办结", 1, 0),
    )
    # a workflow's steps in the order a case usually reaches them: by median time
    assert table.steps_of("transfer") == (
        StepRow("transfer", "OriginReviewed", 10, 330.0, 546.0),
        StepRow("transfer", "ArchiveSent", 4, 4110.0, 4182.0),
    )
    assert table.steps_of("rescue") == (StepRow("rescue", "PoliceArrived", 2, 1080.0, 1200.0),)


def test_no_workflows_make_an_empty_table() -> None:
    for response in ({"province": "310000", "workflows": {}}, {}):
        table = stats_table(response)
        assert table.statuses == () and table.steps == () and table.workflows() == ()


# -------------------------------------------------------------------------------------------- the CSV


def test_the_csv_reads_back_as_the_same_table() -> None:
    table = stats_table(STATS)
    text = stats_csv(table)

    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert "已办结" in text
    assert _table_from_csv(text) == table


def test_commas_quotes_and_line_breaks_in_a_name_are_quoted() -> None:
    table = StatsTable("510000", (StatusRow("transfer", 'a,"b"\r\nc', 1, 0),), ())
    text = stats_csv(table)

    assert '"a,""b""\r\nc"' in text
    assert _table_from_csv(text) == table


def test_an_empty_table_is_a_header_alone() -> None:
    assert stats_csv(stats_table({})) == ",".join(CSV_COLUMNS) + "\r\n"


names = st.text(max_size=20)


@given(
    # at least one row: the province is a column of every row, so a table without rows has none
    st.lists(st.tuples(names, names, st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=6),
    st.lists(
        st.tuples(names, names, st.integers(0, 10**6), st.floats(0, 1e9), st.floats(0, 1e9)), max_size=6
    ),
)
def test_any_table_survives_the_round_trip(
    statuses: list[tuple[str, str, int, int]], steps: list[tuple[str, str, int, float, float]]
) -> None:
    table = StatsTable("510000", tuple(StatusRow(*s) for s in statuses), tuple(StepRow(*s) for s in steps))
    assert _table_from_csv(stats_csv(table)) == table


# ---------------------------------------------------------------------------------------- the charts


def test_one_bar_per_status_its_height_proportional_to_the_count() -> None:
    rows = stats_table(STATS).statuses_of("transfer")
    root = _parse(bar_chart_svg("转移登记 · 按状态", rows))

    bars = _rects(root, "bar")
    assert len(bars) == len(rows) == 3
    heights = [float(b.get("height", "0")) for b in bars]
    ratios = {round(h / r.count, 6) for h, r in zip(heights, rows, strict=True)}
    assert len(ratios) == 1
    (per_case,) = ratios
    # the overdue part of each bar with overdue cases, on the same scale
    overdue = _rects(root, "bar-overdue")
    assert [float(o.get("height", "0")) for o in overdue] == pytest.approx(
        [per_case * r.overdue for r in rows if r.overdue]
    )
    assert {"4", "6", "1", "已办结"} <= set(_texts(root))
    # to assistive technology, one image that says the figures
    assert "origin_review 6 (逾期 2)" in root.get("aria-label", "")


def test_labels_name_the_statuses_and_long_ones_are_cut() -> None:
    rows = (StatusRow("transfer", "origin_review", 2, 0), StatusRow("transfer", "x" * 40, 1, 0))
    root = _parse(bar_chart_svg("t", rows, labels={"origin_review": "原籍审核"}))
    texts = _texts(root)

    assert "原籍审核" in texts
    assert any(t.endswith("…") and t.startswith("xxx") for t in texts)
    # the full name stays in the bar's tooltip
    assert any("x" * 40 in "".join(t.itertext()) for t in root.iter(f"{SVG}title"))


def test_step_times_draw_a_median_and_a_p90_bar_per_step() -> None:
    rows = stats_table(STATS).steps_of("transfer")
    root = _parse(step_time_chart_svg("转移登记 · 各环节用时", rows))

    medians = [float(r.get("width", "0")) for r in _rects(root, "median")]
    p90s = [float(r.get("width", "0")) for r in _rects(root, "p90")]
    assert len(medians) == len(p90s) == 2
    assert all(p >= m for m, p in zip(medians, p90s, strict=True))
    assert medians[0] / medians[1] == pytest.approx(330 / 4110, rel=1e-3)
    assert p90s[1] == max(p90s)  # the longest p90 fills the plot
    assert any("5.5min" in t and "9.1min" in t and "n=10" in t for t in _texts(root))


def test_the_chart_words_follow_the_language() -> None:
    root = _parse(step_time_chart_svg("Step times", stats_table(STATS).steps_of("rescue"), text=ENGLISH))
    assert any(t.startswith("median 18min") for t in _texts(root))


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "a & b\x00\x1b"])
def test_hostile_text_is_escaped_never_markup(hostile: str) -> None:
    statuses = (StatusRow(hostile, hostile, 1, 1),)
    steps = (StepRow(hostile, hostile, 1, 10.0, 20.0),)
    for svg in (
        bar_chart_svg(hostile, statuses, labels={hostile: hostile}),
        step_time_chart_svg(hostile, steps),
        bar_chart_svg(hostile, ()),
    ):
        assert "<script" not in svg and "<svg onload" not in svg
        root = _parse(svg)  # parses: the text stayed text
        assert len(list(root.iter(f"{SVG}svg"))) == 1
        title = "".join(root.find(f"{SVG}title").itertext())  # type: ignore[union-attr]
        assert title == hostile.replace("\x00", "\ufffd").replace("\x1b", "\ufffd")


@given(names, names)
def test_any_text_makes_a_well_formed_chart(title: str, status: str) -> None:
    _parse(bar_chart_svg(title, (StatusRow("w", status, 3, 1),), labels={status: status}))
    _parse(step_time_chart_svg(title, (StepRow("w", status, 3, 1.0, 2.0),)))


def test_empty_stats_draw_an_empty_state() -> None:
    table = stats_table({"province": "310000", "workflows": {}})
    for svg in (
        bar_chart_svg("转移登记", table.statuses_of("transfer")),
        step_time_chart_svg("转移登记", table.steps_of("transfer")),
    ):
        root = _parse(svg)
        assert not list(root.iter(f"{SVG}rect"))
        assert "暂无数据" in _texts(root)
        assert root.get("aria-label") == "转移登记: 暂无数据"
    assert "No data" in _texts(_parse(bar_chart_svg("Transfers", (), text=ENGLISH)))


def test_a_workflow_whose_steps_took_no_time_still_draws() -> None:
    root = _parse(step_time_chart_svg("t", (StepRow("w", "s", 1, 0.0, 0.0),)))
    assert [r.get("width") for r in _rects(root, "median")] == ["0"]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0s"), (45, "45s"), (60, "1min"), (330, "5.5min"), (7200, "2h"), (200_000, "2.3d")],
)
def test_durations_read_in_the_largest_fitting_unit(seconds: float, shown: str) -> None:
    assert format_seconds(seconds) == shown
