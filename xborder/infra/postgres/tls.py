"""The libpq parameters every connection to a configured database is given: TLS (the DATABASE_SSL*
settings) and liveness (keepalives and a TCP user timeout), added to its connection string.

Every connection the service opens to a configured database goes through `connection_url` (xborder's
pools, the per-province read-model databases, the listener, and the event store's pool by way of
`eventsourcing_env`). A parameter the URL sets itself wins over the setting, so that a URL carrying its
own `sslmode` keeps meaning what it says. The embedded development server is local and gets none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

from psycopg.conninfo import conninfo_to_dict, make_conninfo

if TYPE_CHECKING:
    from xborder.infra.settings import Settings

# The libpq parameters of TLS a connection string may carry, in the order the settings list them.
TLS_PARAMETERS: Final = ("sslmode", "sslrootcert", "sslcert", "sslkey")
# The modes that check the server's certificate: anything weaker lets a machine in the middle read and
# change the traffic (libpq's default, `prefer`, even falls back to plain text).
VERIFYING_MODES: Final = frozenset({"verify-ca", "verify-full"})
LIBPQ_DEFAULT_SSLMODE: Final = "prefer"
# A database that vanishes without resetting its connections (a failover that moves its address, a
# firewall or NAT that forgets them, a host powered off) leaves them open with nobody behind: an idle
# one — the listener waiting for NOTIFY, a pooled one — would wait for ever, and one waiting for an
# answer about fifteen minutes (the kernel's retransmissions). With these an idle connection is found
# dead after about a minute of silence (30 s, then 3 probes 10 s apart), and one whose sent bytes go
# unacknowledged after 60 s; the pool or the worker then reconnects. A server that is merely slow still
# acknowledges, so a long query or lock wait is not cut short.
LIVENESS_PARAMETERS: Final[Mapping[str, str]] = {
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
    "tcp_user_timeout": "60000",
}
# What eventsourcing's own pool is given too (`xborder.infra.postgres.database.eventsourcing_env`).
CONNECTION_PARAMETERS: Final = (*TLS_PARAMETERS, *LIVENESS_PARAMETERS)


def tls_parameters(settings: Settings) -> dict[str, str]:
    """DATABASE_SSLMODE, DATABASE_SSLROOTCERT, DATABASE_SSLCERT and DATABASE_SSLKEY, those set."""
    values = {
        "sslmode": settings.database_sslmode,
        "sslrootcert": settings.database_sslrootcert,
        "sslcert": settings.database_sslcert,
        "sslkey": settings.database_sslkey,
    }
    return {name: str(value) for name, value in values.items() if value is not None}


def with_parameters(url: str, parameters: Mapping[str, str]) -> str:
    """`url` (a postgresql:// URI or a `key=value` string) with the libpq parameters it does not set
    itself; in the same form as it came, so that nothing else about it changes."""
    own = conninfo_to_dict(url)
    missing = {name: value for name, value in parameters.items() if name not in own}
    if not missing:
        return url
    if url.startswith(("postgresql://", "postgres://")):
        separator = "" if url.endswith(("?", "&")) else ("&" if "?" in url else "?")
        return f"{url}{separator}{urlencode(missing)}"
    return make_conninfo(url, **missing)


def with_tls(url: str, settings: Settings) -> str:
    """`url` with the DATABASE_SSL* settings it does not override."""
    return with_parameters(url, tls_parameters(settings))


def connection_url(url: str, settings: Settings) -> str:
    """`url` with the DATABASE_SSL* settings and the liveness parameters, those it does not set itself."""
    return with_parameters(with_tls(url, settings), LIVENESS_PARAMETERS)
