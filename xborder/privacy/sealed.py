"""A sealed personal value as it travels in stored events, integration events and read models: a
string, so every schema that declares the field a string still holds, naming the cipher, the data
subject and the generation of the subject's key that opens it — never the value.

    xb:sealed:1:<cipher>:<subject>:<generation>:<base64url(nonce ‖ ciphertext ‖ tag)>[:<lookup>]

`lookup`, on a value searched by (a phone), is its keyed hash (`xborder.privacy.subjects`): what a
read model indexes so an office can find the case without the value. An ID number needs none: its
subject is its hash already.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Final

PREFIX: Final = "xb:sealed:1:"
# What a reader shows in place of a value whose subject's key was destroyed (erasure).
ERASED: Final = None


@dataclass(frozen=True, slots=True)
class SealedValue:
    cipher: str
    subject: str
    generation: int
    blob: bytes
    lookup: str | None = None

    def __str__(self) -> str:
        encoded = base64.urlsafe_b64encode(self.blob).decode().rstrip("=")
        lookup = f":{self.lookup}" if self.lookup else ""
        return f"{PREFIX}{self.cipher}:{self.subject}:{self.generation}:{encoded}{lookup}"

    @property
    def key_ref(self) -> tuple[str, int]:
        return self.subject, self.generation


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def parse_sealed(value: str) -> SealedValue | None:
    """The sealed value `value` spells, or None for a string that is not one (a value stored before
    sealing, or any other text)."""
    if not value.startswith(PREFIX):
        return None
    parts = value[len(PREFIX) :].split(":")
    if len(parts) not in (4, 5) or not parts[2].isdigit():
        return None
    cipher, subject, generation, encoded = parts[:4]
    lookup = parts[4] if len(parts) == 5 else None
    try:
        blob = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError:
        return None
    return SealedValue(cipher, subject, int(generation), blob, lookup)


def associated_data(subject: str, generation: int, field: str) -> bytes:
    """Bound into the seal: a value opens only as the field, and for the subject, it was sealed for."""
    return f"{subject}|{generation}|{field}".encode()
