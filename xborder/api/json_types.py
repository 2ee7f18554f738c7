"""A request body's values must have the JSON types its schema says: booleans, numbers, strings.

FastAPI hands pydantic the parsed JSON as Python objects, and pydantic's default (lax) mode then turns
`0` into `false`, `"12"` into `12`, `"1.5"` into `1.5` and the number `0` into 1970-01-01T00:00:00Z. The
OpenAPI document promises `boolean`, `integer`, `number` and `string` (`date-time`); a client that sends
`"accepted": 0` or a Unix time has a bug we should tell it about, not guess around. Strict mode for the
whole model is no answer: it would also refuse the ISO date-time strings, UUIDs and enum values that
JSON can only carry as strings. So the scalar validators are made strict, and the date and time ones
take strings only, in the model's core schema, once for every body (`StrictBody`). JSON Schema counts
`3.0` as an integer, so an integer field still takes a number without a fraction.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic_core import PydanticCustomError, core_schema

__all__ = ["strict_json_scalars"]

_STRICT_AS_IS: Final = frozenset({"bool", "float"})  # a strict float still takes a JSON integer
_STRINGS_ONLY: Final = frozenset({"datetime", "date", "time"})


def strict_json_scalars(schema: Any) -> Any:
    """A copy of a pydantic core schema in which every bool, int and float validator is strict and
    every date, time and date-time validator takes only strings."""
    if isinstance(schema, list):
        return [strict_json_scalars(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict_json_scalars(value) for key, value in schema.items()}
    kind = result.get("type")
    if kind in _STRICT_AS_IS:
        result["strict"] = True
    elif kind == "int":
        strict_int: core_schema.IntSchema = {**result, "strict": True}  # type: ignore[typeddict-item]
        return core_schema.no_info_before_validator_function(_whole_number_as_int, strict_int)
    elif kind in _STRINGS_ONLY:
        return core_schema.no_info_before_validator_function(_string_only, result)
    return result


def _whole_number_as_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _string_only(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a string in RFC 3339 form")
    return value
