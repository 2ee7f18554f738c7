"""What every workflow's router shares: the command answer model, the `{}` body, the clock, the two
read endpoints (list and get), and the way its commands are declared: one `CaseCommands` builds a
workflow's router, its read endpoints and one endpoint per command.

A command on an existing case is declared as the Application method it calls; its body's fields are
that method's arguments, by name (checked when the router is built), so a router states only what is
particular to a command: its path, its body and any conversion of a field to a domain value."""

# No `from __future__ import annotations` here: FastAPI must see the status enum passed to
# `add_read_routes`, and the body models passed to `CaseCommands`, as real classes in the endpoint
# signatures it builds.

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Concatenate, Generic, TypeVar
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xborder.api.auth import ActorDep
from xborder.api.deps import application, now
from xborder.api.fields import StrictBody
from xborder.api.http_commands import CommandOptions, run_command
from xborder.api.reads import list_cases, read_case
from xborder.api.threads import run_blocking
from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication
from xborder.domain.cases import CaseAggregate

# The deepest page a list serves. Beyond it the page would not fit PostgreSQL's OFFSET (a bigint) or
# would cost a scan of every case before it; 1,000,000 pages of 200 is far more than a province holds,
# so a page past the data still answers an empty page, and only nonsense is refused (422 naming `page`).
MAX_PAGE = 1_000_000


class CommandResult(BaseModel):
    id: UUID
    version: int
    status: str


class NoFields(StrictBody):
    """`{}` (or no body at all)."""


EmptyBody = Annotated[NoFields | None, Body()]


def add_read_routes(router: APIRouter, kind: str, statuses: type[StrEnum]) -> None:
    """`GET ""` (the caller's province's cases of this kind, newest first) and `GET /{case_id}` (one
    case, optionally waiting for `min_version`: asynchronous, so a waiting read holds no thread)."""

    async def list_of_kind(
        request: Request,
        actor: ActorDep,
        status: statuses | None = None,  # type: ignore[valid-type]  # a class chosen at runtime
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, object]:
        return await run_blocking(
            list_cases, request, actor, kind, str(status) if status else None, page, page_size
        )

    async def one_of_kind(
        case_id: UUID,
        request: Request,
        actor: ActorDep,
        min_version: Annotated[int | None, Query(ge=1)] = None,
        wait: Annotated[float, Query(ge=0, le=10)] = 0,
    ) -> JSONResponse:
        return await read_case(request, actor, case_id, kind, min_version, wait)

    router.add_api_route("", list_of_kind, methods=["GET"], name=f"list_{kind}")
    router.add_api_route("/{case_id}", one_of_kind, methods=["GET"], name=f"get_{kind}")


