"""The console's unit tests: the forms catalogue built from the app's OpenAPI document, no I/O."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from xborder.api.openapi import install_openapi
from xborder.console.forms import FormCatalog
from xborder.service import ROUTERS
from xborder.workflows.registry import WORKFLOWS


@pytest.fixture(scope="session")
def catalog() -> FormCatalog:
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app, ROUTERS)
    return FormCatalog(app, {spec.kind: spec.router for spec in WORKFLOWS})
