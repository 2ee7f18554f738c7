"""A steady command load over HTTP: client threads each open transfers between the suite's provinces
(POST /v1/transfers, then the origin's archive release), every command with its own Idempotency-Key.
A timeout or connection error is retried with the same key and body; what each command was answered
is kept for the oracle (tests/faults/oracle.py)."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.bodies import Application, application_for
from tests.faults.deployment import Tokens

_ATTEMPTS = 8  # per command, before it is given up (and retried once more after the fault: `settle`)
_TIMEOUT_S = 10.0


@dataclass
class Command:
    """One command as the client saw it. `answer` is the 2xx body ({"id", "version", "status"}) if one
    came; `opens` marks the commands that create a case."""

    key: str
    caller: str  # as the service names it in its idempotency records: "sub|province|role"
    method_path: str
    body: dict[str, Any]
    headers: dict[str, str]
    opens: bool
    attempts: int = 0
    answer: dict[str, Any] | None = None
    last_error: str | None = None

    @property
    def answered(self) -> bool:
        return self.answer is not None


def serials_between(provinces: Sequence[str], start: int = 0) -> Iterator[int]:
    """The serials of bench.bodies' applications whose origin and destination are both among
    `provinces` (each a distinct plate, VIN and owner), in order."""
    wanted = set(provinces)
    for serial in itertools.count(start):
        application = application_for(serial)
        if application.origin.code in wanted and application.destination.code in wanted:
            yield serial


@dataclass
class Load:
    url: str
    provinces: Sequence[str]
    tokens: Tokens
    clients: int = 3
    pause_s: float = 0.1  # between one client's cases: a steady load, not a flood, on two cores
    run: str = "faults"
    commands: list[Command] = field(default_factory=list)
    _serials: Iterator[int] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._serials = serials_between(self.provinces)

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._client, args=(n,), name=f"fault-load-{n}", daemon=True)
            for n in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in self._threads), "a load client did not stop"
        self._threads = []

    def wait_for_answers(self, count: int, timeout: float = 60) -> None:
        """Until `count` more commands have been answered (the load is running, not stalled)."""
        target = self.answered_count() + count
        deadline = time.monotonic() + timeout
        while self.answered_count() < target:
            assert time.monotonic() < deadline, f"the load stalled below {target} answered commands"
            time.sleep(0.05)

    def answered_count(self) -> int:
        with self._lock:
            return sum(1 for c in self.commands if c.answered)

    def settle(self) -> None:
        """After the fault: every command not answered is sent once more with its own key (the client
        retrying after an outage); its answer, or its failure, is what the oracle then judges."""
        with httpx.Client(base_url=self.url, timeout=_TIMEOUT_S) as http:
            for command in list(self.commands):
                if not command.answered:
                    self._send(http, command, attempts=_ATTEMPTS)

    def _client(self, number: int) -> None:
        rng = random.Random(number)
        with httpx.Client(base_url=self.url, timeout=_TIMEOUT_S) as http:
            while not self._stop.is_set():
                with self._lock:
                    serial = next(self._serials)
                application = application_for(serial)
                opening = self._command_to_open(application, number)
                self._send(http, opening, attempts=_ATTEMPTS)
                if opening.answer is not None:
                    self._send(
                        http, self._command_to_release(application, opening.answer["id"]), attempts=_ATTEMPTS
                    )
                self._stop.wait(self.pause_s * (0.5 + rng.random()))

    def _command_to_open(self, application: Application, client: int) -> Command:
        code = application.destination.code
        sub = f"owner-{code}-{client}-{application.serial % 8}"  # well below the per-caller rate limit
        return self._register(
            Command(
                key=f"{self.run}-{application.serial}-apply",
                caller=f"{sub}|{code}|owner",
                method_path="/v1/transfers",
                body=application.body,
                headers=self.tokens.header(sub, code, "owner"),
                opens=True,
            )
        )

    def _command_to_release(self, application: Application, case_id: str) -> Command:
        code = application.origin.code
        sub = f"admin-{code}-{application.serial % 8}"
        return self._register(
            Command(
                key=f"{self.run}-{application.serial}-release",
                caller=f"{sub}|{code}|vehicle_admin",
                method_path=f"/v1/transfers/{case_id}/archive-release",
                body={"archive_ref": f"ARC-{application.serial}"},
                headers=self.tokens.header(sub, code, "vehicle_admin"),
                opens=False,
            )
        )

    def _register(self, command: Command) -> Command:
        with self._lock:
            self.commands.append(command)
        return command

    @staticmethod
    def _send(http: httpx.Client, command: Command, *, attempts: int) -> None:
        headers = command.headers | {"Idempotency-Key": command.key}
        for attempt in range(attempts):
            command.attempts += 1
            try:
                response = http.post(command.method_path, json=command.body, headers=headers)
            except httpx.TransportError as error:  # timeout, refused, reset: the same key again
                command.last_error = f"{type(error).__name__}: {error}"
                time.sleep(min(2.0, 0.1 * 2**attempt))
                continue
            if 200 <= response.status_code < 300:
                command.answer = response.json()
                command.last_error = None
                return
            command.last_error = f"{response.status_code}: {response.text[:300]}"
            if response.status_code in (429, 502, 503, 504):
                time.sleep(min(2.0, float(response.headers.get("Retry-After", "0.2") or 0.2)))
                continue
            return  # a refusal is an answer: not retried
