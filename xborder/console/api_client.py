"""The console's one way to the data: the service's own JSON API, called in-process.

Every page asks the same FastAPI app the browser-less clients ask (`httpx.ASGITransport` on
`request.app`), with the signed-in user's bearer token, so authorisation, masking, validation and
problem codes are exactly the API's: the console never reads a read model or runs a command itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

import httpx
from starlette.types import ASGIApp

BASE_URL: Final = "http://console.internal"
# Far above what an in-process call takes; a waiting read asks for at most 10 s itself.
TIMEOUT_SECONDS: Final = 30.0


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str | None
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Problem:
    """An RFC 9457 answer of the API, as the console shows it."""

    status: int
    code: str
    detail: str
    field: str | None = None
    errors: tuple[FieldError, ...] = ()
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def is_conflict(self) -> bool:
        """The case moved on: another command won (409) or the form's version is stale (412)."""
        return self.status in (409, 412)

    def field_errors(self) -> dict[str, list[FieldError]]:
        """Errors by the field they name (a body field's dotted path); unnamed ones under ""."""
        by_field: dict[str, list[FieldError]] = {}
        named = self.errors or (FieldError(self.field, self.code, self.detail),)
        for error in named:
            by_field.setdefault(error.field or "", []).append(error)
        return by_field


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def problem(self) -> Problem | None:
        if self.ok:
            return None
        return problem_of(self.status, self.body)


def problem_of(status: int, body: Any) -> Problem:
    """The problem an error answer carries; a body that is not one (a proxy's page) still gives one."""
    if not isinstance(body, Mapping):
        return Problem(status=status, code=f"http.{status}", detail="")
    errors = tuple(
        FieldError(
            field=e.get("field") if isinstance(e.get("field"), str) else None,
            code=str(e.get("code", "")),
            message=str(e.get("message", "")),
        )
        for e in body.get("errors") or ()
        if isinstance(e, Mapping)
    )
    known = {"type", "title", "status", "detail", "code", "field", "errors"}
    return Problem(
        status=status,
        code=str(body.get("code") or f"http.{status}"),
        detail=str(body.get("detail") or ""),
        field=body.get("field") if isinstance(body.get("field"), str) else None,
        errors=errors,
        extra={k: v for k, v in body.items() if k not in known},
    )


class ApiClient:
    """The JSON API as one caller (the bearer `token`) sees it."""

    def __init__(self, client: httpx.AsyncClient, token: str | None) -> None:
        self._client = client
        self._token = token

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        headers.update(extra or {})
        return headers

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Answer:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        response = await self._client.get(path, params=query, headers=self._headers())
        return _answer(response)

    async def post(
        self,
        path: str,
        body: Any,
        *,
        if_match: int | None = None,
        idempotency_key: str | None = None,
    ) -> Answer:
        extra = {"Content-Type": "application/json"}
        if if_match is not None:
            extra["If-Match"] = f'"{if_match}"'
        if idempotency_key:
            extra["Idempotency-Key"] = idempotency_key
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        response = await self._client.post(path, content=content, headers=self._headers(extra))
        return _answer(response)

    async def get_many(self, paths: Sequence[str], *, at_once: int = 8) -> list[Answer]:
        """Several reads, `at_once` at a time (each is a short query in the app's thread pool)."""
        gate = asyncio.Semaphore(at_once)

        async def one(path: str) -> Answer:
            async with gate:
                return await self.get(path)

        return list(await asyncio.gather(*(one(path) for path in paths)))


def _answer(response: httpx.Response) -> Answer:
    body: Any = None
    if response.content:
        try:
            body = response.json()
        except ValueError:
            body = None
    return Answer(status=response.status_code, body=body, headers=dict(response.headers))


@asynccontextmanager
async def api_client(app: ASGIApp, token: str | None) -> AsyncIterator[ApiClient]:
    """A client of `app`'s own API as the holder of `token`. An exception inside the app answers as the
    app's 500 problem, never reaches the page (`raise_app_exceptions=False`)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=TIMEOUT_SECONDS) as client:
        yield ApiClient(client, token)
