"""Every string of every request body is checked once, at the edge, with the field named.

The bodies are found from the routers themselves and their string fields from the bodies' JSON
schemas, so a body or a field added later is covered without touching this test: a NUL (the byte
that once stopped the service), a lone surrogate or a bidi override anywhere gets a validation error
at exactly that field's location, and arbitrary text either fails there or passes clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from xborder.api.fields import StrictBody
from xborder.domain.text import forbidden_character
from xborder.workflows.hit_and_run import router as hit_and_runs
from xborder.workflows.objection import router as objections
from xborder.workflows.rescue import router as rescues
from xborder.workflows.transfer import router as transfers

Path = tuple[str | int, ...]


def _bodies() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for module in (transfers, objections, hit_and_runs, rescues):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            for param in route.dependant.body_params:
                annotation = param.field_info.annotation
                for candidate in getattr(annotation, "__args__", (annotation,)):
                    if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                        found[candidate.__name__] = candidate
    return [found[name] for name in sorted(found)]


BODIES = _bodies()


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].split("/")[-1]]
    return schema


def _string_paths(schema: dict[str, Any], defs: dict[str, Any], path: Path = ()) -> Iterator[Path]:
    """Paths of every free-form string (not enums) in a body; list items get index 0."""
    schema = _resolve(schema, defs)
    for option in schema.get("anyOf", []):
        yield from _string_paths(option, defs, path)
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema and "const" not in schema:
        yield path
    elif kind == "array":
        yield from _string_paths(schema.get("items", {}), defs, (*path, 0))
    elif kind == "object" or "properties" in schema:
        for name, child in schema.get("properties", {}).items():
            yield from _string_paths(child, defs, (*path, name))


def _cases() -> list[tuple[type[BaseModel], Path]]:
    cases = []
    for body in BODIES:
        schema = body.model_json_schema()
        cases += [
            (body, path) for path in sorted(set(_string_paths(schema, schema.get("$defs", {}))), key=str)
        ]
    return cases


CASES = _cases()


def _nest(path: Path, value: Any) -> Any:
    """A minimal body holding `value` at `path` (other fields missing: their errors are elsewhere)."""
    for part in reversed(path):
        value = [value] if isinstance(part, int) else {part: value}
    return value


def _errors_at(body: type[BaseModel], path: Path, value: str) -> list[dict[str, Any]]:
    try:
        body.model_validate(_nest(path, value))
    except ValidationError as error:
        return [e for e in error.errors() if _location(e["loc"]) == _location(path)]
    return []


def _location(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Text errors in a list of strings are reported on the list field (with the item in the message)."""
    while loc and isinstance(loc[-1], int):
        loc = loc[:-1]
    return loc


def test_every_body_is_strict_and_has_string_fields_to_check() -> None:
    assert all(issubclass(body, StrictBody) for body in BODIES)
    assert len(BODIES) >= 25
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    "bad", ["a\x00b", "\ud800", "a\u202eb", "\x1b[2J"], ids=["nul", "surrogate", "bidi", "escape"]
)
@pytest.mark.parametrize(("body", "path"), CASES, ids=[f"{b.__name__}.{p}" for b, p in CASES])
def test_forbidden_characters_are_refused_at_the_field(body: type[BaseModel], path: Path, bad: str) -> None:
    assert _errors_at(body, path, bad), f"{body.__name__} accepted {bad!r} at {path}"


@pytest.mark.parametrize(("body", "path"), CASES, ids=[f"{b.__name__}.{p}" for b, p in CASES])
def test_huge_text_is_refused_at_the_field(body: type[BaseModel], path: Path) -> None:
    assert _errors_at(body, path, "字" * 1_000_000)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CASES), st.text(max_size=300))
def test_arbitrary_text_is_refused_at_the_field_or_is_clean(
    case: tuple[type[BaseModel], Path], text: str
) -> None:
    body, path = case
    if forbidden_character(text.strip()) is not None:
        assert _errors_at(body, path, text)
