"""Forms derived from the API's own OpenAPI document, so that a form never drifts from its command.

Every command endpoint's request schema (`app.openapi()`) becomes a tree of `FormField`s: objects are
fieldsets, enums are choices, arrays of enums checkboxes, arrays of text one-per-line text areas, arrays
of objects repeated rows, province codes province pickers, date-times local date-time inputs (Beijing
time). A submitted form is turned back into the JSON body that schema describes (`to_body`); what is
wrong with it is left to the API to say, field by field, as it says it to every other client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Final
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from xborder.domain.provinces import PROVINCE_CODES
from xborder.workflows.transfer.aggregate import USES, VEHICLE_TYPES

CST: Final = timezone(timedelta(hours=8), "CST")
# Repeated rows shown for an array of objects (a rescue's casualties and vehicles); empty rows are left out.
ROWS: Final[Mapping[str, int]] = {"casualties": 4, "vehicles": 3}
DEFAULT_ROWS: Final = 2
# Strings the API takes as free text but whose values the domain knows: offered as choices.
CHOICES: Final[Mapping[str, tuple[str, ...]]] = {"vehicle_type": VEHICLE_TYPES, "use": USES}
# Longer than this: a text area.
_SHORT_TEXT: Final = 200
_LINE_SPLIT: Final = re.compile(r"[\r\n]+")
_LOCAL_DATETIME: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a command's body. `path` is its dotted path in the body (`owner.id_number`), which
    is also its form name and the `field` the API's problems name; in a row of an array, children's
    paths are relative to the row (`casualties.0.` + `ref`)."""

    path: str
    name: str
    widget: str
    required: bool
    options: tuple[str, ...] = ()
    children: tuple[FormField, ...] = ()
    rows: int = 0
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    description: str | None = None
    example: str | None = None

    @property
    def is_group(self) -> bool:
        return self.widget in ("group", "rows")


@dataclass(frozen=True, slots=True)
class CommandForm:
    """A command endpoint: its workflow, its name (the route's: `release_archive`), the API path
    (`/v1/transfers/{case_id}/archive-release`) and the fields of its body."""

    kind: str
    name: str
    path: str
    opening: bool
    fields: tuple[FormField, ...]

    def api_path(self, case_id: str | None = None) -> str:
        return self.path.replace("{case_id}", case_id or "")

    def paths(self) -> set[str]:
        """Every path a field or group of this form renders at (rows expanded)."""
        found: set[str] = set()
        for f in self.fields:
            found |= _paths_of(f, f.path)
        return found


def _paths_of(f: FormField, path: str) -> set[str]:
    found = {path}
    if f.widget == "group":
        for child in f.children:
            found |= _paths_of(child, f"{path}.{child.name}")
    elif f.widget == "rows":
        for i in range(f.rows):
            found.add(f"{path}.{i}")
            for child in f.children:
                found |= _paths_of(child, f"{path}.{i}.{child.name}")
    return found


class FormCatalog:
    """Every workflow command's form, read once from the app's OpenAPI document. `routers`: each
    workflow's router by case kind (the routes whose request schemas the document describes)."""

    def __init__(self, app: FastAPI, routers: Mapping[str, APIRouter]) -> None:
        document = app.openapi()
        components = document.get("components", {}).get("schemas", {})
        self._forms: dict[tuple[str, str], CommandForm] = {}
        self._openings: dict[str, CommandForm] = {}
        for kind, router in routers.items():
            for route in router.routes:
                if not isinstance(route, APIRoute) or "POST" not in (route.methods or ()):
                    continue
                operation = document.get("paths", {}).get(route.path, {}).get("post")
                if operation is None:
                    continue
                content = operation.get("requestBody", {}).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                fields = _fields(schema, components, prefix="") if schema else ()
                opening = route.path == router.prefix
                form = CommandForm(kind, route.name, route.path, opening, fields)
                self._forms[(kind, route.name)] = form
                if opening:
                    self._openings[kind] = form

    def command(self, kind: str, name: str) -> CommandForm | None:
        return self._forms.get((kind, name))

    def opening(self, kind: str) -> CommandForm | None:
        return self._openings.get(kind)

    def names(self, kind: str) -> list[str]:
        return [name for (k, name), form in self._forms.items() if k == kind and not form.opening]


def _resolve(schema: Mapping[str, Any], components: Mapping[str, Any]) -> dict[str, Any]:
    """A property's schema with `$ref`s followed and `anyOf [X, null]` reduced to X (the outer
    schema's title, description and default kept)."""
    current: dict[str, Any] = dict(schema)
    for _ in range(10):
        if "$ref" in current:
            name = str(current.pop("$ref")).rsplit("/", 1)[-1]
            current = {**components.get(name, {}), **current}
            continue
        if "anyOf" in current:
            members = [m for m in current.pop("anyOf") if m.get("type") != "null"]
            if len(members) == 1:
                current = {**members[0], **current}
                continue
        break
    return current


def _fields(schema: Mapping[str, Any], components: Mapping[str, Any], prefix: str) -> tuple[FormField, ...]:
    resolved = _resolve(schema, components)
    required = set(resolved.get("required", ()))
    return tuple(
        _field(name, prop, components, prefix, name in required)
        for name, prop in resolved.get("properties", {}).items()
    )


def _is_province(schema: Mapping[str, Any]) -> bool:
    examples = schema.get("examples") or ()
    return schema.get("maxLength") == 6 and any(str(e) in PROVINCE_CODES for e in examples)


