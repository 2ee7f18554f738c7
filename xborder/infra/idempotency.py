"""Reading back the first answer to an `Idempotency-Key` (written by the recorder with the events)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from xborder.infra.postgres.database import Database
from xborder.infra.postgres.recorder import IDEMPOTENCY_TABLE


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str
    status_code: int
    response: dict[str, Any]


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


class IdempotencyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def lookup(self, caller: str, key: str) -> StoredAnswer | None:
        with self._db.transaction() as conn:
            row = conn.execute(
                f"SELECT fingerprint, status_code, response FROM {IDEMPOTENCY_TABLE} "  # noqa: S608
                "WHERE caller = %s AND key = %s",
                (caller, key),
            ).fetchone()
        if row is None:
            return None
        return StoredAnswer(row["fingerprint"], int(row["status_code"]), dict(row["response"]))
