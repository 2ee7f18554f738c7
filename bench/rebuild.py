"""How fast a province's read model is rebuilt from zero (`python -m bench.rebuild`), against a raw COPY.

What it does, on a fresh database (DATABASE_URL's server, or an embedded one):

1. Fills the event store with about `--events` events. The events are made by the workflows' own
   Applications first: `xborder demo`'s seeding (`--seed-cases` cases of all four workflows — transfer,
   objection, hit-and-run, rescue — each case of 2+ provinces, hit-and-run targets joining late so that
   catch-up replays exist), with the service's default settings (personal data sealed). Driving the
   Applications runs at a few hundred events/s here, so the rest is cloned in SQL: each clone gets new
   case ids and another set of provinces (every province code that is a whole JSON string or key is
   mapped, so the 8 provinces the demo uses become 8 others; across the clones all 31 are involved), and
   the clones are interleaved in notification order with the original, as a nation's traffic would be.
   The routes (`xborder_routes`) are cloned with them, mapped the same way, so each province's routed
   share of the logs is what the recorder would have written for such events.
2. Rebuilds each province from zero, one after another, each in a subprocess of its own that runs what
   `xborder projections rebuild --province <code>` runs (`rebuild_province`, with the container's dead
   letters), timed around that call — twice, in alternating order: as the command does it (its bulk
   shared among forked processes, one per core: `xborder.projections.rebuild_shares`) and in one
   process, so that the gain of sharing is a ratio measured in the same run. The subprocess reports its
   own peak RSS and its shares' (`ru_maxrss`); this process also samples its resident set (/proc).
3. Copies the same number of rows with COPY: the events tables' rows out (COPY TO STDOUT) and into a
   fresh table of the same shape (COPY FROM STDIN), in the same run: the floor for moving those rows.

Results go to bench/results/rebuild.{json,md}. Nothing here is a pass/fail threshold; the issue's target
(≥ 10,000 events/s per province) is printed beside the figure.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from psycopg import sql

from bench.database import BenchServer, bench_server, connect, stored_events
from bench.machine import load_average, machine_info, rss_bytes
from bench.report import write_named
from bench.run import JWT_SECRET, RESULTS_DIR

TARGET_EVENTS_PER_S = 10_000
DEFAULT_EVENTS = 200_000
DEFAULT_SEED_CASES = 1000
_RSS_SAMPLE_S = 0.02


@dataclass(frozen=True, slots=True)
class Store:
    """What the filled event store holds: events and routes by application, and how it was made."""

    events: dict[str, int]
    routes: dict[str, int]
    seeded_events: int
    clones: int
    seed_seconds: float
    clone_seconds: float
    late_joins: int  # events that bring provinces into a case late (each replays the case to them)

    @property
    def total_events(self) -> int:
        return sum(self.events.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild", description=__doc__)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="events in the store (about)")
    parser.add_argument(
        "--seed-cases", type=int, default=DEFAULT_SEED_CASES, help="cases made through the Applications"
    )
    parser.add_argument("--provinces", default="", help="comma-separated codes to rebuild (default: all 31)")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or None, help="PostgreSQL server to use"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR)
    parser.add_argument("--worker", metavar="PROVINCE", help=argparse.SUPPRESS)  # the subprocess's role
    parser.add_argument("--processes", type=int, help=argparse.SUPPRESS)  # the worker's
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args.database_url, args.worker, args.output, args.processes)
    return _bench(args)


def _bench(args: argparse.Namespace) -> int:
    from xborder.domain.provinces import PROVINCES

    started = time.perf_counter()
    machine: dict[str, Any] = {**machine_info(), "load_average_1m": {"start": load_average()}}
    provinces = [p for p in args.provinces.split(",") if p] or [p.code for p in PROVINCES]
    with bench_server(args.database_url) as server, server.fresh_database() as db:
        machine |= {"postgres": server.server_version, "postgres_mode": server.mode}
        print(f"bench.rebuild: filling the event store with about {args.events:,} events", flush=True)
        store = _fill(db.url, server.scratch, events=args.events, seed_cases=args.seed_cases)
        print(
            f"bench.rebuild:   {store.total_events:,} events ({store.seeded_events:,} made by the "
            f"Applications in {store.seed_seconds:.0f} s, {store.clones} copies in "
            f"{store.clone_seconds:.0f} s)",
            flush=True,
        )
        rebuilds, alone = [], []
        for n, code in enumerate(provinces):
            # Each province twice: as `xborder projections rebuild` does it (its bulk shared among the
            # processes `rebuild_processes()` gives) and in one process, in alternating order, so that
            # their ratio holds on a machine whose speed drifts.
            order = [None, 1] if n % 2 == 0 else [1, None]
            for processes in order:
                figures = _rebuild_in_subprocess(db.url, code, server, processes)
                (rebuilds if processes is None else alone).append(figures)
                print(
                    f"bench.rebuild:   {code}: {figures['events_read']:,} events in {figures['seconds']} s "
                    f"({figures['processes']} process(es)), {figures['events_per_s']:,} events/s, "
                    f"peak RSS {figures['peak_rss_mib']} MiB",
                    flush=True,
                )
        parked = _parked(db.url)
        copy = _raw_copy(db.url)
        print(
            f"bench.rebuild:   COPY {copy['rows']:,} rows out and in: {copy['rows_per_s']:,} rows/s",
            flush=True,
        )
        tables = stored_events(db.url)
    machine["load_average_1m"]["end"] = load_average()
    results = {
        "schema": "xborder.bench.rebuild/1",
        "date": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "machine": machine,
        "versions": _versions(),
        "settings": _settings(),
        "parameters": {
            "events": args.events,
            "seed_cases": args.seed_cases,
            "provinces": provinces,
            "database": server.location,
        },
        "store": {
            "events": store.events,
            "total_events": store.total_events,
            "routes": store.routes,
            "seeded_events": store.seeded_events,
            "clones": store.clones,
            "late_joins": store.late_joins,
            "seed_seconds": store.seed_seconds,
            "clone_seconds": store.clone_seconds,
            "tables": tables,
        },
        "rebuilds": rebuilds,
        "rebuilds_in_one_process": alone,
        "dead_letters_parked": parked,
        "copy": copy,
        "summary": _summary(rebuilds, copy),
        "summary_in_one_process": _summary(alone, copy),
        "target_events_per_s_per_province": TARGET_EVENTS_PER_S,
        "duration_s": round(time.perf_counter() - started, 1),
    }
    markdown = _markdown(results)
    write_named(args.output, "rebuild", results, markdown)
    print(markdown)
    return 0


# ------------------------------------------------------------------------------------- filling
def _settings_for(database_url: str, data_dir: Path) -> Any:
    """The service's default settings on this database (sealing on), without workers."""
    from pydantic import SecretStr

    from xborder.infra.settings import Settings

    return Settings(
        database_url=database_url,
        kafka_bootstrap_servers=None,
        jwt_secret=SecretStr(JWT_SECRET),
        data_dir=data_dir,
        run_workers=False,
    )


