"""Wakeups across processes: PostgreSQL's LISTEN/NOTIFY, heard once per process.

A save announces, on commit, which application saved and which provinces its events involve
(`SAVED_CHANNEL`, written by the recorder in the events' transaction); a projection consumer announces
which province's read model changed (`APPLIED_CHANNEL`). The listener wakes exactly the consumers and
the waiting reads of this process that those announcements concern — so the API and the workers can run
in separate processes (`xborder serve` runs them so) without either polling the other. Announcements
this process made itself are ignored: it woke its own consumers already. A missed announcement (the
listener reconnecting) costs only latency: on connecting, the listener wakes every consumer of its
process, and every consumer still looks at its (longer, `IDLE_POLL_SECONDS`) interval.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import psycopg

from xborder.consumers.worker import Worker
from xborder.domain.routing import EventRoutes
from xborder.infra.feeds import DeliveryWakeups
from xborder.infra.postgres.recorder import SAVED_CHANNEL
from xborder.infra.signals import ReadModelSignals

APPLIED_CHANNEL = "xborder_applied"

logger = logging.getLogger("xborder.listener")


def applied_payload(province: str) -> str:
    return f"{os.getpid()}|{province}"


class DeliveryListener(Worker):
    def __init__(
        self, database_url: str, wakeups: DeliveryWakeups, signals: ReadModelSignals, *, timeout: float = 1.0
    ) -> None:
        super().__init__("listener")
        self.database_url = database_url
        self.wakeups = wakeups
        self.signals = signals
        self.timeout = timeout
        self.heard = 0
        self._conn: psycopg.Connection[Any] | None = None

    def step(self) -> None:
        if self._conn is None:
            conn = psycopg.connect(self.database_url, autocommit=True)
            conn.execute(f"LISTEN {SAVED_CHANNEL}")
            conn.execute(f"LISTEN {APPLIED_CHANNEL}")
            self._conn = conn
            # Saves made while no one listened were announced to no one: look now.
            self.wakeups.notify_all()
        for notify in self._conn.notifies(timeout=self.timeout, stop_after=100):
            self._hear(notify.channel, notify.payload)

    def _hear(self, channel: str, payload: str) -> None:
        pid, _, rest = payload.partition("|")
        if pid == str(os.getpid()):
            return
        self.heard += 1
        if channel == SAVED_CHANNEL:
            application, _, provinces = rest.partition("|")
            codes = [code for code in provinces.split(",") if code]
            self.wakeups.notify(EventRoutes(application, [codes]))
        elif channel == APPLIED_CHANNEL:  # one province, or several applied together
            for province in rest.split(","):
                self.signals.notify(province)

    def recover(self) -> None:
        self._close()

    def teardown(self) -> None:
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
