"""Typed dependencies: what an endpoint uses, declared in its signature, not fetched from a locator.

The composition root puts the running service on `app.state.services` (an object with the attributes
of `ApiServices`); endpoints ask for the one piece they need — a workflow's Application, the read
models, the clock — and FastAPI hands it over, typed. Tests can override any of them per app.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from fastapi import Request

from xborder.api.presenters import Masker
from xborder.domain.application import CaseApplication
from xborder.infra.clock import Clock

A = TypeVar("A", bound=CaseApplication[Any])


class ApiServices(Protocol):
    """The parts of the running service the API reads (the root's Container provides them)."""

    @property
    def applications(self) -> Mapping[str, CaseApplication[Any]]: ...

    @property
    def clock(self) -> Clock: ...


def services(request: Request) -> ApiServices:
    found: ApiServices = request.app.state.container
    return found


def application(kind: type[A]) -> Callable[[Request], Coroutine[Any, Any, A]]:
    """A dependency giving the running Application of one workflow, e.g. `application(VehicleTransfers)`."""

    # A coroutine for the reason `get_actor` is one: a dictionary lookup is not worth a thread.
    async def dependency(request: Request) -> A:
        app = services(request).applications[kind.aggregate_type]
        assert isinstance(app, kind)
        return app

    dependency.__name__ = f"{kind.__name__}_dependency"
    return dependency


def now(request: Request) -> datetime:
    """The service's clock (injectable: tests and demos move it)."""
    return services(request).clock.now()


def masker(request: Request, kind: str) -> Masker:
    """The workflow's masker for its case documents; a kind without one is a bug, never unmasked."""
    found: Masker = request.app.state.maskers[kind]
    return found