def _fill(database_url: str, scratch: Path, *, events: int, seed_cases: int) -> Store:
    """Seed through the Applications, then clone (see the module docstring) up to about `events`."""
    from xborder.bootstrap import bootstrap
    from xborder.demo import seed_demo
    from xborder.domain.provinces import PROVINCES

    container = bootstrap(_settings_for(database_url, scratch / "seed"))
    try:
        began = time.perf_counter()
        seed_demo(container, cases=seed_cases)
        seed_seconds = time.perf_counter() - began
        tables = {
            source.application.name: _events_table(source.application) for source in container.log_sources()
        }
    finally:
        container.close()
    seeded = _counts(database_url, tables)
    clones = max(1, math.ceil(events / max(1, sum(seeded.values()))))
    began = time.perf_counter()
    with connect(database_url) as conn, conn.transaction():
        maps = _province_maps(_routed_provinces(conn), [p.code for p in PROVINCES], clones)
        for application, table in tables.items():
            _clone(conn, application, table, maps)
        late = 0
        for table in tables.values():
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*) FROM {} WHERE originator_version > 1"
                    " AND convert_from(state, 'UTF8') NOT LIKE '%%\"joined\":[]%%'"
                ).format(table)
            ).fetchone()
            late += int(row[0]) if row else 0
    clone_seconds = time.perf_counter() - began
    with connect(database_url) as conn:
        conn.execute("VACUUM ANALYZE")
        routes = {
            str(r[0]): int(r[1])
            for r in conn.execute("SELECT application, count(*) FROM xborder_routes GROUP BY 1 ORDER BY 1")
        }
    return Store(
        events=_counts(database_url, tables),
        routes=routes,
        seeded_events=sum(seeded.values()),
        clones=clones,
        seed_seconds=round(seed_seconds, 1),
        clone_seconds=round(clone_seconds, 1),
        late_joins=late,
    )


