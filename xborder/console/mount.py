"""Mounting the web console on the service's FastAPI app (the composition root calls this): its pages
at `/` and below, its own stylesheet and script under `/static`. Nothing is loaded from elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from xborder.console.routes import STATIC, Console, router


def install_console(app: FastAPI, container: Any, workflows: Mapping[str, APIRouter]) -> None:
    """`workflows`: each workflow's API router by case kind (`{"transfer": <router of /v1/transfers>}`):
    the console's forms are those of its command routes, its reads those under its prefix."""
    app.state.console = Console(app, container, workflows)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="console-static")
