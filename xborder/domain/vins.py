"""Vehicle identification numbers (GB 16735 / ISO 3779).

The VIN, not the plate, identifies the car through a transfer (the plate changes); the check digit
catches most mistyped VINs before they send an archive request for the wrong vehicle.
"""

from __future__ import annotations

import re
from typing import Final

from xborder.domain.identifiers import Identifier

__all__ = ["Vin", "vin_check_digit"]

_LENGTH: Final = 17
_CHARSET_RE: Final = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_VALUES: Final = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_CHECK_INDEX: Final = 8


def vin_check_digit(vin: str) -> str:
    """The check character a 17-character VIN of the valid charset should carry at position 9."""
    remainder = sum(_VALUES[c] * w for c, w in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


class Vin(Identifier, name="VIN", field="vin", length=_LENGTH):
    """A valid, normalised VIN; construct with `Vin.parse` to accept user input."""

    __slots__ = ()

    @staticmethod
    def problem(value: str) -> str | None:
        if not _CHARSET_RE.fullmatch(value):
            if any(c in "IOQ" for c in value):
                return "VIN contains I, O or Q, which are never used"
            return "VIN may contain only digits and the letters A-Z"
        expected = vin_check_digit(value)
        if value[_CHECK_INDEX] != expected:
            return f"check digit mismatch: position 9 is {value[_CHECK_INDEX]!r}, expected {expected!r}"
        return None
