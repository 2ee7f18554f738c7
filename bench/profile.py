"""`python -m bench.profile` (run by `make bench`): where a command's CPU goes in `xborder serve`.

The throughput figures of `bench.run` say how fast; this says why. It starts `xborder serve` as
`make run` starts it (31 provinces projected, the workers in their own process), puts the same
closed-loop load on it (16 HTTP clients posting transfer applications), and samples both of its
processes with py-spy (`--gil`: only the thread holding Python's lock is sampled, so a sample is
Python-side CPU, not waiting). Each sample is put in one layer of the command path (HTTP and the
framework, authentication, request validation, idempotency, holds, the domain, sealing personal data,
the event store's save, ...) or of the projection path, by the innermost xborder or library frame
that names one. Writes bench/results/profile.{md,json}. Sampling costs the service some speed; the
shares, not the rate, are the figure. Needs py-spy (a dev dependency) and permission to ptrace the
service (root, or kernel.yama.ptrace_scope=0); without them it says so and writes nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bodies import ApplicationFactory, Callers
from bench.database import bench_server
from bench.load import served_throughput
from bench.machine import children, load_average, machine_info
from bench.report import write_named
from bench.run import JWT_SECRET, RESULTS_DIR
from bench.serve import xborder_serve

# (layer, pattern on a frame "function (file)"): the first rule, from the innermost frame outwards,
# that a frame matches names the sample's layer. Order within a frame matters: specific before general.
_API_LAYERS: tuple[tuple[str, str], ...] = (
    ("sealing personal data (keys, AES-GCM)", r"xborder/privacy/"),
    ("holds on the vehicle (a read-model query)", r"xborder/projections/holds\.py"),
    ("idempotency (the saved answer)", r"xborder/infra/idempotency\.py"),
    ("event store save (eventsourcing + psycopg)", r"eventsourcing/|xborder/infra/postgres/recorder\.py"),
    ("domain: the aggregate's command and its checks", r"xborder/workflows/|xborder/domain/"),
    ("authentication (JWT) and rate limit", r"get_actor|xborder/api/auth\.py|rate_limits\.py"),
    ("request validation (pydantic)", r"request_body_to_args|solve_dependencies|pydantic/"),
    ("answer: the response's JSON, headers, logging", r"JSONResponse|render|logging/|xborder/infra/logging"),
    ("thread-pool hand-offs (anyio)", r"anyio/|run_in_threadpool|queue\.py|threading\.py"),
    (
        "HTTP and the framework (uvicorn, Starlette, FastAPI)",
        r"uvicorn/|starlette/|fastapi/|asyncio/|httptools",
    ),
)
_WORKER_LAYERS: tuple[tuple[str, str], ...] = (
    ("applying a batch to a province's read model", r"ProvinceReadModels\.|dead_letters\.py|casedoc\.py"),
    ("reading the routed notifications (the feed)", r"xborder/infra/postgres/routes\.py|_read_once"),
    ("decoding stored events into envelopes", r"xborder/infra/contracts\.py|_envelopes|to_domain_event"),
    ("deadline watcher", r"xborder/consumers/deadlines\.py|xborder/projections/deadlines\.py"),
    ("process managers and the relay", r"process_manager|xborder/consumers/relay\.py"),
    ("wake-ups (LISTEN/NOTIFY, in-process)", r"xborder/consumers/listener\.py|Wakeup|notifies"),
    ("worker loop and pool", r"xborder/consumers/|psycopg_pool/|threading\.py"),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=67, help="py-spy samples a second")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--raw-dir", type=Path, default=None, help="also keep py-spy's raw stacks here (profile-<role>.txt)"
    )
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("bench.profile: py-spy is not installed (pip install -e '.[dev]'); nothing profiled")
        return 0
    results = _profile(spy, os.environ.get("DATABASE_URL") or args.database_url, args)
    if results is None:
        return 0
    print(f"bench.profile: wrote {write_named(args.output, 'profile', results, render(results))}")
    return 0


def _profile(spy: str, database_url: str | None, args: argparse.Namespace) -> dict[str, Any] | None:
    callers, factory = Callers(JWT_SECRET), ApplicationFactory()
    started = datetime.now(UTC)
    with (
        bench_server(database_url) as server,
        server.fresh_database() as db,
        xborder_serve(db.url, JWT_SECRET, server.scratch, workers=True) as served,
    ):
        time.sleep(2.0)  # the workers' process starts after the API answers /readyz
        processes = {"api": served.pid} | {
            f"workers-{i}" if i else "workers": pid for i, pid in enumerate(children(served.pid))
        }
        outputs = {role: server.scratch / f"profile-{role}.txt" for role in processes}
        seconds = int(args.warmup + args.duration)
        spies = [
            subprocess.Popen(
                [
                    spy,
                    "record",
                    "-p",
                    str(pid),
                    "-d",
                    str(seconds),
                    "-r",
                    str(args.rate),
                    "--gil",
                    "--nonblocking",
                    "-f",
                    "raw",
                    "-o",
                    str(outputs[role]),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for role, pid in processes.items()
        ]
        load_before = load_average()
        figures = served_throughput(served, db.url, factory, callers, args, catch_up=False)
        failures = [p.stderr.read().decode(errors="replace") if p.wait() and p.stderr else "" for p in spies]
        stacks = {role: path.read_text(encoding="utf-8") for role, path in outputs.items() if path.exists()}
        if args.raw_dir is not None:
            args.raw_dir.mkdir(parents=True, exist_ok=True)
            for role, raw in stacks.items():
                (args.raw_dir / f"profile-{role}.txt").write_text(raw, encoding="utf-8")
    if any(failures) or len(stacks) != len(outputs):
        print(f"bench.profile: py-spy could not sample the service: {' '.join(failures).strip()[:500]}")
        return None
    return {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine_info() | {"load_average_1m": {"start": load_before, "end": load_average()}},
        "parameters": {
            "clients": args.clients,
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "samples_per_s": args.rate,
        },
        "commands_per_s": figures["commands_per_s"],
        "cpu_ms_per_command": figures["cpu"].get("cpu_ms_per_op") if figures.get("cpu") else None,
        "processes": {
            role: layers(raw, _API_LAYERS if role == "api" else _WORKER_LAYERS)
            for role, raw in stacks.items()
        },
    }


def _failure(spy: subprocess.Popen[bytes]) -> str:
    code = spy.wait()
    error = spy.stderr.read().decode(errors="replace") if spy.stderr is not None else ""
    return f"exit {code}: {error}" if code else ""


def layers(raw: str, rules: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """py-spy's raw output (one `frame;frame;... count` line per stack, outermost first) summed by layer."""
    compiled = [(name, re.compile(pattern)) for name, pattern in rules]
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        counts[_layer(stack.split(";"), compiled)] += int(count)
    total = sum(counts.values())
    return {
        "samples": total,
        "layers": [
            {"layer": name, "samples": n, "share": round(n / total, 3)} for name, n in counts.most_common()
        ],
    }


