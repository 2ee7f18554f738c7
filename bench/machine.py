"""What the figures were measured on, and where the CPU went while they were.

On a 2-core machine the load generator, the service and PostgreSQL all share the same cores, so a
throughput figure alone cannot say what limited it. Each phase therefore also records, from /proc, the
CPU time spent by the service process, this process (the clients, or the raw library), the PostgreSQL
backends serving the phase's database (found in pg_stat_activity), any other process the phase started
and names (the Kafka broker), and everything else on the machine (other people's work, PostgreSQL's
background processes). Per command, that says where the time goes;
"other" says how much the figures were disturbed. Linux only; elsewhere the CPU figures are absent.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

_PROC = Path("/proc")


def machine_info() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def load_average() -> float | None:
    """The 1-minute load average: other work on the machine skews every figure, this says how much."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _cpu_model() -> str:
    try:
        for line in (_PROC / "cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _clock_ticks() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK"))
    except (ValueError, OSError, AttributeError):
        return 100


_TICKS = _clock_ticks()


def _machine_cpu() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot, from the first line of /proc/stat."""
    try:
        fields = [int(v) for v in (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
    total = sum(fields[:8])
    idle = fields[3] + fields[4]
    return (total - idle) / _TICKS, total / _TICKS


def _process_cpu(pid: int) -> float | None:
    """utime + stime of `pid` (all its threads), in seconds."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
    after = stat.rsplit(")", 1)[1].split()
    return (int(after[11]) + int(after[12])) / _TICKS


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (`xborder serve` runs its workers in one)."""
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            after = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if after[1] == str(pid):
            found.append(int(entry.name))
    return found


def child_with_argument(argument: str) -> int | None:
    """The process id of a child of this process whose command line has `argument` (e.g. the listener
    URL a broker was started with), so that a helper that keeps its process private can still be
    metered; None when there is none (or not on Linux)."""
    try:
        entries = list(_PROC.iterdir())
    except OSError:
        return None
    own = str(os.getpid())
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue
        if parent == own and argument.encode() in arguments:
            return int(entry.name)
    return None


def _service_cpu(pid: int) -> float | None:
    """The service's CPU seconds: its own process and its children (the workers' process)."""
    own = _process_cpu(pid)
    if own is None:
        return None
    return own + sum(cpu for child in _children(pid) if (cpu := _process_cpu(child)) is not None)


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _database_backends(database_url: str) -> list[int]:
    """Process ids of the PostgreSQL backends connected to the database at `database_url` (except the
    one asking)."""
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchall()
    except psycopg.Error:
        return []
    return [int(row[0]) for row in rows]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    at: float
    machine: tuple[float, float] | None
    service: float | None
    own: float
    backends: dict[int, float] = field(default_factory=dict)
    others: dict[str, float] = field(default_factory=dict)


class CpuMeter:
    """CPU used between `start()` and `stop()` by the service (`service_pid` and its child processes,
    if any), this process, the PostgreSQL backends of `database_url` (if given), each process of
    `others` (name -> pid, e.g. {"broker": pid}: counted under its name instead of in "other"), and the
    rest of the machine.

    A backend that connects during the window counts from its start (all its CPU is in the window); one
    that exits during it is lost (pools keep their connections, so that is rare)."""

    def __init__(
        self,
        service_pid: int | None = None,
        database_url: str | None = None,
        others: Mapping[str, int] | None = None,
    ) -> None:
        self.service_pid = service_pid
        self.database_url = database_url
        self.others = dict(others or {})
        self._start: _Snapshot | None = None

    def _snapshot(self) -> _Snapshot:
        backends: dict[int, float] = {}
        if self.database_url is not None:
            for pid in _database_backends(self.database_url):
                cpu = _process_cpu(pid)
                if cpu is not None:
                    backends[pid] = cpu
        service = _service_cpu(self.service_pid) if self.service_pid is not None else None
        others = {name: cpu for name, pid in self.others.items() if (cpu := _process_cpu(pid)) is not None}
        return _Snapshot(time.perf_counter(), _machine_cpu(), service, _own_cpu(), backends, others)

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self, operations: int) -> dict[str, Any]:
        """CPU seconds of each party, the machine's utilisation, and CPU milliseconds per operation."""
        assert self._start is not None, "start() first"
        end, start = self._snapshot(), self._start
        wall = end.at - start.at
        parts: dict[str, float] = {"bench_process": end.own - start.own}
        if end.service is not None and start.service is not None:
            parts["service"] = end.service - start.service
        if self.database_url is not None:
            parts["postgres"] = sum(cpu - start.backends.get(pid, 0.0) for pid, cpu in end.backends.items())
        for name, cpu in end.others.items():
            if name in start.others:
                parts[name] = cpu - start.others[name]
        out: dict[str, Any] = {"wall_s": round(wall, 3)}
        if self.database_url is not None:
            out["postgres_backends"] = len(end.backends)  # connections to the phase's database
        if end.machine is not None and start.machine is not None:
            busy = end.machine[0] - start.machine[0]
            total = end.machine[1] - start.machine[1]
            parts["other"] = max(0.0, busy - sum(parts.values()))
            out["machine_busy_pct"] = round(100.0 * busy / total, 1) if total > 0 else None
            # Other work in cores: how much of the machine the phase did not have.
            out["other_cores"] = round(parts["other"] / wall, 2) if wall > 0 else None
        out["cpu_s"] = {name: round(seconds, 3) for name, seconds in parts.items()}
        if operations > 0:
            out["cpu_ms_per_op"] = {
                name: round(1000.0 * seconds / operations, 3) for name, seconds in parts.items()
            }
        return out
