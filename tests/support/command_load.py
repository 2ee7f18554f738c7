"""A steady command load for fault scenarios: a few HTTP clients applying for transfers, each command
with an Idempotency-Key of its own and retried with the same key until it is answered 2xx.

Every command gets a plate of its own (a plate under an open transfer cannot be applied for again), and
commands rotate over routes among 川 (510000), 渝 (500000) and 沪 (310000), so each of the three provinces
is involved. What each command was answered, and how often it was sent, is kept for the oracle.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.builders import plate_for
from tests.support.service import TRANSFER_BODY

# (plate prefix -> origin, destination): each pair of the three provinces, both ways where plates allow.
ROUTES = (("川A", "500000"), ("川A", "310000"), ("沪A", "510000"), ("渝A", "310000"), ("沪A", "500000"))

Mint = Callable[[str, str, str], str]  # (sub, province, role) -> bearer token


@dataclass
class LoadResults:
    answered: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> case id of its 2xx answer
    attempts: Counter[str] = field(default_factory=Counter)  # Idempotency-Key -> requests sent
    replayed: int = 0  # 2xx answers marked Idempotent-Replayed (a retry whose first attempt had committed)
    failures: Counter[str] = field(default_factory=Counter)  # why attempts failed (status code or error)
    refused: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> a 4xx answer (never expected)

    @property
    def retries(self) -> int:
        return sum(n - 1 for n in self.attempts.values())


class CommandLoad:
    def __init__(
        self,
        base_url: str,
        mint: Mint,
        *,
        clients: int = 3,
        seed: int = 14,
        timeout: float = 5.0,
        pause: float = 0.02,
    ) -> None:
        self._base_url = base_url
        self._mint = mint
        self._clients = clients
        self._seed = seed
        self._timeout = timeout
        self._pause = pause
        self._serial = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._tokens: dict[str, str] = {}
        self.results = LoadResults()

    @property
    def answered(self) -> int:
        with self._lock:
            return len(self.results.answered)

    def start(self) -> CommandLoad:
        for code in ("510000", "500000", "310000"):
            self._tokens[code] = self._mint(f"owner-{code}", code, "owner")
        for n in range(self._clients):
            thread = threading.Thread(target=self._client, name=f"load-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 90.0) -> LoadResults:
        """No new commands; the ones under way are retried until answered (or `timeout` passes)."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        stuck = [t.name for t in self._threads if t.is_alive()]
        assert not stuck, f"load clients still retrying after {timeout}s: {stuck}"
        return self.results

    def wait_for(self, answered: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.answered < answered:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"only {self.answered} of {answered} commands answered within {timeout}s; "
                    f"failures so far: {dict(self.results.failures)}"
                )
            time.sleep(0.05)

    def _next(self) -> tuple[str, dict[str, Any], str]:
        with self._lock:
            serial = self._serial
            self._serial += 1
        prefix, destination = ROUTES[serial % len(ROUTES)]
        body = {
            **TRANSFER_BODY,
            "plate": plate_for(self._seed * 100_000 + serial, prefix),
            "destination_province": destination,
            "residence_proof": f"RP-F{self._seed}-{serial}",
        }
        return f"fault-{self._seed}-{serial}", body, destination

    def _client(self) -> None:
        with httpx.Client(base_url=self._base_url, timeout=self._timeout) as client:
            while not self._stopping.is_set():
                key, body, destination = self._next()
                self._until_answered(client, key, body, destination)
                time.sleep(self._pause)

    def _until_answered(self, client: httpx.Client, key: str, body: dict[str, Any], destination: str) -> None:
        headers = {"Authorization": f"Bearer {self._tokens[destination]}", "Idempotency-Key": key}
        while True:
            with self._lock:
                self.results.attempts[key] += 1
            try:
                response = client.post("/v1/transfers", json=body, headers=headers)
            except httpx.HTTPError as error:
                reason = type(error).__name__
            else:
                if 200 <= response.status_code < 300:
                    with self._lock:
                        self.results.answered[key] = response.json()["id"]
                        if response.headers.get("Idempotent-Replayed") == "true":
                            self.results.replayed += 1
                    return
                if 400 <= response.status_code < 500 and response.status_code not in (408, 409, 429):
                    with self._lock:
                        self.results.refused[key] = response.text
                    return
                reason = str(response.status_code)
            with self._lock:
                self.results.failures[reason] += 1
            time.sleep(0.1)
