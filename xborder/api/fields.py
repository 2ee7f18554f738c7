"""Request field types: identifiers validated at the edge by the domain's own parsers.

A parser failure raises the domain's InvalidValue (a ValueError with a stable code), which pydantic
reports with the field's location; the problem handler turns it into a 422 naming field and code.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.domain.vins import Vin


class StrictBody(BaseModel):
    """Unknown fields are refused (no mass assignment); strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


PlateStr = Annotated[
    str, AfterValidator(lambda v: Plate.parse(v).value), Field(examples=["川A12345"], max_length=16)
]
VinStr = Annotated[str, AfterValidator(lambda v: Vin.parse(v).value), Field(examples=["1M8GDM9AXKP042788"])]
IdNumberStr = Annotated[str, AfterValidator(lambda v: IdNumber.parse(v).value), Field(max_length=32)]
PhoneStr = Annotated[str, AfterValidator(lambda v: Phone.parse(v).value), Field(max_length=20)]
ProvinceCode = Annotated[
    str, AfterValidator(lambda v: province_by_code(v).code), Field(examples=["500000"], max_length=6)
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=2000)]
