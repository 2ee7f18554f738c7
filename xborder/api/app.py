"""The FastAPI application, built from the running service and the routers the composition root hands
it (`xborder.service.create_app` is the factory uvicorn calls). The API never imports the root: what
it serves and what it reads arrive as arguments."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI

from xborder.api.auth import TokenVerifier
from xborder.api.limits import BodySizeLimit
from xborder.api.openapi import install_openapi
from xborder.api.overload import OverloadGuard
from xborder.api.presenters import Masker
from xborder.api.problems import install_problem_handlers
from xborder.api.rate_limits import install_rate_limits
from xborder.api.shedding import LoadShedding
from xborder.api.version_watch import VersionWatch
from xborder.api.waiting import WaitingReads

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_app(
    container: Any,
    *,
    routers: Sequence[APIRouter],
    maskers: Mapping[str, Masker],
    expect_workers: bool,
    lifespan: Lifespan | None = None,
) -> FastAPI:
    """The API over `container` (the root's Container: settings, read models, Applications...).
    `maskers`: each workflow's masker by case kind (required: no case is shown unmasked);
    `expect_workers`: /readyz reports not ready while no worker runs."""
    app = FastAPI(
        title="xborder",
        version="1",
        summary="Cross-province traffic-police cooperation (跨省交通管理协作)",
        lifespan=lifespan,
        # The service's metrics are Prometheus's (/metrics), and it traces nothing. FastAPI's native
        # OpenTelemetry, on by default, asked the global tracer, meter and logger providers on every
        # request whether any was configured: a twentieth of the event loop's CPU under the bench's reads.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.container = container
    app.state.expect_workers = expect_workers
    app.state.maskers = dict(maskers)
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
    # Outermost: a request the service cannot take is refused before anything else runs.
    settings = container.settings
    guard = (
        OverloadGuard(target=settings.overload_latency_seconds, floor=settings.overload_min_in_progress)
        if settings.overload_latency_seconds > 0
        else None
    )
    app.state.overload_guard = guard
    app.add_middleware(LoadShedding, max_waiting=settings.max_requests_waiting, guard=guard)
    for router in routers:
        app.include_router(router)
    install_openapi(app, routers)
    return app
