"""What every workflow's router shares: the command answer model, the `{}` body, the clock, the two
read endpoints (list and get), registered once per workflow by `add_read_routes`, and the way its
commands are declared (`CaseCommands`)."""

# No `from __future__ import annotations` here: FastAPI must see the status enum passed to
# `add_read_routes`, and the body models passed to `CaseCommands`, as real classes in the endpoint
# signatures it builds.

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar, cast
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xborder.api.auth import ActorDep
from xborder.api.deps import application, now
from xborder.api.fields import StrictBody
from xborder.api.http_commands import run_command
from xborder.api.reads import list_cases, read_case
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

    def list_of_kind(
        request: Request,
        actor: ActorDep,
        status: statuses | None = None,  # type: ignore[valid-type]  # a class chosen at runtime
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, object]:
        return list_cases(request, actor, kind, str(status) if status else None, page, page_size)

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
OnCase = Callable[[A, UUID, B, Command], CaseAggregate]


class CaseCommands(Generic[A]):
    """Declares a workflow's commands, each as the call it makes on the workflow's Application:

        commands = CaseCommands(router, VehicleTransfers)

        @commands.on_case("/withdrawal", WithdrawalIn)
        def withdraw_transfer(transfers: VehicleTransfers, case_id: UUID, body: WithdrawalIn, c: Command):
            return transfers.withdraw(case_id, body.reason, **c.kwargs())

    registers `POST /{case_id}/withdrawal` named (operation and OpenAPI id) after the function, described
    by its docstring, answering `CommandResult`. `NoFields` as the body means `{}` or no body at all.
    """

    def __init__(self, router: APIRouter, kind: type[A]) -> None:
        self.router = router
        self.dependency = application(kind)

    def opening(self, model: type[B]) -> Callable[[Opening[A, B]], Opening[A, B]]:
        """`POST ""`: opens a case, answering 201 with its `Location`."""

        def register(perform: Opening[A, B]) -> Opening[A, B]:
            def endpoint(
                body: model,  # type: ignore[valid-type]  # a class chosen at runtime
                request: Request,
                actor: ActorDep,
                app: Annotated[Any, Depends(self.dependency)],
            ) -> JSONResponse:
                return run_command(
                    request,
                    actor,
                    body,
                    lambda o: perform(app, body, Command(actor, now(request), {"save_with": o.save_with})),
                    created=True,
                )

            self._add("", endpoint, perform, status_code=201)
            return perform

        return register

    def on_case(self, path: str, model: type[B]) -> Callable[[OnCase[A, B]], OnCase[A, B]]:
        """`POST /{case_id}<path>`: a command on an existing case (honouring If-Match)."""

        def register(perform: OnCase[A, B]) -> OnCase[A, B]:
            def run(case_id: UUID, body: B, request: Request, actor: Actor, app: A) -> JSONResponse:
                return run_command(
                    request,
                    actor,
                    body,
                    lambda o: perform(app, case_id, body, Command(actor, now(request), o.kwargs())),
                )

            def with_body(
                case_id: UUID,
                body: model,  # type: ignore[valid-type]  # a class chosen at runtime
                request: Request,
                actor: ActorDep,
                app: Annotated[Any, Depends(self.dependency)],
            ) -> JSONResponse:
                return run(case_id, body, request, actor, app)

            def empty_body(
                case_id: UUID,
                request: Request,
                actor: ActorDep,
                app: Annotated[Any, Depends(self.dependency)],
                body: EmptyBody = None,
            ) -> JSONResponse:
                return run(case_id, cast(B, body or model()), request, actor, app)

            endpoint = empty_body if model is NoFields else with_body
            self._add(f"/{{case_id}}{path}", endpoint, perform)
            return perform

        return register

    def _add(
        self,
        path: str,
        endpoint: Callable[..., JSONResponse],
        perform: Callable[..., Any],
        status_code: int | None = None,
    ) -> None:
        endpoint.__doc__ = perform.__doc__
        self.router.add_api_route(
            path,
            endpoint,
            methods=["POST"],
            status_code=status_code,
            response_model=CommandResult,
            name=perform.__name__,
        )
