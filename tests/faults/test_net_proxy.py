"""The tests' TCP proxy (tests/support/tcp_proxy.py) against a local echo server: it forwards, delays,
resets and black-holes as the fault scenarios rely on."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_until


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        try:
            while data := self.request.recv(65536):
                self.request.sendall(data)
        except ConnectionResetError:
            pass  # the proxy's reset_all reached us


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    server = _Server(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with TcpProxy("127.0.0.1", server.server_address[1]) as tcp_proxy:
            yield tcp_proxy
    finally:
        server.shutdown()
        server.server_close()


def _connect(proxy: TcpProxy) -> socket.socket:
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=5)


def _roundtrip(sock: socket.socket, payload: bytes) -> bytes:
    sock.sendall(payload)
    received = b""
    while len(received) < len(payload):
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def test_forwards_both_ways(proxy: TcpProxy) -> None:
    with _connect(proxy) as sock:
        payload = bytes(range(256)) * 1024
        assert _roundtrip(sock, payload) == payload
    assert proxy.stats.accepted == 1
    assert proxy.stats.bytes_up >= len(payload) and proxy.stats.bytes_down >= len(payload)


def test_latency_is_added_each_way(proxy: TcpProxy) -> None:
    with _connect(proxy) as sock:
        _roundtrip(sock, b"warm")
        proxy.latency(0.2)
        started = time.monotonic()
        assert _roundtrip(sock, b"slow") == b"slow"
        assert time.monotonic() - started >= 0.4  # 0.2 up, 0.2 down
        proxy.heal()
        started = time.monotonic()
        assert _roundtrip(sock, b"fast") == b"fast"
        assert time.monotonic() - started < 0.2


def test_reset_all_closes_connections_with_an_rst(proxy: TcpProxy) -> None:
    sock = _connect(proxy)
    assert _roundtrip(sock, b"x") == b"x"
    assert proxy.reset_all() == 1
    with pytest.raises(ConnectionResetError):
        sock.sendall(b"y")
        sock.recv(10)
        # A second try, in case the first send raced the RST.
        sock.sendall(b"y")
        sock.recv(10)
    sock.close()
    assert proxy.stats.reset == 1
    with _connect(proxy) as again:  # new connections are served as before
        assert _roundtrip(again, b"z") == b"z"


def test_black_hole_holds_everything_until_healed(proxy: TcpProxy) -> None:
    with _connect(proxy) as sock:
        assert _roundtrip(sock, b"before") == b"before"
        proxy.black_hole(True)
        sock.sendall(b"held")
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(10)
        # New connections are accepted, and held too.
        late = _connect(proxy)
        late.sendall(b"late")
        late.settimeout(0.3)
        with pytest.raises(TimeoutError):
            late.recv(10)
        proxy.heal()
        sock.settimeout(5)
        late.settimeout(5)
        assert _roundtrip(sock, b"") == b"" and sock.recv(10) == b"held"
        assert late.recv(10) == b"late"
        late.close()


def test_a_black_hole_then_a_reset_kills_the_held_connections(proxy: TcpProxy) -> None:
    sock = _connect(proxy)
    wait_until(lambda: proxy.open_connections == 1, timeout=5, what="the proxied connection")
    proxy.black_hole(True)
    sock.sendall(b"lost")
    assert proxy.reset_all() == 1
    proxy.heal()
    sock.settimeout(5)
    with pytest.raises(ConnectionResetError):
        sock.recv(10)
    sock.close()
