"""Audit rows of concurrent answers written together (group commit), each answer still waiting for its
rows to be committed before it goes out.

Every sensitive read appends to its province's hash chain, and a chain takes one writer at a time (its
lock is held until the commit's flush): written one transaction per answer, a province's reads queue
on that lock. Here the first answer to arrive writes, and every answer that arrives meanwhile is
written by the next transaction, all of them at once — so a busy province pays one commit per batch,
not per answer, and no row is reported written before it is durable."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from xborder.privacy.audit import AuditEntry, AuditLog


@dataclass
class _Ticket:
    entries: Sequence[AuditEntry]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, log: AuditLog) -> None:
        self._log = log
        self._lock = threading.Lock()
        self._pending: list[_Ticket] = []
        self._writing = False

    def record(self, entries: Sequence[AuditEntry]) -> None:
        """Return once `entries` are committed (with whatever else was waiting); raise if they were not."""
        if not entries:
            return
        ticket = _Ticket(entries)
        with self._lock:
            self._pending.append(ticket)
            leader = not self._writing
            self._writing = True
        if leader:
            self._write_until_drained()
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error

    def _write_until_drained(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._writing = False
                    return
            try:
                self._log.record([entry for ticket in batch for entry in ticket.entries])
            except BaseException as error:  # noqa: BLE001 — every waiting answer learns its rows were not written
                for ticket in batch:
                    ticket.error = error
            for ticket in batch:
                ticket.done.set()