def _events_table(app: Any) -> sql.Composed:
    return sql.SQL("{}.{}").format(
        sql.Identifier(app.recorder.datastore.schema), sql.Identifier(app.recorder.events_table_name)
    )


def _counts(database_url: str, tables: dict[str, sql.Composed]) -> dict[str, int]:
    with connect(database_url) as conn:
        counts = {}
        for application, table in tables.items():
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
            counts[application] = int(row[0]) if row else 0
        return counts


def _routed_provinces(conn: Any) -> list[str]:
    """The provinces the seeded events are routed to (the demo's)."""
    from xborder.infra.postgres.recorder import ROUTES_TABLE

    query = sql.SQL("SELECT DISTINCT province FROM {} ORDER BY 1").format(sql.Identifier(ROUTES_TABLE))
    return [str(r[0]) for r in conn.execute(query)]


def _clone(conn: Any, application: str, table: sql.Composed, maps: Sequence[dict[str, str]]) -> None:
    """Replace one application's log by `copies` interleaved copies of it (copy 0: the original).

    Notification n of the original becomes (n - 1) * copies + k + 1 in copy k, so every case keeps its
    order and the copies' cases alternate, as a nation's would. Copy k > 0 gets new case ids (md5 of the
    old id and k) and its own provinces: the demo's codes, as whole JSON strings or keys, mapped by
    `_province_maps`. Routes are rewritten the same way, so each copy is routed as its events say."""
    from xborder.infra.postgres.recorder import ROUTES_TABLE

    used, copies = list(maps[0]), len(maps)
    conn.execute("DROP TABLE IF EXISTS bench_maps, bench_base, bench_routes")
    conn.execute("CREATE TEMP TABLE bench_maps (k int, source text, target text)")
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO bench_maps VALUES (%s, %s, %s)",
            [(k, s, t) for k, mapping in enumerate(maps) for s, t in mapping.items()],
        )
    conn.execute(sql.SQL("CREATE TEMP TABLE bench_base AS SELECT * FROM {}").format(table))
    conn.execute(
        sql.SQL("CREATE TEMP TABLE bench_routes AS SELECT * FROM {} WHERE application = %s").format(
            sql.Identifier(ROUTES_TABLE)
        ),
        (application,),
    )
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE application = %s").format(sql.Identifier(ROUTES_TABLE)), (application,)
    )
    conn.execute(sql.SQL("TRUNCATE {}").format(table))
    # The state with the demo's provinces turned into placeholders, then each placeholder into copy k's.
    state: sql.Composable = sql.SQL("convert_from(b.state, 'UTF8')")
    for n, code in enumerate(used):
        state = sql.SQL("replace({}, {}, {})").format(
            state, sql.Literal(f'"{code}"'), sql.Literal(f'"@{n}@"')
        )
    for n, code in enumerate(used):
        target = sql.SQL(
            "(SELECT '\"' || target || '\"' FROM bench_maps m WHERE m.k = c.k AND m.source = {})"
        ).format(sql.Literal(code))
        state = sql.SQL("replace({}, {}, {})").format(state, sql.Literal(f'"@{n}@"'), target)
    conn.execute(
        sql.SQL(
            "INSERT INTO {table} (notification_id, originator_id, originator_version, topic, state)"
            " SELECT (b.notification_id - 1) * {copies} + c.k + 1,"
            " CASE WHEN c.k = 0 THEN b.originator_id"
            " ELSE md5(b.originator_id::text || ':' || c.k)::uuid END, b.originator_version, b.topic,"
            " CASE WHEN c.k = 0 THEN b.state ELSE convert_to({state}, 'UTF8') END"
            " FROM bench_base b CROSS JOIN generate_series(0, {last}) AS c(k) ORDER BY 1"
        ).format(table=table, copies=sql.Literal(copies), last=sql.Literal(copies - 1), state=state)
    )
    conn.execute(
        sql.SQL(
            "INSERT INTO {routes} (province, application, notification_id)"
            " SELECT m.target, r.application, (r.notification_id - 1) * {copies} + m.k + 1"
            " FROM bench_routes r JOIN bench_maps m ON m.source = r.province"
        ).format(routes=sql.Identifier(ROUTES_TABLE), copies=sql.Literal(copies))
    )
    conn.execute(
        sql.SQL(
            "SELECT setval(pg_get_serial_sequence({}, 'notification_id'),"
            " (SELECT max(notification_id) FROM {}))"
        ).format(sql.Literal(table.as_string(None)), table)
    )


