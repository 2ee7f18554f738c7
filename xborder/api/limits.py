"""The request-body size limit, enforced before anything reads or parses the body.

A pure ASGI middleware rather than a check in the routes: by the time FastAPI validates a body it has
already read all of it into memory and parsed it as JSON, which is exactly the work a huge body is meant
to make us do. A declared `Content-Length` over the limit is refused at once, without reading a byte; a
body without one (chunked) is counted as it streams in, and reading stops at the first chunk past the
limit. Either way the answer is 413 problem+json and the connection is not kept for another request
(the unread rest of the body would otherwise be taken for the next request).
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xborder.api.problems import problem_response

__all__ = ["BODY_TOO_LARGE", "BodySizeLimit"]

BODY_TOO_LARGE: Final = "body.too_large"


class _BodyTooLarge(Exception):
    """Raised from `receive` to stop the application reading; the 413 has already been sent."""


class BodySizeLimit:
    """Answers 413 to any HTTP request whose body is (or turns out to be) longer than `max_bytes`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared_too_large(scope):
            await self._refuse(scope, receive, send)
            return

        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Answer now, on the real channel: whatever the application makes of the exception
                    # below (FastAPI turns a failed body read into a 400) is then dropped by guarded_send.
                    # (An application that already began its answer is only stopped from reading.)
                    if not started:
                        refused = True
                        await self._refuse(scope, receive, send)
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # The 413 is the answer; what the application raised while being stopped is moot.

    def _declared_too_large(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name.lower() == b"content-length":
                try:
                    if int(value) > self.max_bytes:
                        return True
                except ValueError:
                    continue  # the server refuses a malformed length; counting still applies
        return False

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            BODY_TOO_LARGE,
            f"the request body is larger than the limit of {self.max_bytes} bytes",
            title="Content too large",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
