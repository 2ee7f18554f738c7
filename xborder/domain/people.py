"""People a case names by identity: a vehicle's owner, a party objecting to a camera record.

Their ID number and phone are personal information (PIPL Art 28): both are value objects that never
show themselves in clear (`IdNumber`, `Phone`), and the API masks the whole person from callers who
may not see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone

__all__ = ["Person"]


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a case names as the regulations require them to be named: by name, resident ID number
    and a phone on which the offices can reach them."""

    name: str
    id_number: IdNumber
    phone: Phone

    def as_dict(self) -> dict[str, str]:
        """The person as an event stores them (the plain values; masking is the readers' job)."""
        return {"name": self.name, "id_number": self.id_number.value, "phone": self.phone.value}
