"""Browser tests: Debian's Chromium, driven by Playwright, against `xborder serve` as `make run` starts
it (development sign-in on). The project's set-up installs Chromium (`make` installs the Debian package
when it is missing); a machine without it fails here, loudly — these tests are never skipped."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, expect, sync_playwright

from tests.support.postgres import fresh_database
from tests.support.served import xborder_serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# How long an action or a web-first assertion waits: a case crosses provinces through the workers, and
# live fragments are polled every 4 s; the 2 shared cores of CI are slow.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise AssertionError(
            "Debian's chromium is not installed: run `make .venv/.installed` (or apt-get install chromium)"
        )
    return path


# Package scope, not session: Playwright's sync API runs an event loop in the main thread while it is
# open, and every later test that calls asyncio.run() would fail ("cannot be called from a running
# event loop"). It is closed when the last browser test has run.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    launched = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture(scope="package")
def console_url(pg_admin_url: str) -> Iterator[str]:
    """One live service for the browser tests, on a fresh database, with the development sign-in page:
    its start (31 provinces' workers) takes long on a busy machine, so the modules share it, and each
    test uses plates, VINs and identities of its own."""
    with fresh_database(pg_admin_url, prefix="xbbrowser") as url:
        data_dir = Path(tempfile.mkdtemp(prefix="xborder-browser-"))
        try:
            with xborder_serve(url, data_dir, {"DEV_SIGNIN": "true"}) as served:
                yield served
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def new_context(browser: Browser, console_url: str) -> Iterator[Callable[[], BrowserContext]]:
    """`new_context()`: a fresh browser profile (its own cookies: one user each), closed after the test."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            base_url=console_url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots kept after the run (ignored by git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
