"""A small TCP proxy of the tests' own, for network faults between the service and what it talks to.

`with TcpProxy("127.0.0.1", 5432) as proxy:` listens on a free loopback port (`proxy.port`) and forwards
each connection to the target. Controls, callable from any thread:

- `latency(seconds)`: every chunk read is forwarded that much later, in both directions;
- `reset_all()`: every open connection is closed abruptly on both sides (SO_LINGER 0: an RST);
- `black_hole(True)`: connections stay open and new ones are accepted, but nothing is forwarded (what
  was read is held, as TCP retransmission would deliver it once the path is back); `black_hole(False)`
  forwards again;
- `heal()`: no latency, no black hole.

It runs an asyncio loop on a thread of its own; standard library only.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

_CHUNK = 64 * 1024


@dataclass
class ProxyStats:
    accepted: int = 0
    reset: int = 0  # connections closed by `reset_all`
    failed: int = 0  # connections whose target could not be reached
    bytes_up: int = 0  # client -> target
    bytes_down: int = 0  # target -> client


class _Link:
    """One proxied connection: the client's side and the target's."""

    def __init__(self, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream = upstream
        self.tasks: list[asyncio.Task[None]] = []

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        for task in self.tasks:
            task.cancel()


class TcpProxy:
    def __init__(
        self, target_host: str = "127.0.0.1", target_port: int = 0, *, host: str = "127.0.0.1"
    ) -> None:
        """`target_port` may be set later with `retarget` (e.g. a broker that must advertise this proxy's
        address before its own port is known)."""
        self.target: tuple[str, int] = (target_host, target_port)
        self.host = host
        self.port = 0
        self.stats = ProxyStats()
        self._latency = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._flowing: asyncio.Event | None = None
        self._links: set[_Link] = set()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> TcpProxy:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._listen())
            except BaseException as error:
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"tcp-proxy->{self.target[1]}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    async def _listen(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        try:
            self._call(self._shutdown())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None
            self._thread = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.abort()
        self._links.clear()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ controls
    def retarget(self, host: str, port: int) -> None:
        """New connections go there (open ones keep their target)."""
        self.target = (host, port)

    def latency(self, seconds: float) -> None:
        self._latency = max(0.0, seconds)

    def black_hole(self, on: bool = True) -> None:
        async def switch() -> None:
            assert self._flowing is not None
            if on:
                self._flowing.clear()
            else:
                self._flowing.set()

        self._call(switch())

    def reset_all(self) -> int:
        """Close every open connection with an RST on both sides; how many there were."""

        async def reset() -> int:
            links = list(self._links)
            self._links.clear()
            for link in links:
                link.abort()
            self.stats.reset += len(links)
            return len(links)

        return self._call(reset())

    def heal(self) -> None:
        self.latency(0.0)
        self.black_hole(False)

    @property
    def open_connections(self) -> int:
        return len(self._links)

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None, "TcpProxy is not running"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    # ------------------------------------------------------------------ forwarding
    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.stats.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            self.stats.failed += 1
            client_writer.transport.abort()
            return
        link = _Link(client_writer, up_writer)
        self._links.add(link)
        up = asyncio.ensure_future(self._pump(client_reader, up_writer, link, upstream=True))
        down = asyncio.ensure_future(self._pump(up_reader, client_writer, link, upstream=False))
        link.tasks = [up, down]
        await asyncio.gather(up, down, return_exceptions=True)
        self._links.discard(link)
        for writer in (client_writer, up_writer):
            writer.transport.abort()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link, *, upstream: bool
    ) -> None:
        """Read chunks and forward each `latency` later, holding them while the black hole is on. Chunks
        are queued with their due time, so latency delays the stream without throttling it."""
        assert self._flowing is not None
        flowing = self._flowing
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            try:
                await forward()
            except (ConnectionError, OSError):
                link.abort()

        async def forward() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                await flowing.wait()
                if upstream:
                    self.stats.bytes_up += len(data)
                else:
                    self.stats.bytes_down += len(data)
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(send())
        try:
            while True:
                await flowing.wait()
                data = await reader.read(_CHUNK)
                queue.put_nowait((time.monotonic() + self._latency, data))
                if not data:
                    break
            await sender  # an end of stream is forwarded as one (half-close); the other way goes on
        except (ConnectionError, OSError):
            link.abort()  # a side broke: so does the other, as the network would tell it
        finally:
            sender.cancel()