def _province_maps(used: Sequence[str], codes: Sequence[str], copies: int) -> list[dict[str, str]]:
    """For each copy, an injective map of the provinces used to province codes: copy 0 the identity,
    copy k the next `len(used)` codes along the list of 31 from where copy k - 1 stopped, so that all
    31 are involved and each province appears in about as many copies as any other."""
    maps = [{code: code for code in used}]
    for k in range(1, copies):
        start = (k - 1) * len(used)
        maps.append({code: codes[(start + n) % len(codes)] for n, code in enumerate(used)})
    return maps


# ------------------------------------------------------------------------------------- rebuilding
def _rebuild_in_subprocess(
    database_url: str, province: str, server: BenchServer, processes: int | None
) -> dict[str, Any]:
    """One province rebuilt by a subprocess of this module (`--worker`), its RSS sampled meanwhile;
    `processes`: how many share its bulk (None: as many as `rebuild_province` chooses)."""
    scratch = server.scratch / f"rebuild-{province}"
    scratch.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "bench.rebuild", "--worker", province, "--database-url", database_url]
    command += ["--output", str(scratch)]
    if processes is not None:
        command += ["--processes", str(processes)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    sampled = 0
    while True:
        sampled = max(sampled, rss_bytes(process.pid) or 0)
        try:
            process.wait(timeout=_RSS_SAMPLE_S)
            break
        except subprocess.TimeoutExpired:
            continue
    out = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise RuntimeError(f"rebuilding {province} failed (exit {process.returncode})")
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    figures["sampled_rss_mib"] = round(sampled / 2**20, 1)
    return figures


def _worker(database_url: str | None, province: str, scratch: Path, processes: int | None) -> int:
    """The subprocess: what `xborder projections rebuild --province <code>` does, timed around
    `rebuild_province`; one JSON line on stdout. CPU seconds count the shares' too."""
    from xborder.bootstrap import bootstrap
    from xborder.projections.rebuild import rebuild_province

    assert database_url
    container = bootstrap(_settings_for(database_url, scratch))
    try:
        began = time.perf_counter()
        cpu = _cpu_seconds()
        result = rebuild_province(
            container.readmodels,
            container.log_sources(),
            province,
            dead_letters=container.dead_letters,
            processes=processes,
        )
        seconds = time.perf_counter() - began
        cpu_seconds = _cpu_seconds() - cpu
    finally:
        container.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    shares_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {
        "province": province,
        "events_read": result.events_read,
        "applied": result.applied,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "events_per_s": round(result.events_read / seconds) if seconds else None,
        "applied_per_s": round(result.applied / seconds) if seconds else None,
        "peak_rss_mib": round(peak, 1),
        "processes": result.processes,
        "share_peak_rss_mib": round(shares_peak, 1) if result.processes > 1 else None,
    }
    print(json.dumps(figures), flush=True)
    return 0


def _cpu_seconds() -> float:
    """This process's CPU seconds and those of its children that have ended (a rebuild's shares)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _parked(database_url: str) -> dict[str, int]:
    """Dead letters parked while rebuilding (there should be none: the events are the service's own)."""
    with connect(database_url) as conn:
        return {
            str(r[0]): int(r[1])
            for r in conn.execute(
                "SELECT consumer, count(*) FROM xborder_dead_letters WHERE status = 'parked' GROUP BY 1"
            )
        }


# ------------------------------------------------------------------------------------- raw COPY
def _raw_copy(database_url: str) -> dict[str, Any]:
    """Every events table's rows copied out (COPY TO STDOUT, binary) and into a fresh table of the same
    shape and indexes (COPY FROM STDIN), all in one transaction: what moving the store's rows alone
    costs, on the same server in the same run."""
    with connect(database_url) as source, connect(database_url) as target:
        tables = [
            (str(r[0]), str(r[1]))
            for r in source.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
                " WHERE table_name LIKE '%%\\_events' AND table_type = 'BASE TABLE'"
                " AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 2"
            )
        ]
        copied = 0
        began = time.perf_counter()
        with target.transaction():
            for schema, name in tables:
                fresh = sql.Identifier(f"bench_copy_{name}")
                target.execute(
                    sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING INDEXES)").format(
                        fresh, sql.Identifier(schema, name)
                    )
                )
                select = sql.SQL("COPY {} TO STDOUT (FORMAT BINARY)").format(sql.Identifier(schema, name))
                into = sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(fresh)
                with source.cursor().copy(select) as out, target.cursor().copy(into) as inp:
                    for chunk in out:
                        inp.write(chunk)
                row = target.execute(sql.SQL("SELECT count(*) FROM {}").format(fresh)).fetchone()
                copied += int(row[0]) if row else 0
        seconds = time.perf_counter() - began
        for _, name in tables:
            target.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(f"bench_copy_{name}")))
    return {
        "rows": copied,
        "seconds": round(seconds, 3),
        "rows_per_s": round(copied / seconds) if seconds else None,
        "how": "each events table COPY TO STDOUT, streamed into COPY FROM STDIN of a fresh table LIKE it"
        " (with its indexes), in one transaction; binary format",
    }


