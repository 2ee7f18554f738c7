"""Mainland phone numbers for owners, parties and victims.

A phone number is personal information (PIPL Art 28): repr and error details never show it in clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from xborder.domain.errors import InvalidValue
from xborder.domain.masking import mask_phone

__all__ = ["Phone"]

_MOBILE_RE: Final = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_RE: Final = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")


@dataclass(frozen=True, slots=True)
class Phone:
    """A mainland mobile (`13812345678`) or landline (`028-12345678`); build with `Phone.parse`."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not (
            _MOBILE_RE.fullmatch(self.value) or _LANDLINE_RE.fullmatch(self.value)
        ):
            raise InvalidValue(
                "not a mainland mobile (1[3-9] + 9 digits) or landline (0 + area code + 7-8 digits)",
                code="phone.invalid",
                field="phone",
            )

    @classmethod
    def parse(cls, raw: str) -> Phone:
        if not isinstance(raw, str):
            raise InvalidValue(
                f"expected text, got {type(raw).__name__}", code="phone.invalid", field="phone"
            )
        return cls(raw.strip())

    def masked(self) -> str:
        return mask_phone(self.value)

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Phone({self.masked()!r})"