def _layer(frames: Sequence[str], rules: Sequence[tuple[str, re.Pattern[str]]]) -> str:
    for frame in reversed(frames):
        for name, pattern in rules:
            if pattern.search(frame):
                return name
    return "other (interpreter, libraries not named above)"


def render(results: dict[str, Any]) -> str:
    machine = results["machine"]
    cpu = results.get("cpu_ms_per_command") or {}
    lines = [
        f"# Where a command's CPU goes — {results['started']}",
        "",
        "Generated by `python -m bench.profile` (`make bench`); do not edit by hand. `xborder serve` as "
        f"`make run` starts it (31 provinces projected), {results['parameters']['clients']} clients posting "
        "transfer applications back to back, both processes sampled by py-spy with `--gil` (only the "
        "thread holding Python's lock: CPU, not waiting). Each sample goes to the layer of the innermost "
        "frame that names one (bench/profile.py). Sampling slows the service; read the shares.",
        "",
        f"Machine: {machine['cores']} cores, {machine['cpu_model']}; load average "
        f"{machine['load_average_1m']['start']} → {machine['load_average_1m']['end']}. "
        f"{results['commands_per_s']} commands/s while sampled; CPU per command: service "
        f"{cpu.get('service', '–')} ms, PostgreSQL {cpu.get('postgres', '–')} ms, clients "
        f"{cpu.get('bench_process', '–')} ms.",
    ]
    for role, figures in results["processes"].items():
        title = "The API process (the command path)" if role == "api" else f"The {role} process (projections)"
        lines += [
            "",
            f"## {title}",
            "",
            f"{figures['samples']} samples holding the GIL.",
            "",
            "| layer | share |",
            "|---|---:|",
        ]
        lines += [f"| {row['layer']} | {row['share'] * 100:.1f} % |" for row in figures["layers"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
