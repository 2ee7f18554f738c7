"""Mainland phone numbers for owners, parties and victims.

A phone number is personal information (PIPL Art 28): repr and error details never show it in clear.
"""

from __future__ import annotations

import re
from typing import Final

from xborder.domain.identifiers import Identifier, PersonalIdentifier
from xborder.domain.masking import mask_phone

__all__ = ["Phone"]

_MOBILE_RE: Final = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_RE: Final = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")


class Phone(PersonalIdentifier, Identifier, name="phone", field="phone"):
    """A mainland mobile (`13812345678`) or landline (`028-12345678`); build with `Phone.parse`."""

    __slots__ = ()

    @staticmethod
    def problem(value: str) -> str | None:
        if _MOBILE_RE.fullmatch(value) or _LANDLINE_RE.fullmatch(value):
            return None
        return "not a mainland mobile (1[3-9] + 9 digits) or landline (0 + area code + 7-8 digits)"

    def masked(self) -> str:
        return mask_phone(self.value)
