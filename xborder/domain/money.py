"""Amounts in whole yuan: the unit of fines, refunds and the 交强险 / relief-fund advances.

Integers only, so sums are exact and no float rounding can creep into a refund or an advance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from xborder.domain.errors import InvalidValue

__all__ = ["MAX_YUAN", "Money"]

# Far above any fine or rescue cost; a larger figure is a typo, not an amount.
MAX_YUAN: Final = 100_000_000


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """A non-negative amount of whole yuan."""

    yuan: int

    def __post_init__(self) -> None:
        # bool is an int subclass; True yuan is a bug, not an amount.
        if isinstance(self.yuan, bool) or not isinstance(self.yuan, int) or self.yuan < 0:
            raise InvalidValue(
                "amount must be a whole number of yuan >= 0", code="money.invalid", field="yuan"
            )

    @classmethod
    def parse(cls, value: object) -> Money:
        """Accept an API amount; the upper bound applies to input only, so sums may exceed it."""
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_YUAN:
            raise InvalidValue(
                f"amount must be a whole number of yuan between 0 and {MAX_YUAN:,}",
                code="money.invalid",
                field="yuan",
            )
        return cls(value)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.yuan + other.yuan)

    def __str__(self) -> str:
        return f"¥{self.yuan:,}"
