"""GA 36 number plates, validated at the edge so a misread plate never reaches a case.

Plates are how provinces find each other's vehicles: the first character names the registration
province, so a wrong plate would route an archive request or a 协查通报 to the wrong office.
"""

from __future__ import annotations

import re
from typing import Final

from xborder.domain.errors import InvalidValue
from xborder.domain.identifiers import Identifier, text_of
from xborder.domain.provinces import PROVINCES, Province, province_by_abbr

__all__ = ["PLATE_SUFFIXES", "Plate", "parse_plate_partial"]

_PROVINCE_CHARS: Final = frozenset(p.abbr for p in PROVINCES)
# I and O are never issued: they read as 1 and 0.
_ALNUM: Final = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_ALNUM_SET: Final = frozenset(_ALNUM)
PLATE_SUFFIXES: Final[frozenset[str]] = frozenset("挂学警港澳领")
_WILDCARDS: Final = frozenset("*?")

_OFFICE_RE: Final = re.compile(r"[A-HJ-NP-Z]")
_ORDINARY_SERIAL_RE: Final = re.compile(r"[0-9A-HJ-NP-Z]{4}[0-9A-HJ-NP-Z挂学警港澳领]")
_NEV_SERIAL_RE: Final = re.compile(r"[DF][0-9A-HJ-NP-Z][0-9]{4}|[0-9]{5}[DF]")

_ORDINARY_LEN: Final = 7
_NEV_LEN: Final = 8
_PARTIAL_MIN: Final = 2
_PARTIAL_MAX: Final = 8


class Plate(Identifier, name="plate", field="plate"):
    """A valid, normalised plate; construct with `Plate.parse` to accept user input."""

    __slots__ = ()

    @staticmethod
    def problem(value: str) -> str | None:
        if not value:
            return "plate is empty"
        if value[0] not in _PROVINCE_CHARS:
            return f"unknown province character {value[0]!r}"
        if "I" in value or "O" in value:
            return "plate contains I or O, which are never issued (they read as 1 and 0)"
        allowed = _PROVINCE_CHARS | _ALNUM_SET | PLATE_SUFFIXES
        bad = next((c for c in value[1:] if c not in allowed), None)
        if bad is not None:
            return f"unexpected character {bad!r}"
        if len(value) not in (_ORDINARY_LEN, _NEV_LEN):
            return (
                f"wrong length: {len(value)} characters "
                f"(ordinary plates have {_ORDINARY_LEN}, new-energy plates {_NEV_LEN})"
            )
        if not _OFFICE_RE.fullmatch(value[1]):
            return f"office code must be a letter A-Z other than I/O, got {value[1]!r}"
        serial = value[2:]
        if len(value) == _ORDINARY_LEN:
            if not _ORDINARY_SERIAL_RE.fullmatch(serial):
                return "serial must be 5 of 0-9/A-Z (no I/O); only the last may be 挂/学/警/港/澳/领"
        elif not _NEV_SERIAL_RE.fullmatch(serial):
            return "new-energy serial must be D/F + 1 letter or digit + 4 digits, or 5 digits + D/F"
        return None

    @property
    def province(self) -> Province:
        return province_by_abbr(self.value[0])

    @property
    def office(self) -> str:
        return self.value[1]

    @property
    def is_new_energy(self) -> bool:
        return len(self.value) == _NEV_LEN


def parse_plate_partial(raw: str) -> str:
    """Normalise a witness's partial plate (`川A1*3?5`) so cases can be matched on what is known."""
    value = Plate.normalise(text_of(raw, code="plate_partial.invalid", field="plate"))
    if not _PARTIAL_MIN <= len(value) <= _PARTIAL_MAX:
        raise InvalidValue(
            f"partial plate must have {_PARTIAL_MIN}-{_PARTIAL_MAX} characters, got {len(value)}",
            code="plate_partial.invalid",
            field="plate_partial",
        )
    allowed = _PROVINCE_CHARS | _ALNUM_SET | PLATE_SUFFIXES | _WILDCARDS
    bad = next((c for c in value if c not in allowed), None)
    if bad is not None:
        hint = " (I and O are never issued)" if bad in "IO" else ""
        raise InvalidValue(
            f"unexpected character {bad!r}{hint}; use * or ? for an unknown character",
            code="plate_partial.invalid",
            field="plate_partial",
        )
    if all(c in _WILDCARDS for c in value):
        raise InvalidValue(
            "partial plate must contain at least one known character",
            code="plate_partial.invalid",
            field="plate_partial",
        )
    return value
