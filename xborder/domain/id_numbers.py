"""GB 11643 resident ID numbers (also the driving-licence number).

The number is personal information (PIPL Art 28): it is validated here, and its repr and every error
detail are masked so it can never reach a log in clear.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from xborder.domain.identifiers import Identifier, PersonalIdentifier
from xborder.domain.masking import mask_id_number
from xborder.domain.provinces import PROVINCE_CODES

__all__ = ["ID_PREFIXES", "IdNumber", "id_check_char"]

_LENGTH: Final = 18
_BODY_RE: Final = re.compile(r"[0-9]{17}")
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"
_MIN_BIRTH_YEAR: Final = 1900
# 71 台湾, 81 香港, 82 澳门 residents also hold numbers in this scheme (居住证).
ID_PREFIXES: Final[frozenset[str]] = frozenset({c[:2] for c in PROVINCE_CODES} | {"71", "81", "82"})


def id_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


class IdNumber(PersonalIdentifier, Identifier, name="ID number", field="id_number", length=_LENGTH):
    """A valid, normalised ID number; construct with `IdNumber.parse` to accept user input."""

    __slots__ = ()

    @staticmethod
    def problem(value: str) -> str | None:
        if not _BODY_RE.fullmatch(value[:17]):
            return "the first 17 characters of an ID number must be digits"
        if value[17] not in "0123456789X":
            return "the last character of an ID number must be a digit or X"
        if value[:2] not in ID_PREFIXES:
            return "ID number does not start with a known province prefix"
        born = _birth_date(value)
        if born is None:
            return "ID number does not contain a real birth date (positions 7-14)"
        if born.year < _MIN_BIRTH_YEAR:
            return f"ID number birth year is before {_MIN_BIRTH_YEAR}"
        if value[17] != id_check_char(value[:17]):
            return "ID number check character does not match"
        return None

    @property
    def birth_date(self) -> date:
        born = _birth_date(self.value)
        assert born is not None  # guaranteed by __post_init__
        return born

    def masked(self) -> str:
        return mask_id_number(self.value)
