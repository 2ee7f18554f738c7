"""The statistics page's table, CSV and charts, made from the `/v1/stats` response and nothing else.

The page shows what the API computes (`ProvinceReadModels.stats`): a second path to the figures could
disagree with the API. Everything here is a pure function of that response, so the page, its CSV download
and the tests see the same table. Charts are SVG drawn on the server: no chart library, nothing loaded
from elsewhere, and text that is escaped, so a label can never become markup.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CSV_COLUMNS = (
    "province",
    "workflow",
    "section",
    "name",
    "count",
    "overdue",
    "n",
    "median_seconds",
    "p90_seconds",
)


@dataclass(frozen=True, slots=True)
class StatusRow:
    """How many of a workflow's cases are in a status, and how many of those have an overdue deadline."""

    workflow: str
    status: str
    count: int
    overdue: int


@dataclass(frozen=True, slots=True)
class StepRow:
    """Seconds from a case's opening to a step: how many steps were timed, their median and p90."""

    workflow: str
    step: str
    n: int
    median: float
    p90: float


@dataclass(frozen=True, slots=True)
class StatsTable:
    """A province's figures as rows, in a stable order: workflows and statuses by name, a workflow's
    steps by median time (the order a case usually reaches them)."""

    province: str
    statuses: tuple[StatusRow, ...]
    steps: tuple[StepRow, ...]

    def workflows(self) -> tuple[str, ...]:
        """Every workflow with a row, by name: the page draws a pair of charts for each."""
        return tuple(sorted({r.workflow for r in self.statuses} | {r.workflow for r in self.steps}))

    def statuses_of(self, workflow: str) -> tuple[StatusRow, ...]:
        return tuple(r for r in self.statuses if r.workflow == workflow)

    def steps_of(self, workflow: str) -> tuple[StepRow, ...]:
        return tuple(r for r in self.steps if r.workflow == workflow)


@dataclass(frozen=True, slots=True)
class ChartText:
    """The words a chart draws itself, so the page's language switch reaches into the SVG too."""

    empty: str = "暂无数据"
    count: str = "件数"
    overdue: str = "逾期"
    median: str = "中位数"
    p90: str = "P90"


CHINESE = ChartText()
ENGLISH = ChartText(empty="No data", count="cases", overdue="overdue", median="median", p90="p90")


def stats_table(stats_json: Mapping[str, Any]) -> StatsTable:
    """The table of a `/v1/stats` response (`{"province": ..., "workflows": {kind: figures}}`)."""
    workflows: Mapping[str, Any] = stats_json.get("workflows") or {}
    statuses: list[StatusRow] = []
    steps: list[StepRow] = []
    for kind in sorted(workflows):
        figures = workflows[kind]
        overdue: Mapping[str, Any] = figures.get("overdue_counts") or {}
        counts: Mapping[str, Any] = figures.get("counts") or {}
        statuses += [
            StatusRow(kind, status, int(counts[status]), int(overdue.get(status, 0)))
            for status in sorted(counts)
        ]
        timed: Mapping[str, Any] = figures.get("seconds_to") or {}
        rows = [
            StepRow(kind, step, int(t["n"]), float(t["median"]), float(t["p90"])) for step, t in timed.items()
        ]
        steps += sorted(rows, key=lambda r: (r.median, r.step))
    return StatsTable(str(stats_json.get("province") or ""), tuple(statuses), tuple(steps))


def stats_csv(table: StatsTable) -> str:
    """The table as RFC 4180 CSV (CRLF, quoted where needed), one header and one row per status or step;
    `section` says which ("status" rows fill count and overdue, "step" rows n, median and p90).

    Returned as text: the download encodes it, as UTF-8 with a byte-order mark if spreadsheets that
    otherwise guess the encoding are to show the Chinese names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in table.statuses:
        writer.writerow([table.province, s.workflow, "status", s.status, s.count, s.overdue, "", "", ""])
    for t in table.steps:
        writer.writerow([table.province, t.workflow, "step", t.step, "", "", t.n, t.median, t.p90])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- charts

_FONT = 12
_INK, _AXIS, _BAR, _OVERDUE, _P90 = "#1a202c", "#a0aec0", "#2b6cb0", "#c53030", "#90cdf4"
# Characters XML 1.0 forbids even when escaped; a label carrying one would make the whole SVG unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def bar_chart_svg(
    title: str,
    rows: Sequence[StatusRow],
    *,
    labels: Mapping[str, str] | None = None,
    text: ChartText = CHINESE,
) -> str:
    """One vertical bar per status, its height proportional to the count, the overdue part of it drawn
    in red at its foot: the page's answer to "where are the cases, and which are late"."""
    if not rows:
        return _empty_svg(title, text)
    names = labels or {}
    slot, margin, top, plot_h = 76.0, 16.0, 44.0, 150.0
    width = max(360.0, margin * 2 + slot * len(rows))
    left = (width - slot * len(rows)) / 2  # the bars centred under the title
    base = top + plot_h
    height = base + 44
    peak = max(r.count for r in rows)
    summary = "; ".join(
        f"{names.get(r.status, r.status)} {r.count}" + (f" ({text.overdue} {r.overdue})" if r.overdue else "")
        for r in rows
    )
    parts = [_open_svg(width, height, title, summary), _heading(title, width)]
    parts.append(_legend(width, [(_BAR, text.count), (_OVERDUE, text.overdue)]))
    for i, r in enumerate(rows):
        label = names.get(r.status, r.status)
        x = left + i * slot + 8
        bar_w = slot - 16
        h = _length(r.count, peak, plot_h)
        late = _length(min(r.overdue, r.count), peak, plot_h)
        parts.append(f"<g><title>{_esc(f'{label}: {r.count}, {text.overdue} {r.overdue}')}</title>")
        parts.append(_rect("bar", x, base - h, bar_w, h, _BAR))
        if r.overdue:
            parts.append(_rect("bar-overdue", x, base - late, bar_w, late, _OVERDUE))
        parts.append(_text(x + bar_w / 2, base - h - 4, str(r.count), anchor="middle"))
        parts.append(_text(x + bar_w / 2, base + 16, _fit(label, slot - 4), anchor="middle"))
        parts.append("</g>")
    parts.append(_line(margin, base, width - margin, base))
    parts.append("</svg>")
    return "".join(parts)