# ------------------------------------------------------------------------------------- reporting
def _versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for package in ("eventsourcing", "psycopg", "pydantic", "xborder"):
        try:
            found[package] = version(package)
        except Exception:  # noqa: BLE001 — a version we cannot find is reported as such
            found[package] = "unknown"
    return found


def _settings() -> dict[str, Any]:
    """The settings the rebuild ran with that bear on its speed: the service's defaults."""
    settings = _settings_for("postgresql://unused", Path("."))
    return {
        "privacy_seal_events": settings.privacy_seal_events,
        "pg_pool_size": settings.pg_pool_size,
        "kafka": False,
        "readmodel_databases": "shared (no READMODEL_URL_<code>)",
    }


def _summary(rebuilds: list[dict[str, Any]], copy: dict[str, Any]) -> dict[str, Any]:
    rates = [float(r["events_per_s"]) for r in rebuilds if r["events_per_s"]]
    events = sum(int(r["events_read"]) for r in rebuilds)
    seconds = sum(float(r["seconds"]) for r in rebuilds)
    total = round(events / seconds) if seconds else None
    copy_rate = copy.get("rows_per_s")
    return {
        "provinces": len(rebuilds),
        "events_per_s": {
            "min": round(min(rates)) if rates else None,
            "median": round(statistics.median(rates)) if rates else None,
            "max": round(max(rates)) if rates else None,
        },
        "events_read": events,
        "applied": sum(int(r["applied"]) for r in rebuilds),
        "seconds": round(seconds, 3),
        "total_events_per_s": total,
        "copy_rows_per_s": copy_rate,
        "rebuild_over_copy": round(total / copy_rate, 4) if total and copy_rate else None,
        "peak_rss_mib": max((float(r["peak_rss_mib"]) for r in rebuilds), default=None),
        "sampled_peak_rss_mib": max((float(r["sampled_rss_mib"]) for r in rebuilds), default=None),
        "share_peak_rss_mib": max((float(r["share_peak_rss_mib"] or 0) for r in rebuilds), default=None),
        "processes": sorted({int(r["processes"]) for r in rebuilds}),
    }


