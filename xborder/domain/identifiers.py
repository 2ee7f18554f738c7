"""What the identifiers the domain validates (plates, VINs, ID numbers, phones) have in common.

Each is text, normalised from user input by `parse` and checked again on construction, so an instance
in memory (built by hand, or rebuilt from an event) is always valid; each error carries the kind's
stable code and the field it came from. One skeleton keeps those rules from drifting apart kind by
kind; a kind says only what makes a value wrong. Personal identifiers (PIPL Art 28) show themselves
only masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Self

from xborder.domain.errors import InvalidValue

__all__ = ["Identifier", "PersonalIdentifier", "text_of"]

_ASCII_UPPER: Final = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def text_of(raw: object, *, code: str, field: str) -> str:
    """`raw` itself if it is text: input decoded from JSON may be anything."""
    if not isinstance(raw, str):
        raise InvalidValue(f"expected text, got {type(raw).__name__}", code=code, field=field)
    return raw


def _ascii_upper(text: str) -> str:
    """Upper-cases ASCII letters only: str.upper() would rewrite some non-ASCII letters (ß → SS)."""
    return text.translate(_ASCII_UPPER)


@dataclass(frozen=True, slots=True)
class Identifier:
    """A valid, normalised identifier; construct with `parse` to accept user input.

    A kind subclasses this with how messages name it, the field it is given in (its errors' code is
    "<field>.invalid") and, for a fixed-length kind, its length: `class Vin(Identifier, name="VIN",
    field="vin", length=17)`, with `__slots__ = ()` so that it stays frozen, and says what makes a
    value wrong (`problem`).
    """

    value: str

    NAME: ClassVar[str]
    FIELD: ClassVar[str]
    CODE: ClassVar[str]
    LENGTH: ClassVar[int | None]

    def __init_subclass__(cls, *, name: str, field: str, length: int | None = None) -> None:
        # Named: `slots=True` re-creates this class, and `super()` would name the one it replaced.
        super(Identifier, cls).__init_subclass__()
        cls.NAME, cls.FIELD, cls.CODE, cls.LENGTH = name, field, f"{field}.invalid", length

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            problem: str | None = f"{self.NAME} must be text"
        elif self.LENGTH is not None and len(self.value) != self.LENGTH:
            problem = f"{self.NAME} must have {self.LENGTH} characters, got {len(self.value)}"
        else:
            problem = self.problem(self.value)
        if problem is not None:
            raise InvalidValue(problem, code=self.CODE, field=self.FIELD)

    @classmethod
    def parse(cls, raw: str) -> Self:
        return cls(cls.normalise(text_of(raw, code=cls.CODE, field=cls.FIELD)))

    @staticmethod
    def normalise(text: str) -> str:
        """User input as identifiers are stored: without the white space around it, and with its
        letters upper-cased (plates and VINs are written in capitals, as is an ID number's final X)."""
        return _ascii_upper(text.strip())

    @staticmethod
    def problem(value: str) -> str | None:
        """What is wrong with a value of the right length, or None if it is valid. Details describe
        the fault, never a personal value itself."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.value


class PersonalIdentifier:
    """Mixed into an identifier that is personal information, before `Identifier`
    (`class Phone(PersonalIdentifier, Identifier, ...)`): its repr, and so every log line, shows it
    masked."""

    __slots__ = ()
    value: str

    def masked(self) -> str:
        """The value as logs and answers to callers who may not see it show it."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.masked()!r})"
