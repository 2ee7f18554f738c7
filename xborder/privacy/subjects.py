"""Data subjects and blind lookups: who a personal value belongs to, named by a keyed hash (HMAC-SHA256)
and never by the value itself, so that the store of keys, the read models and every search that needs
an ID number or phone hold only the hash (a dictionary attack on 18-digit ID numbers needs the key)."""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

# 128 bits of the HMAC: far beyond collisions among 1.4 billion people, short in every row.
_HEX_CHARS = 32


class BlindIndex:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the blind-index key must be at least 32 bytes")
        self._key = key

    def _hash(self, *parts: str) -> str:
        message = "\x00".join(parts).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:_HEX_CHARS]

    def person(self, id_number: str) -> str:
        """The subject an ID number names: the same person in every case and province."""
        return "p-" + self._hash("person", id_number.strip().upper())

    def casualty(self, case_id: UUID, ref: str) -> str:
        """Someone a rescue knows by the dispatcher's reference only: a subject of that case alone."""
        return "c-" + self._hash("casualty", str(case_id), ref)

    def phone(self, phone: str) -> str:
        """A phone number as searches match it."""
        return "t-" + self._hash("phone", "".join(ch for ch in phone if ch.isdigit()))
