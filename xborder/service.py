"""The service's ASGI app, as `xborder serve` and uvicorn (`--factory`) start it: bootstrap from the
environment, serve every workflow's router, run the workers with the app and close them with it.

Importing this module connects to nothing; tests pass a container they built themselves.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from fastapi import APIRouter, FastAPI

from xborder.api import across_workflows, audit_routes, health, privacy_routes
from xborder.api.app import build_app
from xborder.bootstrap import WORKER_KINDS, Container, bootstrap
from xborder.console.mount import install_console
from xborder.consumers.status_file import STATUS_FILE_ENV
from xborder.infra.collector import settle_after_start
from xborder.infra.settings import Settings
from xborder.workflows.registry import WORKFLOWS

# Every router the service serves; the OpenAPI tests build the same document from them, without a database.
ROUTERS: Final[tuple[APIRouter, ...]] = (
    health.router,
    across_workflows.router,
    audit_routes.router,
    privacy_routes.router,
    *(spec.router for spec in WORKFLOWS),
)


def create_app(container: Container | None = None, *, run_workers: bool | None = None) -> FastAPI:
    """Without a container, bootstrap one from the environment and own it: start its workers with the
    app (when settings say so) and close it on shutdown."""
    owned = container is None
    if container is None:
        container = bootstrap(Settings())
    running = container
    start_workers = running.settings.run_workers if run_workers is None else run_workers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_workers and owned:
            running.start_workers(running.settings.worker_kinds or WORKER_KINDS)
        if owned:  # the service's own process (`xborder serve`), not a test's app
            settle_after_start()
        try:
            yield
        finally:
            if owned:
                running.close()

    app = build_app(
        running,
        routers=ROUTERS,
        maskers={spec.kind: spec.masker for spec in WORKFLOWS},
        expect_workers=start_workers,
        lifespan=lifespan,
    )
    if owned:  # `xborder serve` with its workers apart: /readyz counts them as that process reports
        app.state.workers_status_file = os.environ.get(STATUS_FILE_ENV)
    # The web console: pages at / that call this same app's API in-process (xborder.console).
    install_console(app, running, {spec.kind: spec.router for spec in WORKFLOWS})
    return app