def _markdown(results: dict[str, Any]) -> str:
    machine, store, summary, copy = results["machine"], results["store"], results["summary"], results["copy"]
    rates, alone = summary["events_per_s"], results["summary_in_one_process"]
    processes = ", ".join(str(n) for n in summary["processes"])
    one = alone["events_per_s"]
    shared_over_one = (
        round(summary["total_events_per_s"] / alone["total_events_per_s"], 3)
        if summary["total_events_per_s"] and alone["total_events_per_s"]
        else None
    )
    lines = [
        f"# xborder benchmark: rebuilding the read models from zero — {results['date']}",
        "",
        "Measurement only. A store of "
        f"{store['total_events']:,} events of all four workflows ({store['seeded_events']:,} made by the "
        f"Applications through `xborder demo`'s seeding, the rest {store['clones'] - 1} copies of them "
        "in SQL "
        "with new case ids and other provinces, routes cloned alike; "
        f"{store['late_joins']:,} events bring provinces into a case late). Each province rebuilt from zero "
        "in a subprocess of its own by `rebuild_province` (what `xborder projections rebuild` runs), one "
        "after another — twice: as the command does it, its bulk shared among forked processes (one per "
        "core), and in one process, in alternating order; events/s = the events the province's read "
        "model was given (its routed events and catch-up replays) ÷ the seconds `rebuild_province` took, "
        "the forks and the swap included.",
        "",
        f"- Machine: {machine.get('cores')} cores, {machine.get('cpu_model')}; "
        f"PostgreSQL {machine.get('postgres')} ({machine.get('postgres_mode')}); "
        f"load average {machine['load_average_1m']}",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in results['versions'].items())}",
        f"- Settings: {', '.join(f'{k} {v}' for k, v in results['settings'].items())}",
        "",
        "| figure | value | target |",
        "|---|---:|---:|",
        f"| events/s per province: min / median / max ({processes} processes) | "
        f"{rates['min']:,} / {rates['median']:,} / {rates['max']:,} | "
        f"≥ {results['target_events_per_s_per_province']:,} |",
        f"| the same in one process | {one['min']:,} / {one['median']:,} / {one['max']:,} | |",
        f"| shared ÷ one process (all provinces) | {shared_over_one} | |",
        f"| all {summary['provinces']} provinces: events, seconds, events/s | {summary['events_read']:,}, "
        f"{summary['seconds']} s, {summary['total_events_per_s']:,} | |",
        f"| raw COPY of {copy['rows']:,} rows out and in: rows/s | {copy['rows_per_s']:,} | |",
        f"| rebuild ÷ COPY | {summary['rebuild_over_copy']} | |",
        f"| peak RSS of a rebuilding process (ru_maxrss; sampled) | {summary['peak_rss_mib']} MiB; "
        f"{summary['sampled_peak_rss_mib']} MiB | |",
        f"| peak RSS of a share (ru_maxrss) | {summary['share_peak_rss_mib']} MiB | |",
        f"| dead letters parked | {sum(results['dead_letters_parked'].values())} | |",
        "",
        "| province | events | applied | processes | seconds | CPU s | events/s | one process: seconds "
        "| events/s | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r, o in zip(results["rebuilds"], results["rebuilds_in_one_process"], strict=True):
        lines.append(
            f"| {r['province']} | {r['events_read']:,} | {r['applied']:,} | {r['processes']} | "
            f"{r['seconds']} | {r['cpu_seconds']} | {r['events_per_s']:,} | {o['seconds']} | "
            f"{o['events_per_s']:,} | {r['peak_rss_mib']} |"
        )
    lines.append("")
    lines.append("CPU s: the rebuilding process's and its shares' (PostgreSQL's not counted).")
    lines += ["", f"COPY: {copy['how']}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
