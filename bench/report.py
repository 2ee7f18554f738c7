"""Writing the results: `latest.json` for machines, `latest.md` for people.

The markdown leads with the ratios, because they are the figures that mean the same on another day or
another machine: each the median of the rounds' ratios, with their range, so a reader sees both the
figure and how much the machine moved it. The absolute figures follow with the CPU each party spent
and the service's peak memory, so a reader can see what limited them.
"""

from __future__ import annotations

import json
import os
import statistics
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


def write_named(directory: Path, stem: str, results: dict[str, Any], markdown: str) -> Path:
    """`<stem>.json` and `<stem>.md` in `directory`, each written atomically: what bench.privacy,
    bench.rebuild and bench.profile write their figures with. Returns the markdown's path."""
    directory.mkdir(parents=True, exist_ok=True)
    _atomic_write(directory / f"{stem}.json", json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    _atomic_write(directory / f"{stem}.md", markdown)
    return directory / f"{stem}.md"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
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


def _cpu_cells(cpu: dict[str, Any], process: str) -> list[str]:
    per_op = cpu.get("cpu_ms_per_op", {})
    used, wall = cpu.get("cpu_s", {}).get(process), cpu.get("wall_s")
    return [
        _fmt(round(used / wall, 2) if used is not None and wall else None),
        _fmt(per_op.get("service")),
        _fmt(per_op.get("bench_process")),
        _fmt(per_op.get("postgres")),
        _fmt(cpu.get("machine_busy_pct"), 0),
        _fmt(cpu.get("other_cores")),
    ]


def _throughput_row(
    label: str, figures: dict[str, Any], count_key: str, rate_key: str, process: str = "service"
) -> str:
    latency = figures["latency"]
    cells = [
        label,
        _fmt(figures[count_key]),
        f"**{_fmt(figures[rate_key], 1)}**",
        _fmt(latency.get("p50_ms")),
        _fmt(latency.get("p95_ms")),
        _fmt(latency.get("p99_ms")),
        _fmt(latency.get("max_ms")),
        _fmt(figures["errors"]),
        *_cpu_cells(figures["cpu"], process),
    ]
    return "| " + " | ".join(cells) + " |"


def _loads(figures: dict[str, Any]) -> str:
    load = figures["load_average_1m"]
    return f"{_fmt(load['start'])} → {_fmt(load['end'])}"


def render_markdown(results: dict[str, Any]) -> str:
    machine, params = results["machine"], results["parameters"]
    projected, bare = results["throughput"]["projected"], results["throughput"]["no_consumers"]
    raw, lags, ratios = results["raw"], results["lag"], results["ratios"]
    rounds = results["rounds"]
    lines = [
        f"# xborder benchmark — {results['date']}",
        "",
        "Measurement only: no figure here is a pass/fail threshold. Compare runs and machines by the ratios;",
        "the absolute figures move with the machine and whatever else it is doing.",
        "",
        "## Machine and run",
        "",
        f"- Machine: {machine['cores']} cores, {machine['cpu_model']}; {machine['platform']}; "
        f"Python {machine['python']}",
        f"- PostgreSQL {machine['postgres']} ({machine['postgres_mode']}, {machine['postgres_location']}), "
        "a fresh database for every phase",
        f"- Load average (1 min) at start / end of the run: {_fmt(machine['load_average_1m']['start'])} / "
        f"{_fmt(machine['load_average_1m']['end'])}",
        "- Service: `xborder serve --port <free port>` in a subprocess, as `make run` starts it — every "
        f"setting at its default (all {params['provinces']} provinces projected in-process, no Kafka, "
        "INFO logging) except DATABASE_URL, JWT_SECRET and DATA_DIR; ready "
        f"{_fmt(projected['service']['startup_s'], 1)} s after exec with "
        f"{projected['service']['workers']} workers (RUN_WORKERS=false: "
        f"{_fmt(bare['service']['startup_s'], 1)} s, {bare['service']['workers']} workers)"
        + _kafka_service(lags),
        "- Load: transfer applications (POST /v1/transfers), each with its own plate, VIN and owner, "
        f"origins and destinations rotating through all {params['provinces']} provinces; tokens minted "
        "before the clock starts",
        f"- Throughput: {rounds['count']} round{'s' if rounds['count'] != 1 else ''}, each the three "
        "setups in turn (31 provinces projected, no consumers, raw library), each setup on a fresh "
        f"database: {_fmt(params['warmup_s'], 0)} s warm-up + {_fmt(params['duration_s'], 0)} s measured "
        "per setup and round",
        f"- Whole run: {_fmt(results['duration_s'], 1)} s",
        "",
        "## Headline",
        "",
        f"The ratios are the {rounds['ratio_basis']}, over {rounds['count']} rounds; the commands/s are "
        "each setup's median round (its full figures are the ones below).",
        "",
        "| figure | value | across rounds (min–max); target |",
        "|---|---:|---|",
        *_rate_headline(results),
        *_ratio_headline(ratios, rounds),
        *_rss_headline(results.get("service_rss")),
        *_lag_headline(lags),
        "",
        f"## Command throughput ({params['clients']} concurrent HTTP clients, closed loop)",
        "",
        f"Each client has its own keep-alive connection (aiohttp, all clients on one event loop), "
        f"posting back to back: "
        f"{_fmt(params['warmup_s'], 0)} s warm-up, then {_fmt(params['duration_s'], 0)} s measured, "
        "in every round; this table is each setup's median round (by its rate), the rounds follow. "
        "CPU is milliseconds per command over the measured window: the service's processes, this process "
        "(the clients; for raw, the library too) and the PostgreSQL backends of the phase's database. "
        "*Other* is the rest of the machine's busy time, in cores: work that was not ours (other "
        "processes, PostgreSQL's background writers) and that the phase had to share the cores with.",
        "",
        "| setup | commands | commands/s | p50 ms | p95 ms | p99 ms | max ms | errors "
        "| service processes, cores | service CPU ms | client CPU ms | PostgreSQL CPU ms | machine busy % "
        "| other, cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        _throughput_row(
            f"31 provinces projected{_round_of(projected)}", projected, "commands", "commands_per_s"
        ),
        _throughput_row(f"no consumers{_round_of(bare)}", bare, "commands", "commands_per_s"),
        _throughput_row(
            f"raw eventsourcing, per aggregate{_round_of(raw)}",
            raw,
            "aggregates",
            "aggregates_per_s",
            "bench_process",
        ),
        "",
        "*Service processes, cores* is the CPU of the processes doing the work (the service: its API "
        "process and the workers' process `xborder serve` starts; for raw, this one) over the window. "
        "One process's Python runs on about one core at a time (the GIL): a figure near 1.0 per process "
        "with the machine not fully busy means the processes, not the machine, set the rate.",
        "",
    ]
    idle = [
        (label, figures["service"].get("idle"))
        for label, figures in (("31 provinces projected", projected), ("no consumers", bare))
    ]
    if all(cores for _, cores in idle):
        lines.append(
            "Idle, before the load (no requests at all), in cores: "
            + "; ".join(
                f"{label}: service {_fmt(i['cores'].get('service'), 3)}, PostgreSQL "
                f"{_fmt(i['cores'].get('postgres'), 3)}"
                for label, i in idle
                if i is not None
            )
            + " — measured once the service's start had settled ("
            + ", ".join(
                f"{label}: after {_fmt(i.get('settled_after_s'))} s" for label, i in idle if i is not None
            )
            + ")."
        )
    catch_up = projected.get("catch_up")
    if catch_up:
        lines.append(
            f"After the load stopped, every province's read model held its latest case after "
            f"{_fmt(catch_up['all_caught_up_s'])} s "
            f"(the first after {_fmt(catch_up['first_caught_up_s'])} s): "
            "the projection backlog the load left."
        )
    lines += _rounds_lines(results)
    lines += [
        f"Load average during: projected {_loads(projected)}, no consumers {_loads(bare)}, "
        f"raw {_loads(raw)}. Service log lines: {_fmt(projected['service']['log_lines'])} / "
        f"{_fmt(bare['service']['log_lines'])}.",
        "",
        "The raw figure is the `eventsourcing` library alone in this process: a two-event aggregate "
        "(like TransferApplied + ArchiveRequested) saved per transaction, configured as xborder "
        "configures it (pool 5 + 5, no database functions), from as many threads. Stored events:",
        "",
        "| phase | table | events | mean payload bytes |",
        "|---|---|---:|---:|",
    ]
    for label, figures in (("31 provinces projected", projected), ("no consumers", bare), ("raw", raw)):
        for table, stats in figures.get("stored_events", {}).items():
            lines.append(
                f"| {label}{_round_of(figures)} | {table} | {_fmt(stats['events'])} "
                f"| {_fmt(stats['mean_state_bytes'], 0)} |"
            )
    lines += _rss_lines(results.get("service_rss"), results["throughput"], lags)
    for key, lag in lags.items():
        share = params.get("lag_fraction_of_capacity") if key.endswith("part_of_capacity") else None
        lines += _lag_lines(lag, capacity_share=share)
    in_process = results.get("in_process")
    if in_process:
        lines += _in_process_lines(in_process)
    notes = results.get("notes") or []
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in notes] if notes else ["- none"]
    return "\n".join(lines) + "\n"


