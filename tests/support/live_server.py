"""The app on a real uvicorn server in a background thread, on a free port.

Starlette's TestClient runs one request at a time, so it cannot show what concurrent clients do to
the server (a waiting read holding a thread, say); a real server over real sockets can.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from tests.support.tansu import free_port
from tests.support.waiting import wait_until


@contextmanager
def live_server(app: FastAPI, *, timeout: float = 30.0) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL. Lifespan is off: the caller owns the
    container (and its workers) the app was built on."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    # uvicorn installs no signal handlers outside the main thread, so this thread may run it.
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), timeout=timeout, what="uvicorn to start")
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=timeout)