def _field(
    name: str, prop: Mapping[str, Any], components: Mapping[str, Any], prefix: str, required: bool
) -> FormField:
    schema = _resolve(prop, components)
    path = f"{prefix}{name}"
    common: dict[str, Any] = {
        "path": path,
        "name": name,
        "required": required,
        "description": schema.get("description"),
        "example": str(schema["examples"][0]) if schema.get("examples") else None,
    }
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return FormField(widget="group", children=_fields(schema, components, f"{path}."), **common)
    if kind == "array":
        items = _resolve(schema.get("items", {}), components)
        if "enum" in items:
            return FormField(widget="choices", options=tuple(map(str, items["enum"])), **common)
        if _is_province(items):
            return FormField(widget="provinces", **common)
        if items.get("type") == "object" or "properties" in items:
            children = _fields(items, components, prefix="")
            return FormField(widget="rows", children=children, rows=ROWS.get(name, DEFAULT_ROWS), **common)
        return FormField(widget="lines", **common)
    if "enum" in schema:
        return FormField(widget="choice", options=tuple(map(str, schema["enum"])), **common)
    if name in CHOICES:
        return FormField(widget="choice", options=CHOICES[name], **common)
    if kind == "boolean":
        return FormField(widget="yesno" if required else "checkbox", **common)
    if kind in ("integer", "number"):
        return FormField(widget=kind, minimum=schema.get("minimum"), maximum=schema.get("maximum"), **common)
    if schema.get("format") == "date-time":
        return FormField(widget="datetime", **common)
    if _is_province(schema):
        return FormField(widget="province", **common)
    max_length = schema.get("maxLength")
    widget = "textarea" if max_length is not None and max_length > _SHORT_TEXT else "text"
    return FormField(widget=widget, max_length=max_length, **common)


# ---------------------------------------------------------------------------------- submitted forms

FormData = dict[str, list[str]]


def parse_urlencoded(raw: bytes) -> FormData:
    """An `application/x-www-form-urlencoded` body as name -> values (no multipart: the console's
    forms carry no files)."""
    data: FormData = {}
    for name, value in parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True):
        data.setdefault(name, []).append(value)
    return data


def first(data: Mapping[str, Sequence[str]], name: str) -> str:
    values = data.get(name) or [""]
    return values[0].strip()


@dataclass
class Body:
    """What a form gives the API: the JSON body, and how rows were renumbered (empty rows are left
    out), so that a problem naming `casualties.1.ref` is shown at the row the user filled."""

    json: dict[str, Any]
    renamed: dict[str, str] = field(default_factory=dict)

    def form_path(self, api_path: str | None) -> str:
        if not api_path:
            return ""
        for sent, shown in sorted(self.renamed.items(), key=lambda item: -len(item[0])):
            if api_path == sent or api_path.startswith(sent + "."):
                return shown + api_path[len(sent) :]
        return api_path


def to_body(fields: Iterable[FormField], data: Mapping[str, Sequence[str]]) -> Body:
    body = Body(json={})
    for f in fields:
        present, value = _value(f, data, f.path, body)
        if present:
            body.json[f.name] = value
    return body


def _value(f: FormField, data: Mapping[str, Sequence[str]], path: str, body: Body) -> tuple[bool, Any]:
    if f.widget == "group":
        group: dict[str, Any] = {}
        for child in f.children:
            present, value = _value(child, data, f"{path}.{child.name}", body)
            if present:
                group[child.name] = value
        return (bool(group) or f.required), group
    if f.widget == "rows":
        items: list[dict[str, Any]] = []
        for i in range(f.rows):
            row: dict[str, Any] = {}
            for child in f.children:
                present, value = _value(child, data, f"{path}.{i}.{child.name}", body)
                if present:
                    row[child.name] = value
            if row:
                if len(items) != i:
                    body.renamed[f"{path}.{len(items)}"] = f"{path}.{i}"
                items.append(row)
        return (bool(items) or f.required), items
    values = [v.strip() for v in data.get(path, ())]
    if f.widget in ("choices", "provinces"):
        chosen = [v for v in values if v]
        return (bool(chosen) or f.required), chosen
    raw = values[0] if values else ""
    if f.widget == "lines":
        lines = [line.strip() for line in _LINE_SPLIT.split(raw) if line.strip()]
        return (bool(lines) or f.required), lines
    if f.widget == "checkbox":
        return (raw in ("true", "on")), True
    if not raw:
        return False, None
    if f.widget == "yesno":
        return True, {"true": True, "false": False}.get(raw, raw)
    if f.widget == "integer":
        return True, _number(raw, int)
    if f.widget == "number":
        return True, _number(raw, float)
    if f.widget == "datetime":
        return True, local_to_rfc3339(raw)
    return True, raw


def _number(raw: str, kind: type[int] | type[float]) -> Any:
    """The number typed, or the text itself for the API to refuse naming the field."""
    try:
        return kind(raw)
    except ValueError:
        return raw


def local_to_rfc3339(raw: str) -> str:
    """`2026-11-20T14:52` typed in a date-time input means Beijing time: `2026-11-20T14:52:00+08:00`.
    Anything else is passed on as typed, for the API to judge."""
    if _LOCAL_DATETIME.match(raw):
        return (raw if raw.count(":") == 2 else raw + ":00") + "+08:00"
    return raw


def rfc3339_to_local(value: datetime) -> str:
    """A moment as a date-time input's value, in Beijing time."""
    return value.astimezone(CST).strftime("%Y-%m-%dT%H:%M")
