"""Writing the results: `latest.json` for machines, `latest.md` for people."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_results(results: dict[str, Any], directory: Path) -> tuple[Path, Path, str]:
    """Write both files atomically (temp file + rename); return their paths and the markdown."""
    directory.mkdir(parents=True, exist_ok=True)
    markdown = render_markdown(results)
    json_path = directory / "latest.json"
    md_path = directory / "latest.md"
    _atomic_write(json_path, json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    _atomic_write(md_path, markdown)
    return json_path, md_path, markdown


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _latency_row(label: str, summary: dict[str, Any], rate_key: str = "ops_per_s") -> str:
    cells = [
        label,
        _fmt(summary.get("n")),
        _fmt(summary.get(rate_key), 1),
        _fmt(summary.get("p50_ms")),
        _fmt(summary.get("p95_ms")),
        _fmt(summary.get("p99_ms")),
        _fmt(summary.get("max_ms")),
        _fmt(summary.get("errors", 0)),
    ]
    return "| " + " | ".join(cells) + " |"


def render_markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    params = results["parameters"]
    lines = [
        f"# xborder benchmark — {results['date']}",
        "",
        "Measurement only: no figure here is a pass/fail threshold.",
        "",
        "## Machine and run",
        "",
        f"- Machine: {machine['cores']} cores, {machine['platform']}",
        f"- Python: {machine['python']}",
        f"- Load average (1 min) at start / end: {_fmt(machine['load_average_1m']['start'])} / "
        f"{_fmt(machine['load_average_1m']['end'])} (other work on the machine skews every figure)",
        f"- PostgreSQL: {machine['postgres']} ({machine['mode']}, {machine['postgres_location']})",
        f"- Provinces projected: {', '.join(params['provinces'])}; origin 510000 (川A plates), "
        "destinations alternate 500000 and 310000",
        f"- Cases: {params['cases']} measured + {params['warmup_cases']} warm-up; "
        f"HTTP requests: {params['http_requests']} of each kind; lag commands: {params['lag_commands']}",
        f"- Whole run: {_fmt(results['duration_s'], 1)} s; peak RSS: {_fmt(results['peak_rss_mib'], 1)} MiB",
        "",
        "## Commands through the Application (no HTTP)",
        "",
        "Sequential, one thread; each command loads the aggregate from its events and saves the new ones in "
        "one transaction.",
        "",
        "| command | n | ops/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, summary in results["commands"]["per_command"].items():
        lines.append(_latency_row(name, summary))
    total = results["commands"]["total"]
    lines += [
        "",
        f"All commands: {_fmt(total['commands'])} in {_fmt(total['wall_s'])} s = "
        f"{_fmt(total['ops_per_s'], 1)} commands/s, {_fmt(total['events'])} events stored.",
        "",
        "## HTTP (FastAPI TestClient, in process, no network)",
        "",
        "| request | n | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        _latency_row("POST /v1/transfers", results["http"]["post_transfers"]),
        _latency_row("GET /v1/transfers/{id}", results["http"]["get_transfer"]),
        "",
        "## Projection throughput",
        "",
        "Notification-log feed (embedded mode, no Kafka); each province's worker stepped synchronously, "
        "one province at a time, from an empty read model until it holds every case's current version. "
        "Every worker reads the whole log and applies the events of its own cases.",
        "",
        "| province | cases | events applied | notifications read | steps | seconds | events/s | "
        "notifications/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    projection = results["projection"]
    for code, p in projection["provinces"].items():
        lines.append(
            f"| {code} | {_fmt(p['cases'])} | {_fmt(p['events_applied'])} | {_fmt(p['notifications_read'])} "
            f"| {_fmt(p['steps'])} | {_fmt(p['seconds'], 3)} | {_fmt(p['events_per_s'], 1)} "
            f"| {_fmt(p['notifications_per_s'], 1)} |"
        )
    t = projection["total"]
    lines += [
        f"| **total** | | {_fmt(t['events_applied'])} | | | {_fmt(t['seconds'], 3)} "
        f"| {_fmt(t['events_per_s'], 1)} | |",
        "",
        "## End-to-end lag",
        "",
        "Command saved → the new version visible in the read model, projection workers running on threads "
        "(`container.start_workers(['projection'])`), one command at a time "
        "(apply → release → verify → inspect → register per case).",
        "",
        "| measured until | n | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, key in (
        ("visible in every involved province", "all_provinces"),
        ("first province", "first_province"),
    ):
        s = results["lag"][key]
        lines.append(
            f"| {label} | {_fmt(s.get('n'))} | {_fmt(s.get('p50_ms'))} | {_fmt(s.get('p95_ms'))} "
            f"| {_fmt(s.get('p99_ms'))} | {_fmt(s.get('max_ms'))} | {_fmt(s.get('errors', 0))} |"
        )
    notes = results.get("notes") or []
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in notes] if notes else ["- none"]
    return "\n".join(lines) + "\n"