A = TypeVar("A", bound=CaseApplication[Any])
B = TypeVar("B", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Command:
    """Who runs a command and when, with what HTTP adds (`save_with`, and on an existing case the
    If-Match `expected_version`): `**command.kwargs()` passes all of it on to the Application."""

    actor: Actor
    at: datetime
    options: dict[str, Any]

    def kwargs(self) -> dict[str, Any]:
        return {"actor": self.actor, "at": self.at, **self.options}


Opening = Callable[[A, B, Command], CaseAggregate]
# An Application method running a command on one case: `(app, case_id, <the body's fields>, **command)`.
CaseMethod = Callable[Concatenate[A, UUID, ...], CaseAggregate]
# Per body field, what turns its value into the domain value the method takes (`{"amount": Money}`).
Conversions = Mapping[str, Callable[[Any], object]]

# What every command method takes besides its own arguments: `Command.kwargs()`.
_COMMAND_KEYWORDS = frozenset({"actor", "at", "expected_version", "save_with"})
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class CaseCommands(Generic[A]):
    """A workflow's router (`.router`, the one its `WorkflowSpec` names): the two read endpoints, then
    its commands, each declared as the call it makes on the workflow's Application:

        commands = CaseCommands(VehicleTransfers, "/v1/transfers", "...", kind="transfer", statuses=...)

        @commands.body_of("/archive-release", VehicleTransfers.release_archive)
        class ArchiveReleaseIn(StrictBody):
            archive_ref: Ref

        commands.on_case("/withdrawal", VehicleTransfers.withdraw, WithdrawalIn, name="withdraw_transfer")

    registers `POST /{case_id}/archive-release`, which calls
    `transfers.release_archive(case_id, archive_ref=body.archive_ref, **command.kwargs())`, named
    (operation and OpenAPI id) after the method unless `name` says otherwise, described by `doc`,
    answering `CommandResult`. `NoFields` (the default body) means `{}` or no body at all. Opening a
    case builds a domain object from the whole body, so it is a function (`opening`).
    """

    def __init__(
        self, app_type: type[A], prefix: str, tag: str, *, kind: str, statuses: type[StrEnum]
    ) -> None:
        self.router = APIRouter(prefix=prefix, tags=[tag])
        self.dependency = application(app_type)
        add_read_routes(self.router, kind, statuses)

    def opening(self, model: type[B]) -> Callable[[Opening[A, B]], Opening[A, B]]:
        """`POST ""`: opens a case, answering 201 with its `Location`; named and described after the
        decorated function."""

        def register(perform: Opening[A, B]) -> Opening[A, B]:
            async def endpoint(
                body: model,  # type: ignore[valid-type]  # a class chosen at runtime
                request: Request,
                actor: ActorDep,
                app: Annotated[Any, Depends(self.dependency)],
            ) -> JSONResponse:
                return await run_blocking(
                    run_command,
                    request,
                    actor,
                    body,
                    lambda o: perform(app, body, Command(actor, now(request), {"save_with": o.save_with})),
                    created=True,
                )

            self._add("", endpoint, perform.__name__, perform.__doc__, status_code=201)
            return perform

        return register

    def body_of(
        self,
        path: str,
        method: CaseMethod[A],
        *,
        name: str | None = None,
        doc: str | None = None,
        convert: Conversions | None = None,
    ) -> Callable[[type[B]], type[B]]:
        """`on_case` as a decorator of its body model: the model, declared where its command is."""

        def register(model: type[B]) -> type[B]:
            self.on_case(path, method, model, name=name, doc=doc, convert=convert)
            return model

        return register

    def on_case(
        self,
        path: str,
        method: CaseMethod[A],
        model: type[BaseModel] = NoFields,
        *,
        name: str | None = None,
        doc: str | None = None,
        convert: Conversions | None = None,
    ) -> None:
        """`POST /{case_id}<path>`: a command on an existing case (honouring If-Match), calling `method`
        with each of `model`'s fields as the keyword argument of the same name, through `convert`
        where it names the field."""
        conversions = dict(convert or {})
        fields = tuple(model.model_fields)
        _check_arguments(method, model, conversions)

        async def run(case_id: UUID, body: BaseModel, request: Request, actor: Actor, app: A) -> JSONResponse:
            def perform(options: CommandOptions) -> CaseAggregate:
                arguments = {
                    field: conversions.get(field, _unchanged)(getattr(body, field)) for field in fields
                }
                return method(app, case_id, **arguments, actor=actor, at=now(request), **options.kwargs())

            return await run_blocking(run_command, request, actor, body, perform)

        async def with_body(
            case_id: UUID,
            body: model,  # type: ignore[valid-type]  # a class chosen at runtime
            request: Request,
            actor: ActorDep,
            app: Annotated[Any, Depends(self.dependency)],
        ) -> JSONResponse:
            return await run(case_id, body, request, actor, app)

        async def empty_body(
            case_id: UUID,
            request: Request,
            actor: ActorDep,
            app: Annotated[Any, Depends(self.dependency)],
            body: EmptyBody = None,
        ) -> JSONResponse:
            return await run(case_id, body or model(), request, actor, app)

        endpoint = empty_body if model is NoFields else with_body
        self._add(f"/{{case_id}}{path}", endpoint, name or method.__name__, doc)

    def _add(
        self,
        path: str,
        endpoint: Callable[..., Awaitable[JSONResponse]],
        name: str,
        doc: str | None,
        status_code: int | None = None,
    ) -> None:
        endpoint.__doc__ = doc
        self.router.add_api_route(
            path,
            endpoint,
            methods=["POST"],
            status_code=status_code,
            response_model=CommandResult,
            name=name,
        )


def _unchanged(value: object) -> object:
    return value


def _check_arguments(method: Callable[..., Any], model: type[BaseModel], conversions: Conversions) -> None:
    """Fields and arguments are matched by name, so a renamed argument or field must fail when the
    router is built (at import), not as a 500 on the first request: every field must be a named
    argument of `method`, and every argument it requires must be a field."""
    parameters = list(inspect.signature(method).parameters.values())[2:]  # after the app and case_id
    named = {p.name for p in parameters if p.kind in _NAMED} - _COMMAND_KEYWORDS
    required = {p.name for p in parameters if p.kind in _NAMED and p.default is p.empty} - _COMMAND_KEYWORDS
    fields = set(model.model_fields)
    unknown = (fields - named) | (set(conversions) - fields)
    missing = required - fields
    if unknown or missing:
        raise TypeError(
            f"{method.__qualname__} cannot take the fields of {model.__name__}: "
            f"no argument for {sorted(unknown)}, no field for {sorted(missing)}"
        )