def _ms_or_over(summary: dict[str, Any], key: str, limit_s: float) -> str:
    """A percentile, or "> limit" when that share of the applications never got there."""
    value = summary.get(key)
    if value is None and summary.get("missing"):
        return f"> {limit_s * 1000:,.0f}"
    return _fmt(value, 1)


def _kafka_service(lags: dict[str, Any]) -> str:
    """The service bullet's addition when some lag runs went through Kafka."""
    through = [lag for lag in lags.values() if "broker" in lag]
    if not through:
        return ""
    startups = ", ".join(f"{_fmt(lag['service']['startup_s'], 1)} s" for lag in through)
    return (
        "; through Kafka, the same with KAFKA_BOOTSTRAP_SERVERS set to a Tansu broker started for the run "
        f"(ready {startups} after exec)"
    )


def _through(lag: dict[str, Any]) -> str:
    return " through Kafka" if "broker" in lag else ""


def _lag_headline(lags: dict[str, Any]) -> list[str]:
    lines = []
    for lag in lags.values():
        both, limit = lag["visible_both"], lag["limit_s"]
        rate, through = _fmt(lag["offered_per_s"], 1), _through(lag)
        target = lag.get("p99_target_ms")
        note = f"issue 14's target: p99 ≤ {target:g} ms" if target is not None else ""
        lines += [
            f"| command → visible in both provinces{through} at {rate}/s offered for "
            f"{lag['duration_s']:g} s, p50 / p95 / p99 / max ms | "
            + " / ".join(_ms_or_over(both, k, limit) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))
            + f" | {note} |",
            f"| … rate achieved{through} at {rate}/s offered; visible in both within {limit:g} s | "
            f"{_fmt(lag['achieved_commands_per_s'], 1)}/s; {_fmt(lag['visible_in_both'])} of "
            f"{_fmt(lag['offered'])} | |",
        ]
        admitted = lag.get("admitted_visible_both")
        if lag.get("commands_refused") and admitted is not None:
            lines.append(
                f"| … of those it admitted ({_fmt(lag['commands_refused'])} refused at once, 503: load "
                f"shed), visible in both{through}, p50 / p95 / p99 / max ms | "
                + " / ".join(
                    _ms_or_over(admitted, k, limit) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")
                )
                + " | |"
            )
    return lines


