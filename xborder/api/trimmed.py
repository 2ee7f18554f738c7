"""A body's strings are trimmed before their length is checked, and the schema must say what follows.

`StrictBody` strips leading and trailing whitespace, so a required name of `" "` becomes `""` and fails
`minLength: 1`, although `" "` itself satisfies that JSON Schema keyword. Every text field that must not
be empty (all of them say `minLength: 1`) therefore also gets `pattern: "\\S"`: at least one character
that is not whitespace, which is exactly what survives trimming. A field with a pattern of its own
already excludes blank text (the violation code's `^\\d{4,5}$`) and is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["NON_BLANK", "say_non_blank"]

NON_BLANK: Final = r"\S"
_NESTED: Final = ("anyOf", "oneOf", "allOf")


def say_non_blank(schema: dict[str, Any]) -> None:
    """Add `pattern: \\S`, in place, to every string schema of an object schema's properties (and of
    their array items and alternatives) that requires at least one character and has no pattern."""
    for prop in schema.get("properties", {}).values():
        _visit(prop)


def _visit(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and schema.get("minLength", 0) >= 1 and "pattern" not in schema:
        schema["pattern"] = NON_BLANK
    for key in _NESTED:
        for branch in schema.get(key, ()):
            _visit(branch)
    items = schema.get("items")
    if isinstance(items, Mapping):
        _visit(items)
