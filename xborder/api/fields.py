"""Request field types: identifiers validated at the edge by the domain's own parsers.

A parser failure raises the domain's InvalidValue (a ValueError with a stable code), which pydantic
reports with the field's location; the problem handler turns it into a 422 naming field and code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from xborder.api.json_types import strict_json_scalars
from xborder.api.nullable import allow_null_in_optional_properties, without_null_optionals
from xborder.api.trimmed import say_non_blank
from xborder.domain.errors import InvalidValue
from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.domain.text import check_text
from xborder.domain.vins import Vin


class StrictBody(BaseModel):
    """Unknown fields are refused (no mass assignment); strings are trimmed; every string of every
    body is checked once, here, before anything else sees it (`xborder.domain.text`): control
    characters, unpaired surrogates and over-long text get 422 naming the field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _null_means_absent(cls, data: Any) -> Any:
        """An explicit `null` for an optional field is treated as leaving it out (`api/nullable.py`)."""
        return without_null_optionals(cls.model_fields, data)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler, /
    ) -> JsonSchemaValue:
        """The schema says what `_null_means_absent` does (every optional property admits `null`) and
        what trimming does (a text that must not be empty must not be blank: `api/trimmed.py`)."""
        json_schema = handler(core_schema)
        own = handler.resolve_ref_schema(json_schema)
        allow_null_in_optional_properties(own)
        say_non_blank(own)
        return json_schema

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler, /) -> CoreSchema:
        """Booleans, numbers and date-times are taken only as the JSON types the schema names: no
        `0` for `false`, no `"12"` for 12, no Unix time for a date-time (`api/json_types.py`)."""
        schema: CoreSchema = strict_json_scalars(handler(source))
        return schema

    @field_validator("*", mode="before")
    @classmethod
    def _only_printable_text(cls, value: Any) -> Any:
        _check_strings(value, item=None)
        return value


def _check_strings(value: Any, *, item: str | None) -> None:
    """Strings directly in a field or in its lists; nested bodies check their own fields."""
    if isinstance(value, str):
        try:
            check_text(value)
        except InvalidValue as error:
            if item is None:
                raise
            raise InvalidValue(f"item {item} {error.detail}", code=error.code) from None
    elif isinstance(value, list | tuple):
        for index, element in enumerate(value):
            _check_strings(element, item=str(index) if item is None else f"{item}.{index}")


# Room for a plate as people type it (full-width, dots, spaces: "川 Ａ·１２３４５"); what is stored is the
# canonical form, at most 8 characters.
PlateStr = Annotated[
    str, AfterValidator(lambda v: Plate.parse(v).value), Field(examples=["川A12345"], max_length=32)
]
VinStr = Annotated[str, AfterValidator(lambda v: Vin.parse(v).value), Field(examples=["1M8GDM9AXKP042788"])]
IdNumberStr = Annotated[
    str,
    AfterValidator(lambda v: IdNumber.parse(v).value),
    Field(examples=["11010519491231002X"], max_length=32),
]
PhoneStr = Annotated[
    str, AfterValidator(lambda v: Phone.parse(v).value), Field(examples=["13812345678"], max_length=20)
]
ProvinceCode = Annotated[
    str, AfterValidator(lambda v: province_by_code(v).code), Field(examples=["500000"], max_length=6)
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=2000)]
# A short name of a thing: a road, a police unit, a hospital, an insurer, a policy.
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# `Text` that must say something: a request to another province, the reason for a decision.
Statement = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


# Bodies several workflows take, declared once so that they keep one shape (and one OpenAPI schema).
# No docstrings: a model's docstring is its schema's description, and the contract is as it was.


class PlaceIn(StrictBody):
    # Where on the road network: the accident a rescue answers, the incident a hit-and-run investigates.
    road: Label = Field(examples=["G85 渝昆高速"])
    km: float | None = Field(default=None, ge=0, le=10_000)
    # China's extent: keeps swapped or mistyped coordinates out
    lat: float | None = Field(default=None, ge=3, le=54)
    lon: float | None = Field(default=None, ge=73, le=136)


P = TypeVar("P")


class PersonIn(StrictBody):
    # Whom a case is about (a transfer's owner, an objection's party): each workflow names its own
    # subclass, so the schemas keep their names.
    name: Name
    id_number: IdNumberStr
    phone: PhoneStr

    def as_(self, person: Callable[[str, IdNumber, Phone], P]) -> P:
        """The workflow's own person, e.g. `body.owner.as_(Owner)`, with the identifiers parsed."""
        return person(self.name, IdNumber.parse(self.id_number), Phone.parse(self.phone))


class WithdrawalIn(StrictBody):
    reason: Text = ""