_RATIO_ROWS = (
    ("projected_over_no_consumers", "**31 provinces projected ÷ no consumers**", "issue target ≥ 0.8"),
    ("projected_over_raw", "**xborder (31 provinces) ÷ raw library**", "issue target ≥ 0.7"),
    ("no_consumers_over_raw", "xborder (no consumers) ÷ raw library", ""),
)
_SETUP_ROWS = (
    ("projected", "commands/s, 31 provinces projected ({clients} clients)"),
    ("no_consumers", "commands/s, no consumers (RUN_WORKERS=false)"),
    ("raw", "raw eventsourcing aggregates/s ({clients} threads)"),
)
# Issue 14's memory target for the service, shown beside the measured peak (text, not a verdict).
RSS_TARGET = "target ≤ 300 MB"


def _range(values: list[float | None], digits: int) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "–"
    return f"{_fmt(float(min(present)), digits)}–{_fmt(float(max(present)), digits)}"


def _rate_headline(results: dict[str, Any]) -> list[str]:
    """Each setup's rate in its median round, with the range over the rounds."""
    rounds, clients = results["rounds"], results["parameters"]["clients"]
    chosen = {**results["throughput"], "raw": results["raw"]}
    rows = []
    for setup, label in _SETUP_ROWS:
        figures = chosen[setup]
        rate = figures["aggregates_per_s" if setup == "raw" else "commands_per_s"]
        rows.append(
            f"| {label.format(clients=clients)} | {_fmt(rate, 1)} | "
            f"{_range(rounds['rates_per_s'][setup], 1)} (median: round {figures.get('round', '–')}) |"
        )
    return rows


