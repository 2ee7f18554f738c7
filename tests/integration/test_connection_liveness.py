"""Every connection the service opens to its database is given keepalives and a TCP user timeout
(`xborder.infra.postgres.tls.LIVENESS_PARAMETERS`), so that a database gone without a reset is found
dead in about a minute: checked on the connections themselves — xborder's pool, the event store's pool
of each workflow, the listener's — as libpq holds them, and, over TCP (DATABASE_URL's server; the
embedded one is reached by a Unix socket, where keepalives do not apply), on the sockets' options."""

from __future__ import annotations

import socket
from typing import Any

import psycopg

from tests.integration.conftest import MakeService
from xborder.consumers.listener import DeliveryListener
from xborder.infra.postgres.tls import LIVENESS_PARAMETERS

_SOCKET_OPTIONS = {
    "keepalives": (socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    "keepalives_idle": (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
    "keepalives_interval": (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
    "keepalives_count": (socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
    "tcp_user_timeout": (socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
}


def assert_live(conn: psycopg.Connection[Any]) -> None:
    parameters = conn.info.get_parameters()
    assert {name: parameters.get(name) for name in LIVENESS_PARAMETERS} == dict(LIVENESS_PARAMETERS)
    sock = socket.socket(fileno=conn.pgconn.socket)  # the same descriptor: detached below, not closed
    try:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            applied = {name: sock.getsockopt(*option) for name, option in _SOCKET_OPTIONS.items()}
            assert applied == {name: int(value) for name, value in LIVENESS_PARAMETERS.items()}
    finally:
        sock.detach()


def test_the_services_connections_are_given_the_liveness_parameters(make_service: MakeService) -> None:
    container = make_service(workers=False).container
    with container.db.read() as conn:
        assert_live(conn)
    assert container.applications
    for app in container.applications.values():
        with app.recorder.datastore.get_connection() as conn:
            assert_live(conn)
    # The listener's connection, which otherwise waits for ever on a database gone without a reset.
    [listener] = container.build_workers(["listener"])
    assert isinstance(listener, DeliveryListener)
    listener.step()  # connects and listens
    assert listener._conn is not None
    try:
        assert_live(listener._conn)
    finally:
        listener._conn.close()
