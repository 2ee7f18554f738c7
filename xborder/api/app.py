"""The FastAPI application. `create_app()` is a factory: uvicorn calls it (`--factory`), so importing
this module connects to nothing; tests pass a container they built themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from fastapi import APIRouter, FastAPI

from xborder.api import hit_and_runs, objections, operations, rescues, transfers
from xborder.api.auth import TokenVerifier
from xborder.api.limits import BodySizeLimit
from xborder.api.openapi import install_openapi
from xborder.api.problems import install_problem_handlers
from xborder.api.rate_limits import install_rate_limits
from xborder.api.version_watch import VersionWatch
from xborder.api.waiting import WaitingReads
from xborder.infra.bootstrap import Container, bootstrap
from xborder.infra.settings import Settings

# Every router the service serves; the OpenAPI tests build the same document from them, without a database.
ROUTERS: Final[tuple[APIRouter, ...]] = (
    operations.router,
    transfers.router,
    objections.router,
    hit_and_runs.router,
    rescues.router,
)


def create_app(container: Container | None = None, *, run_workers: bool | None = None) -> FastAPI:
    """Build the API. Without a container, bootstrap one from the environment and own it: start its
    workers with the app (when settings say so) and close it on shutdown."""
    owned = container is None
    if container is None:
        container = bootstrap(Settings())
    start_workers = container.settings.run_workers if run_workers is None else run_workers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_workers and owned:
            container.start_workers()
        try:
            yield
        finally:
            if owned:
                container.close()

    app = FastAPI(
        title="xborder",
        version="1",
        summary="Cross-province traffic-police cooperation (跨省交通管理协作)",
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.expect_workers = start_workers
    app.state.waiting_reads = WaitingReads(container.settings.max_waiting_reads_per_caller)
    app.state.version_watch = VersionWatch(
        container.readmodels,
        container.readmodel_signals,
        poll_seconds=container.settings.read_wait_poll_seconds,
    )
    app.state.token_verifier = TokenVerifier(
        secret=container.jwt_secret,
        issuer=container.settings.jwt_issuer,
        audience=container.settings.jwt_audience,
        clock=container.clock,
    )
    install_problem_handlers(app)
    install_rate_limits(app, container.settings)
    # Each add_middleware wraps what was added before it: the body limit refuses before the rest runs.
    app.add_middleware(BodySizeLimit, max_bytes=container.settings.max_body_bytes)
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app, ROUTERS)
    return app
