"""`null` for an optional field means "absent": most JSON clients serialise a missing value as `null`.

Two halves of one rule, both applied by `StrictBody` to every request body: `without_null_optionals`
drops an explicit `null` for a field that has a default (so the default applies, exactly as if the field
had been left out), and `allow_null_in_optional_properties` makes the body's JSON schema say so, so that
OpenAPI clients and generated tests know. A required field's `null` is left alone and refused as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic.fields import FieldInfo

__all__ = ["allow_null_in_optional_properties", "without_null_optionals"]

_NULL: Final = {"type": "null"}
# Annotations about the property as a whole: they stay outside the `anyOf` so that tools still show them.
_ANNOTATION_KEYS: Final = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)


def without_null_optionals(fields: Mapping[str, FieldInfo], data: Any) -> Any:
    """`data` without the keys of optional fields whose value is `null`; anything else unchanged.

    Only a mapping is touched: a body that is not an object is left for pydantic to refuse."""
    if not isinstance(data, Mapping):
        return data
    optional = _optional_keys(fields)
    if not any(data[key] is None for key in optional.intersection(data)):
        return data
    return {key: value for key, value in data.items() if not (value is None and key in optional)}


def allow_null_in_optional_properties(schema: dict[str, Any]) -> None:
    """Rewrite, in place, an object schema so that every property not listed in `required` also admits
    `null`. Properties that already admit it are left as they are."""
    required = set(schema.get("required", ()))
    properties: dict[str, Any] = schema.get("properties", {})
    for name, prop in properties.items():
        if name not in required and not admits_null(prop):
            properties[name] = _or_null(prop)


def admits_null(prop: Mapping[str, Any]) -> bool:
    """Whether a property schema, as pydantic and FastAPI write them, accepts `null`."""
    kind = prop.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(admits_null(branch) for branch in prop.get("anyOf", ()) if isinstance(branch, Mapping))


def _or_null(prop: Mapping[str, Any]) -> dict[str, Any]:
    annotations = {key: value for key, value in prop.items() if key in _ANNOTATION_KEYS}
    value_schema = {key: value for key, value in prop.items() if key not in _ANNOTATION_KEYS}
    if not value_schema:  # `{}` admits anything, null included
        return dict(prop)
    if list(value_schema) == ["anyOf"]:
        return {**annotations, "anyOf": [*value_schema["anyOf"], dict(_NULL)]}
    return {**annotations, "anyOf": [value_schema, dict(_NULL)]}


def _optional_keys(fields: Mapping[str, FieldInfo]) -> frozenset[str]:
    keys: set[str] = set()
    for name, info in fields.items():
        if not info.is_required():
            keys.add(name)
            if isinstance(info.alias, str):
                keys.add(info.alias)
    return frozenset(keys)
