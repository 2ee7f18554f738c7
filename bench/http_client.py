"""The open-loop load's HTTP client: aiohttp, behind the little the load needs (a POST of JSON, a GET).

The load runs on the machine it measures. With httpx, the bench's own process took 3.5–4 ms of CPU
per application and its two reads at 100 applications/s — a fifth of the two cores, taken from the
service whose latency it measures. aiohttp parses HTTP in C and costs a fraction of that per request;
what the service does per request is unchanged. Its CPU is still metered and reported
(`bench_process`), beside the service's and PostgreSQL's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp


class HttpError(Exception):
    """A request that got no answer (a timeout, or the connection failed)."""


class TransportError(HttpError):
    """The connection failed or was dropped: a safe request may be sent again."""


@dataclass(frozen=True, slots=True)
class Response:
    status_code: int
    text: str
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.text)


class Client:
    """Up to `connections` keep-alive connections to `base_url`, each request within `timeout`
    seconds. Idle connections are dropped after `keepalive_expiry` seconds, before uvicorn's 5 s
    keep-alive expiry, so that a request never races the server closing the connection under it."""

    def __init__(
        self, base_url: str, *, connections: int, timeout: float, keepalive_expiry: float = 4.0
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._keepalive_expiry = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        connector = aiohttp.TCPConnector(
            limit=self._connections, keepalive_timeout=self._keepalive_expiry, ssl=False
        )
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=self._timeout, trust_env=False, auto_decompress=False
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(self, path: str, *, json: Any, headers: Mapping[str, str]) -> Response:
        return await self._request("POST", path, headers, json)

    async def get(self, path: str, *, headers: Mapping[str, str]) -> Response:
        return await self._request("GET", path, headers, None)

    async def _request(self, method: str, path: str, headers: Mapping[str, str], body: Any) -> Response:
        assert self._session is not None, "use the client as an async context manager"
        try:
            async with self._session.request(
                method, self._base_url + path, json=body, headers=headers
            ) as response:
                text = await response.text()
                return Response(response.status, text, response.headers)
        except aiohttp.ClientConnectionError as error:
            raise TransportError(repr(error)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise HttpError(repr(error)) from error
