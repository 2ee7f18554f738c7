"""Masking of personal information (PIPL Art 28) for read models and logs.

Pure functions over plain strings, so a projection can mask a value it holds only as text without
first proving the value is well formed.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["mask_id_number", "mask_name", "mask_phone"]

_ID_LENGTH: Final = 18
_MOBILE_RE: Final = re.compile(r"1[0-9]{10}")


def _keep_ends(s: str, head: int, tail: int) -> str:
    # Too short to keep both ends without showing (nearly) everything: hide it all.
    if len(s) <= head + tail:
        return "*" * len(s)
    return s[:head] + "*" * (len(s) - head - tail) + s[-tail:]


def mask_id_number(s: str) -> str:
    """`5101**********1236` for an 18-character number; first 2 and last 2 otherwise."""
    if len(s) == _ID_LENGTH:
        return _keep_ends(s, 4, 4)
    return _keep_ends(s, 2, 2)


def mask_phone(s: str) -> str:
    """`138****5678` for an 11-digit mobile; first 3 and last 2 otherwise."""
    if _MOBILE_RE.fullmatch(s):
        return _keep_ends(s, 3, 4)
    return _keep_ends(s, 3, 2)


def mask_name(s: str) -> str:
    """`张**` for `张三丰`: the surname alone is rarely identifying."""
    return s[:1] + "*" * (len(s) - 1) if s else s