def _ratio_headline(ratios: dict[str, Any], rounds: dict[str, Any]) -> list[str]:
    """The median ratios, bold where the issue sets a target, with their min–max over the rounds."""
    rows = []
    for key, label, target in _RATIO_ROWS:
        value = _fmt(ratios.get(key), 3)
        if label.startswith("**"):
            value = f"**{value}**"
        spread = _range([r.get(key) for r in rounds["ratios"]], 3)
        note = f"{spread}; {target}" if target else spread
        rows.append(f"| {label}, median of {rounds['count']} rounds | {value} | {note} |")
    return rows


def _rss_headline(rss: dict[str, Any] | None) -> list[str]:
    if not rss or rss.get("peak_sum_mib") is None:
        return []
    return [
        "| peak RSS of xborder serve (sum of its processes) during the throughput and lag phases | "
        f"{_fmt(rss['peak_sum_mib'], 1)} MiB | {RSS_TARGET}; highest in {rss['peak_phase']} |"
    ]


def _round_of(figures: dict[str, Any]) -> str:
    return f" (round {figures['round']})" if "round" in figures else ""


def _rounds_lines(results: dict[str, Any]) -> list[str]:
    """Every round's rates and ratios (the ratios within the round), then the medians: the spread says
    how much the machine moved the figures during the run."""
    rounds = results["rounds"]
    rates, ratios = rounds["rates_per_s"], rounds["ratios"]
    busy, other = rounds["machine_busy_pct"], rounds["other_cores"]
    lines = [
        "",
        f"Rounds, in the order they ran (each round: 31 provinces projected (P), no consumers (N), raw "
        f"(R)); the headline ratios are the {rounds['ratio_basis']}:",
        "",
        "| round | P commands/s | N commands/s | R aggregates/s | P ÷ N | P ÷ R | N ÷ R "
        "| machine busy % (P / N / R) | other, cores (P / N / R) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i in range(rounds["count"]):
        cells = [
            str(i + 1),
            *(_fmt(rates[setup][i], 1) for setup in ("projected", "no_consumers", "raw")),
            *(_fmt(ratios[i].get(key), 3) for key, _, _ in _RATIO_ROWS),
            " / ".join(_fmt(busy[setup][i], 0) for setup in ("projected", "no_consumers", "raw")),
            " / ".join(_fmt(other[setup][i]) for setup in ("projected", "no_consumers", "raw")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    medians = results["ratios"]
    lines += [
        "| **median** | "
        + " | ".join(
            _fmt(statistics.median(rates[setup]), 1) for setup in ("projected", "no_consumers", "raw")
        )
        + " | "
        + " | ".join(f"**{_fmt(medians.get(key), 3)}**" for key, _, _ in _RATIO_ROWS)
        + " | | |",
        "",
    ]
    return lines


def _rss_lines(rss: dict[str, Any] | None, throughput: dict[str, Any], lags: dict[str, Any]) -> list[str]:
    """Every phase's peak resident memory of `xborder serve`, by process role."""
    if not rss or not rss.get("by_phase"):
        return []
    interval = next(
        (f["rss"]["interval_s"] for f in (*throughput.values(), *lags.values()) if "rss" in f), None
    )
    lines = [
        "",
        "## Memory: peak RSS of `xborder serve`",
        "",
        f"Sampled every {_fmt(interval)} s from the service's first ready answer to its stop, in MiB: "
        "*api* is the process `xborder serve` runs as, *workers* its children together (the workers' "
        "process with all 31 provinces' projection consumers), *sum* the largest total of one sample "
        f"(the processes need not peak together). Issue 14's {RSS_TARGET} is for the sum.",
        "",
        "| phase | api | workers | sum |",
        "|---|---:|---:|---:|",
    ]
    for phase, peaks in rss["by_phase"].items():
        lines.append(
            f"| {phase} | {_fmt(peaks.get('api'), 1)} | {_fmt(peaks.get('workers'), 1)} | "
            f"{_fmt(peaks.get('sum'), 1)} |"
        )
    return lines


def _lag_lines(lag: dict[str, Any], *, capacity_share: float | None) -> list[str]:
    rate = _fmt(lag["offered_per_s"], 1)
    why = (
        f" — {capacity_share:g} × the 31-province command throughput above: a light load, so the times "
        "are propagation more than queueing"
        if capacity_share is not None
        else ""
    )
    target = lag.get("p99_target_ms")
    if target is not None:
        why = f" — issue 14's load; its target for visible in both: p99 ≤ {target:g} ms"
    limit = lag["limit_s"]
    lines = [
        "",
        f"## Command → visible in both provinces{_through(lag)} ({rate}/s offered for "
        f"{lag['duration_s']:g} s{why})",
        "",
        *_broker_lines(lag),
        f"Open loop: applications are sent on a fixed schedule ({_fmt(lag['warmup_s'], 0)} s warm-up, then "
        f"{_fmt(lag['duration_s'], 0)} s measured) whatever the service does, each to one of "
        f"{lag['users']} asyncio users with its own connections (one for commands, two for reads), or "
        "queued while all are busy; queued time counts. After each 201 the user reads the case from both "
        "involved provinces at once with `GET /v1/transfers/{id}?min_version=<version>&wait=10` (the "
        "API's read-your-writes wait). Times run from the scheduled send; an application not visible in "
        f"both within {limit:g} s is abandoned and counts as slower than every other (a percentile "
        f"beyond the ones that arrived reads `> {limit * 1000:,.0f}`).",
        "",
        f"Offered {_fmt(lag['offered'])} in the measured window; answered {_fmt(lag['commands_answered'])} "
        f"in {_fmt(lag['answer_span_s'], 1)} s from the first measured send to the last answer "
        f"(**{_fmt(lag['achieved_commands_per_s'], 1)}/s achieved**); visible in both provinces: "
        f"{_fmt(lag['visible_in_both'])}. "
        + (
            f"The service refused {_fmt(lag['commands_refused'])} commands at once (503 "
            "`service.overloaded`, `xborder.api.overload`: load it could not serve in time), which the "
            "users did not retry; a read answered 503 was retried after its Retry-After, as after a 429. "
            if lag.get("commands_refused")
            else ""
        )
        + f"Reads sent: {_fmt(lag['reads_sent'])}; at most "
        f"{_fmt(lag['in_flight_max'])} applications in flight. The client was p99 "
        f"{_fmt(lag['schedule_late'].get('p99_ms'))} ms late on its schedule; applications waited p50 / "
        f"p99 {_fmt(lag['queued_for_user'].get('p50_ms'))} / {_fmt(lag['queued_for_user'].get('p99_ms'))} "
        "ms for a free user (included in the times below).",
        "",
        "| measured until | reached | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, s in (
        ("command answered (201)", lag["command"]),
        ("visible in the origin", lag["visible_origin"]),
        ("visible in the destination", lag["visible_destination"]),
        ("**visible in both**", lag["visible_both"]),
        *(
            [
                ("command answered (201), of those admitted", lag["admitted_command"]),
                ("**visible in both, of those admitted**", lag["admitted_visible_both"]),
            ]
            if lag.get("commands_refused")
            else []
        ),
    ):
        cells = [_ms_or_over(s, k, limit) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
        lines.append(f"| {label} | {_fmt(s.get('n'))} | " + " | ".join(cells) + " |")
    cpu = lag["cpu"]
    per_op = cpu.get("cpu_ms_per_op", {})
    broker = ""
    if "broker" in lag:
        broker = (
            f", broker {_fmt(per_op.get('broker'))} ms"
            if "broker" in cpu.get("cpu_s", {})
            else " (the broker's process was not found: its CPU is in the other work)"
        )
    lines += [
        "",
        f"While the schedule ran the machine was {_fmt(cpu.get('machine_busy_pct'), 0)} % busy; CPU per "
        f"offered application (with its reads): service {_fmt(per_op.get('service'))} ms, client "
        f"{_fmt(per_op.get('bench_process'))} ms, PostgreSQL {_fmt(per_op.get('postgres'))} ms{broker}; "
        f"other work {_fmt(cpu.get('other_cores'))} cores. Load average {_loads(lag)}."
        + _rss_sentence(lag.get("rss")),
    ]
    return lines


def _rss_sentence(rss: dict[str, Any] | None) -> str:
    if not rss:
        return ""
    peak = rss["peak_mib"]
    return (
        f" Peak RSS of xborder serve: api {_fmt(peak['api'], 1)} MiB, workers {_fmt(peak['workers'], 1)} "
        f"MiB, sum {_fmt(peak['sum'], 1)} MiB."
    )


def _broker_lines(lag: dict[str, Any]) -> list[str]:
    """What the runs through Kafka went through: the broker, and the path an event takes."""
    broker = lag.get("broker")
    if broker is None:
        return []
    version = f" ({broker['version']})" if broker.get("version") else ""
    cpu = (
        "its CPU is metered by pid and shown apart below"
        if "broker" in lag["cpu"].get("cpu_s", {})
        else "its CPU was not metered and counts as *other* work"
    )
    return [
        f"Through Kafka: a {broker['kind']} Kafka-protocol broker{version} started for this run — one "
        f"broker, {broker['storage']} storage, on the same machine and cores as everything else; {cpu}. "
        "`xborder serve` as above with only KAFKA_BOOTSTRAP_SERVERS added: the relay (in the workers' "
        "process) publishes each stored event to the delivery topic of every province it involves "
        "(`xborder.province.<code>.v1`), and each province's projection consumer reads its own topic "
        "into its read model and announces what it applied through PostgreSQL, which wakes the waiting "
        "reads as in embedded mode.",
        "",
    ]


def _in_process_lines(figures: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Secondary: in process, one client",
        "",
        f"No network and no concurrency, provinces {', '.join(figures['provinces'])} only: the layers "
        "one at a time, to see where a command's time goes.",
        "",
        "Commands through the Application (no HTTP); each loads the aggregate from its events and saves "
        "the new ones in one transaction:",
        "",
        "| command | n | ops/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, summary in figures["per_command"].items():
        lines.append(_latency_row(name, summary))
    total = figures["total"]
    http = figures["http"]
    lines += [
        "",
        f"All commands: {_fmt(total['commands'])} in {_fmt(total['wall_s'])} s = "
        f"{_fmt(total['ops_per_s'], 1)} commands/s, {_fmt(total['events'])} events stored.",
        "",
        "HTTP through FastAPI's TestClient (in process, no sockets):",
        "",
        "| request | n | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        _latency_row("POST /v1/transfers", http["post_transfers"]),
        _latency_row("GET /v1/transfers/{id}", http["get_transfer"]),
        "",
        "Projections, each province's consumer stepped synchronously from an empty read model over the "
        "notification log until it holds every case's version:",
        "",
        "| province | cases | events applied | notifications read | seconds | events/s | notifications/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    projection = figures["projection"]
    for code, p in projection["provinces"].items():
        lines.append(
            f"| {code} | {_fmt(p['cases'])} | {_fmt(p['events_applied'])} "
            f"| {_fmt(p['notifications_read'])} | {_fmt(p['seconds'], 3)} | {_fmt(p['events_per_s'], 1)} "
            f"| {_fmt(p['notifications_per_s'], 1)} |"
        )
    return lines
