"""GB 11643-1999 citizen ID numbers (also the driving-licence number), and the residence permits of
Hong Kong, Macau and Taiwan residents, which are numbered in the same scheme.

The number is personal information (PIPL Art 28): it is validated here, and its repr and every error
detail are masked so it can never reach a log in clear.

A birth date in the future is refused where input is accepted (`IdNumber.parse`, against `today`: the
caller's date, by default the date in China now); a number rebuilt from a stored event is not held to
the clock, so replaying history never depends on when it is replayed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final, Self

from xborder.domain.errors import InvalidValue
from xborder.domain.identifiers import Identifier, PersonalIdentifier, text_of
from xborder.domain.masking import mask_id_number
from xborder.domain.provinces import PROVINCE_CODES

__all__ = ["ID_PREFIXES", "PERMIT_AREAS", "IdNumber", "china_today", "id_check_char"]

_LENGTH: Final = 18
_BODY_RE: Final = re.compile(r"[0-9]{17}")
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"
_MIN_BIRTH_YEAR: Final = 1900
# 港澳台居民居住证申领发放办法 (国办发〔2018〕81号): the permit's 公民身份号码 has the area code 810000
# (Hong Kong), 820000 (Macau) or 830000 (Taiwan); the rest follows GB 11643.
PERMIT_AREAS: Final[dict[str, str]] = {"810000": "Hong Kong", "820000": "Macau", "830000": "Taiwan"}
_PERMIT_PREFIXES: Final = frozenset(area[:2] for area in PERMIT_AREAS)
# GB/T 2260 lists 710000 台湾省, but no ID number is issued with it: Taiwan residents' permits use 830000.
_NEVER_ISSUED: Final = "71"
ID_PREFIXES: Final[frozenset[str]] = frozenset({c[:2] for c in PROVINCE_CODES} | _PERMIT_PREFIXES)
_CHINA: Final = timezone(timedelta(hours=8), "CST")  # birth dates are dates in China (no DST)


def china_today() -> date:
    """Today's date in China, the calendar birth dates are written in."""
    return datetime.now(UTC).astimezone(_CHINA).date()


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
    """A valid, normalised ID number or residence-permit number; construct with `IdNumber.parse` to
    accept user input."""

    __slots__ = ()

    @staticmethod
    def problem(value: str) -> str | None:
        if not _BODY_RE.fullmatch(value[:17]):
            return "the first 17 characters of an ID number must be digits"
        if value[17] not in "0123456789X":
            return "the last character of an ID number must be a digit or X"
        if value[:2] == _NEVER_ISSUED:
            return (
                "ID number starts with 71 (台湾省 in GB/T 2260), which is never issued; "
                "Taiwan residents' residence permits start with 830000"
            )
        if value[:2] in _PERMIT_PREFIXES and value[:6] not in PERMIT_AREAS:
            return (
                "residence permits of Hong Kong, Macau and Taiwan residents start with "
                "810000, 820000 or 830000 (港澳台居民居住证申领发放办法)"
            )
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

    @classmethod
    def parse(cls, raw: str, *, today: date | None = None) -> Self:
        """User input as an ID number, refused if its birth date is after `today` (by default
        `china_today()`): the API's validators have no clock of their own."""
        number = cls(cls.normalise(text_of(raw, code=cls.CODE, field=cls.FIELD)))
        limit = china_today() if today is None else today
        if number.birth_date > limit:
            raise InvalidValue(
                f"ID number birth date (positions 7-14) is in the future (after {limit.isoformat()})",
                code=cls.CODE,
                field=cls.FIELD,
            )
        return number

    @property
    def birth_date(self) -> date:
        born = _birth_date(self.value)
        assert born is not None  # guaranteed by __post_init__
        return born

    def masked(self) -> str:
        return mask_id_number(self.value)
