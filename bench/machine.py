"""What the figures were measured on, and where the CPU went while they were.

On a 2-core machine the load generator, the service and PostgreSQL all share the same cores, so a
throughput figure alone cannot say what limited it. Each phase therefore also records, from /proc, the
CPU time spent by the service process, this process (the clients, or the raw library), the PostgreSQL
backends serving the phase's database (found in pg_stat_activity), any other process the phase started
and names (the Kafka broker), and everything else on the machine (other people's work, PostgreSQL's
background processes). Per command, that says where the time goes;
"other" says how much the figures were disturbed. Linux only; elsewhere the CPU figures are absent.

The service's memory is sampled the same way (`RssMeter`): the resident set of `xborder serve`'s API
process and of its children (the workers' process), a few times a second in a background thread, so a
phase can say how much memory the service held at its peak (issue 14 asks for at most 300 MB).
"""

from __future__ import annotations

import os
import platform
import threading
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


def children(pid: int) -> list[int]:
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
    return own + sum(cpu for child in children(pid) if (cpu := _process_cpu(child)) is not None)


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


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MIB = 1024 * 1024


def rss_bytes(pid: int) -> int | None:
    """The resident set of `pid` now, in bytes (what psutil's `memory_info().rss` says), from the
    second field of /proc/<pid>/statm; None once the process is gone (or not on Linux)."""
    try:
        resident = (_PROC / str(pid) / "statm").read_text().split()[1]
    except (OSError, IndexError):
        return None
    return int(resident) * _PAGE_BYTES


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, ...), from one pass over /proc:
    `xborder serve` starts its workers in a child, which may start helpers of its own; all of it is
    the service's memory."""
    by_parent: dict[int, list[int]] = {}
    try:
        entries = list(_PROC.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        by_parent.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    frontier = [pid]
    while frontier:
        frontier = [child for parent in frontier for child in by_parent.get(parent, [])]
        found += frontier
    return found


@dataclass(slots=True)
class RssPeaks:
    """The peaks of a series of samples, each the resident bytes of the API process and of each of its
    descendants at one instant. The sum's peak is taken per sample (not the sum of the peaks), because
    the processes need not peak together and the question is how much memory the service held at once."""

    samples: int = 0
    api: int = 0
    workers: int = 0
    total: int = 0
    worker_processes: int = 0
    per_process: dict[int, int] = field(default_factory=dict)

    def add(self, api: int | None, workers: Mapping[int, int]) -> None:
        """One sample; `api` is None when the API process was already gone (the sample is skipped)."""
        if api is None:
            return
        in_workers = sum(workers.values())
        self.samples += 1
        self.api = max(self.api, api)
        self.workers = max(self.workers, in_workers)
        self.total = max(self.total, api + in_workers)
        self.worker_processes = max(self.worker_processes, len(workers))
        for pid, rss in workers.items():
            self.per_process[pid] = max(self.per_process.get(pid, 0), rss)

    def summary(self, interval_s: float) -> dict[str, Any]:
        """The peaks in MiB: "api" the served process, "workers" its descendants together (each one
        apart under "workers_by_pid"), "sum" the largest total of one sample."""
        return {
            "interval_s": interval_s,
            "samples": self.samples,
            "peak_mib": {"api": _mib(self.api), "workers": _mib(self.workers), "sum": _mib(self.total)},
            "worker_processes": self.worker_processes,
            "workers_by_pid": {str(pid): _mib(rss) for pid, rss in self.per_process.items()},
        }


def _mib(size: int) -> float:
    return round(size / _MIB, 1)


class RssMeter:
    """The peak resident memory of `pid` and its descendants, sampled every `interval_s` in a daemon
    thread between `start()` and `stop()` (or as a context manager). Sampled, not a kernel high-water
    mark: the service's `ru_maxrss` cannot be read from outside it, and the workers' process is not
    our child. A peak shorter than the interval can be missed; a service's memory mostly grows and
    stays, so the sampled peak is close to the true one."""

    def __init__(self, pid: int, interval_s: float = 0.25, rescan_s: float = 2.0) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peaks = RssPeaks()
        # Finding the descendants reads every process's /proc stat (tens of ms on a busy machine, on the
        # cores being measured); the workers' process lives as long as the service, so the list is
        # refreshed every `rescan_s` while each sample reads only the known processes' statm.
        self._rescan_every = max(1, round(rescan_s / interval_s))
        self._known: list[int] = []
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RssMeter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._sample()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        """Stop sampling (idempotent) and return the peaks."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return self.result()

    def result(self) -> dict[str, Any]:
        return self.peaks.summary(self.interval_s)

    def _loop(self) -> None:
        while not self._stopped.wait(self.interval_s):
            self._sample()

    def _sample(self) -> None:
        if self.peaks.samples % self._rescan_every == 0:
            self._known = _descendants(self.pid)
        api = rss_bytes(self.pid)
        workers = {pid: rss for pid in self._known if (rss := rss_bytes(pid)) is not None}
        self.peaks.add(api, workers)
