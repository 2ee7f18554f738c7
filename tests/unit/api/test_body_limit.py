"""The body-size middleware at the ASGI level: what it lets the application read, and when it stops.

Driven directly (no server, no database), so the tests can see how many chunks of a streamed body were
pulled and whether the application ran at all.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from xborder.api.limits import BodySizeLimit

CHUNK = 1024


class ReadingApp:
    """Reads the whole body, then answers 200 with its length (as FastAPI would before parsing)."""

    def __init__(self) -> None:
        self.called = False
        self.read = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        more = True
        try:
            while more:
                message = await receive()
                self.read += len(message.get("body", b""))
                more = message.get("more_body", False)
        except Exception:
            # What FastAPI does with a body it cannot read: a 400 of its own.
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"cannot read"})
            raise
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(self.read).encode()})


class Client:
    """Feeds a body in chunks and records what was pulled and what was answered."""

    def __init__(self, chunks: int, *, content_length: int | None = None) -> None:
        self.chunks = chunks
        self.pulled = 0
        self.sent: list[Message] = []
        headers = [(b"content-type", b"application/json")]
        if content_length is not None:
            headers.append((b"content-length", str(content_length).encode()))
        self.scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/", "headers": headers}

    async def receive(self) -> Message:
        self.pulled += 1
        more = self.pulled < self.chunks
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": more}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def run(self, middleware: BodySizeLimit) -> None:
        asyncio.run(middleware(self.scope, self.receive, self.send))

    @property
    def status(self) -> int:
        starts = [m for m in self.sent if m["type"] == "http.response.start"]
        assert len(starts) == 1, self.sent
        return int(starts[0]["status"])

    @property
    def problem(self) -> dict[str, Any]:
        body = b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")
        parsed: dict[str, Any] = json.loads(body)
        return parsed


def test_a_declared_length_over_the_limit_is_refused_without_reading_or_running_the_app() -> None:
    app = ReadingApp()
    client = Client(chunks=5000, content_length=5000 * CHUNK)
    client.run(BodySizeLimit(app, max_bytes=10 * CHUNK))
    assert client.status == 413
    assert client.problem["code"] == "body.too_large"
    assert (app.called, client.pulled) == (False, 0)
    start = next(m for m in client.sent if m["type"] == "http.response.start")
    assert (b"content-type", b"application/problem+json") in start["headers"]
    assert (b"connection", b"close") in start["headers"]


def test_a_streamed_body_stops_being_read_at_the_first_chunk_past_the_limit() -> None:
    app = ReadingApp()
    client = Client(chunks=5000)  # 5000 KiB, no Content-Length
    client.run(BodySizeLimit(app, max_bytes=10 * CHUNK))
    assert client.status == 413  # the application's own 400 never reaches the client
    assert client.problem["code"] == "body.too_large"
    assert client.pulled == 11


def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    app = ReadingApp()
    client = Client(chunks=10, content_length=10 * CHUNK)
    client.run(BodySizeLimit(app, max_bytes=10 * CHUNK))
    assert client.status == 200
    assert app.read == 10 * CHUNK


def test_a_lying_content_length_is_still_counted() -> None:
    app = ReadingApp()
    client = Client(chunks=5000, content_length=CHUNK)
    client.run(BodySizeLimit(app, max_bytes=10 * CHUNK))
    assert client.status == 413
    assert client.pulled == 11