def step_time_chart_svg(
    title: str,
    rows: Sequence[StepRow],
    *,
    labels: Mapping[str, str] | None = None,
    text: ChartText = CHINESE,
) -> str:
    """One horizontal row per step: a light bar to the p90, a dark one to the median, both on one scale.
    Horizontal, because step names are long; both figures, because a median alone hides the slow tenth."""
    if not rows:
        return _empty_svg(title, text)
    names = labels or {}
    shown = [(r, names.get(r.step, r.step)) for r in rows]
    figures = [
        f"{text.median} {format_seconds(r.median)} · {text.p90} {format_seconds(r.p90)} · n={r.n}"
        for r in rows
    ]
    label_w = min(220.0, max(80.0, max(_width(label) for _, label in shown) + 12))
    row_h, top, plot_w = 28.0, 44.0, 300.0
    width = label_w + plot_w + max(_width(f) for f in figures) + 16
    height = top + row_h * len(rows) + 12
    peak = max(max(r.p90, r.median) for r in rows)
    summary = "; ".join(f"{label}: {f}" for (_, label), f in zip(shown, figures, strict=True))
    parts = [_open_svg(width, height, title, summary), _heading(title, width)]
    parts.append(_legend(width, [(_BAR, text.median), (_P90, text.p90)]))
    for i, ((r, label), f) in enumerate(zip(shown, figures, strict=True)):
        y = top + i * row_h
        parts.append(f"<g><title>{_esc(f'{label}: {f}')}</title>")
        parts.append(_text(label_w - 8, y + 17, _fit(label, label_w - 12), anchor="end"))
        parts.append(_rect("p90", label_w, y + 4, _length(r.p90, peak, plot_w), row_h - 8, _P90))
        parts.append(_rect("median", label_w, y + 9, _length(r.median, peak, plot_w), row_h - 18, _BAR))
        parts.append(_text(label_w + plot_w + 8, y + 17, f))
        parts.append("</g>")
    parts.append(_line(label_w, top, label_w, height - 12))
    parts.append("</svg>")
    return "".join(parts)


def format_seconds(seconds: float) -> str:
    """A duration in the largest unit that keeps it readable (45s, 5.5min, 2.3h, 1.5d)."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.1f}".removesuffix(".0") + unit
    return f"{seconds:.0f}s"


def _length(value: float, peak: float, full: float) -> float:
    """A bar's length on a linear scale whose `peak` fills `full`: at least a pixel for any value above
    zero, so that a small figure beside a large one still shows as a bar."""
    if value <= 0 or peak <= 0:
        return 0.0
    return max(1.0, full * value / peak)


def _esc(value: str) -> str:
    return html.escape(_NOT_XML.sub("\ufffd", value), quote=True)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _width(label: str) -> float:
    """Roughly how wide a label draws: a CJK character about a font size, a Latin one about half that."""
    return sum(_FONT if ord(c) >= 0x2E80 else _FONT * 0.6 for c in label)


def _fit(label: str, room: float) -> str:
    """The label, cut with an ellipsis to fit; the full label stays in the row's <title> tooltip."""
    if _width(label) <= room:
        return label
    while label and _width(label + "…") > room:
        label = label[:-1]
    return label + "…"


def _open_svg(width: float, height: float, title: str, summary: str) -> str:
    """The root: sized by its viewBox alone so it scales to its container; to assistive technology one
    image, labelled with its title and its figures as text (the bars themselves say nothing to it)."""
    label = f"{title}: {summary}" if title else summary
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" class="chart"'
        f' role="img" aria-label="{_esc(label)}" font-family="sans-serif" font-size="{_FONT}">'
        f"<title>{_esc(title)}</title><desc>{_esc(summary)}</desc>"
    )


def _empty_svg(title: str, text: ChartText) -> str:
    width, height = 360.0, 120.0
    return (
        _open_svg(width, height, title, text.empty)
        + _heading(title, width)
        + _text(width / 2, 72, text.empty, anchor="middle", css="empty")
        + "</svg>"
    )


def _heading(title: str, width: float) -> str:
    """The title drawn at the top left, cut short of the legend at the right."""
    return _text(16, 22, _fit(title, width - 200), css="chart-title", weight="bold")


def _legend(width: float, keys: Sequence[tuple[str, str]]) -> str:
    parts, x = [], width - 16
    for colour, name in reversed(keys):
        x -= _width(name)
        parts.append(_text(x, 22, name))
        x -= 16
        parts.append(_rect("key", x, 13, 10, 10, colour))
        x -= 12
    return "".join(parts)


def _rect(css: str, x: float, y: float, w: float, h: float, fill: str) -> str:
    return (
        f'<rect class="{css}" x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}"'
        f' fill="{fill}"/>'
    )


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{_AXIS}"/>'


def _text(
    x: float, y: float, value: str, *, anchor: str = "start", css: str = "label", weight: str = "normal"
) -> str:
    return (
        f'<text class="{css}" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-weight="{weight}"'
        f' fill="{_INK}">{_esc(value)}</text>'
    )
