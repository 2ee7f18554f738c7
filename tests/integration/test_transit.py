"""Encryption in transit, met as users and operators meet it: `xborder serve` over HTTPS with a
certificate of a test CA (and plain HTTP refused), mutual TLS for the provinces' gateways, the console's
cookies Secure over HTTPS, production mode refusing to start without TLS, and the PostgreSQL TLS settings
reaching the connections."""

from __future__ import annotations

import base64
import os
import re
import ssl
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from tests.support.certificates import Authority, make_authority
from tests.support.processes import stop_gracefully
from tests.support.served import TEST_SECRET, XBORDER, bearer
from tests.support.tansu import free_port
from tests.support.tls_postgres import TlsCluster, server_binaries, tls_postgres
from tests.support.waiting import wait_until
from xborder.bootstrap import bootstrap
from xborder.infra.postgres.database import TlsPostgresFactory, eventsourcing_env
from xborder.infra.postgres.tls import with_tls
from xborder.infra.settings import Settings


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return make_authority(tmp_path / "tls")


def _environment(**given: str) -> dict[str, str]:
    """The runner's environment without any xborder setting, plus those given."""
    fields = {name.upper() for name in Settings.model_fields}
    base = {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in fields and not k.upper().startswith("READMODEL_URL")
    }
    return base | given


def _trusting(authority: Authority, *, client: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(authority.cafile))
    if client:
        context.load_cert_chain(str(authority.client.certfile), str(authority.client.keyfile))
    return context


@contextmanager
def serve_tls(
    database_url: str, data_dir: Path, authority: Authority, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """`xborder serve` (the API alone, one province) with the test CA's server certificate; yields its
    https:// base URL once /healthz answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    defaults = {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "JWT_SECRET": TEST_SECRET,
        "RUN_WORKERS": "false",
        "PROVINCES": "510000",
        "TLS_CERTFILE": str(authority.server.certfile),
        "TLS_KEYFILE": str(authority.server.keyfile),
    }
    environment = _environment(**(defaults | dict(env or {})))
    client = "TLS_CLIENT_CA_FILE" in environment
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(XBORDER), "serve", "--port", str(port)], env=environment, stdout=log, stderr=log
        )
        url = f"https://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                return (
                    httpx.get(f"{url}/healthz", verify=_trusting(authority, client=client)).status_code == 200
                )
            except httpx.HTTPError:
                return False

        try:
            wait_until(lambda: answers() or process.poll() is not None, timeout=60, what="xborder serve")
            if process.poll() is not None:
                raise AssertionError(f"xborder serve exited:\n{log_path.read_text(errors='replace')}")
            yield url
        finally:
            stop_gracefully(process)


def test_the_api_answers_over_https_and_refuses_plain_http(
    database_url: str, tmp_path: Path, authority: Authority
) -> None:
    with serve_tls(database_url, tmp_path / "data", authority, {"DEV_SIGNIN": "false"}) as url:
        answer = httpx.get(f"{url}/healthz", verify=_trusting(authority))
        assert answer.status_code == 200
        # Not a certificate the machine's own authorities vouch for: the CA is what is trusted.
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{url}/healthz")
        with pytest.raises(httpx.TransportError):
            httpx.get(url.replace("https://", "http://") + "/healthz", timeout=5)

        # The console's cookies are Secure over https: the CSRF nonce, then the session.
        with httpx.Client(base_url=url, verify=_trusting(authority)) as browser:
            page = browser.get("/signin/token")
            assert page.status_code == 200
            assert _cookie_header(page, "xborder_csrf") and "secure" in _cookie_header(page, "xborder_csrf")
            hidden = re.search(r'type="hidden" name="([^"]+)" value="([^"]+)"', page.text)
            assert hidden is not None
            field, value = hidden.groups()
            token = bearer("alice", "510000", "owner")["Authorization"].removeprefix("Bearer ")
            signed_in = browser.post("/signin/token", data={field: value, "token": token, "next": "/"})
            assert signed_in.status_code in (302, 303), signed_in.text[:500]
            session = _cookie_header(signed_in, "xborder_session")
            assert "secure" in session and "httponly" in session


def _cookie_header(response: httpx.Response, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {response.headers.get_list('set-cookie')}"
    return found[0].lower()


def test_mutual_tls_requires_a_client_certificate_of_the_gateways_ca(
    database_url: str, tmp_path: Path, authority: Authority
) -> None:
    stranger = make_authority(tmp_path / "stranger", name="someone else's CA")
    env = {"TLS_CLIENT_CA_FILE": str(authority.cafile)}
    with serve_tls(database_url, tmp_path / "data", authority, env) as url:
        assert httpx.get(f"{url}/healthz", verify=_trusting(authority, client=True)).status_code == 200
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{url}/healthz", verify=_trusting(authority), timeout=5)  # no certificate
        foreign = _trusting(replace(authority, client=stranger.client), client=True)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{url}/healthz", verify=foreign, timeout=5)  # a certificate another CA issued


@pytest.mark.parametrize(
    "command", [["serve"], ["work"], ["relay"], ["project", "--all"], ["watch-deadlines"], ["processes"]]
)
def test_production_without_tls_refuses_to_start_and_says_what_is_missing(
    tmp_path: Path, command: list[str]
) -> None:
    environment = _environment(
        ENVIRONMENT="production",
        DATABASE_URL="postgresql://xborder:pg-s3cret@pg.invalid/xborder",  # never connected to
        KAFKA_BOOTSTRAP_SERVERS="kafka.invalid:9092",
        JWT_SECRET=TEST_SECRET,
        DATA_DIR=str(tmp_path),
    )
    done = subprocess.run(
        [str(XBORDER), *command], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "ENVIRONMENT=production: refusing to start" in done.stderr
    for named in (
        "TLS_CERTFILE and TLS_KEYFILE",
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SSL_CAFILE",
        "DATABASE_SSLMODE",
    ):
        assert named in done.stderr
    assert "JWT_SECRET" not in done.stderr  # it is set
    assert "pg-s3cret" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_the_postgresql_tls_settings_reach_every_connection(database_url: str, tmp_path: Path) -> None:
    """The test server has no TLS: `disable` connects everywhere (so the parameters are valid where they
    go), and `require` is refused — by libpq, because it was asked for TLS."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SHOW ssl").fetchone()
    if row is not None and row[0] == "on":
        pytest.skip("the test server speaks TLS: `require` would connect")

    settings = Settings(
        database_url=database_url,
        readmodel_urls={"510000": database_url},
        provinces=["510000"],
        jwt_secret=TEST_SECRET,
        data_dir=tmp_path,
        database_sslmode="disable",
    )
    container = bootstrap(settings)
    try:
        assert "sslmode" in container.database_url
        with container.db.read() as conn:
            assert conn.pgconn.ssl_in_use is False
        # The event store's own pool (eventsourcing's) got the parameter too.
        application = next(iter(container.applications.values()))
        assert application.factory.datastore.pool.kwargs["sslmode"] == "disable"
    finally:
        container.close()

    # Asked to require TLS, every one of those connections would refuse this server — over TCP: on a
    # Unix socket (the embedded server's only way in) libpq never uses TLS, so `require` has nothing to do.
    if str(conninfo_to_dict(database_url).get("host", "")).startswith("/"):
        return
    require = settings.model_copy(update={"database_sslmode": "require"})
    with pytest.raises(psycopg.OperationalError, match="SSL"):
        psycopg.connect(with_tls(database_url, require), connect_timeout=5)
    env = eventsourcing_env(with_tls(database_url, require))
    factory = TlsPostgresFactory(env)
    try:
        kwargs = dict(factory.datastore.pool.kwargs)  # what the event store's pool connects with
    finally:
        factory.close()
    kwargs.pop("row_factory")
    with pytest.raises(psycopg.OperationalError, match="SSL"):
        psycopg.connect(**kwargs, connect_timeout=5)


# ------------------------------------------------------------- a PostgreSQL that speaks only TLS


@pytest.fixture(scope="module")
def tls_cluster() -> Iterator[TlsCluster]:
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries built with TLS on this machine")
    with tls_postgres(binaries) as cluster:
        yield cluster


def _database_tls(cluster: TlsCluster) -> dict[str, str]:
    """DATABASE_SSL* for the cluster: verify its certificate and name, present the client certificate."""
    return {
        "DATABASE_SSLMODE": "verify-full",
        "DATABASE_SSLROOTCERT": str(cluster.authority.cafile),
        "DATABASE_SSLCERT": str(cluster.authority.client.certfile),
        "DATABASE_SSLKEY": str(cluster.authority.client.keyfile),
    }


def _tls_settings(cluster: TlsCluster, **values: Any) -> Settings:
    return Settings(
        database_sslmode="verify-full",
        database_sslrootcert=cluster.authority.cafile,
        database_sslcert=cluster.authority.client.certfile,
        database_sslkey=cluster.authority.client.keyfile,
        **values,
    )


def _new_database(cluster: TlsCluster, settings: Settings) -> str:
    name = f"xbtls_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(with_tls(cluster.url, settings), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"


def _plain_connections(url: str) -> list[str]:
    """The cluster's client connections that are not TLS (its pg_hba.conf rejects them: none)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT a.application_name FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
            " WHERE a.backend_type = 'client backend' AND NOT s.ssl"
        ).fetchall()
    return [str(row[0]) for row in rows]


def test_every_connection_to_a_tls_only_database_is_encrypted(
    tls_cluster: TlsCluster, tmp_path: Path
) -> None:
    with pytest.raises(psycopg.OperationalError):  # no client certificate: refused
        psycopg.connect(tls_cluster.url, connect_timeout=5)
    probe = _tls_settings(tls_cluster)
    url, own = _new_database(tls_cluster, probe), _new_database(tls_cluster, probe)
    settings = _tls_settings(
        tls_cluster,
        database_url=url,
        readmodel_urls={"500000": own},  # a province's read model in a database of its own
        provinces=["510000", "500000"],
        jwt_secret=TEST_SECRET,
        data_dir=tmp_path,
    )
    container = bootstrap(settings)  # migrations, read-model schemas, the Applications' tables
    try:
        container.start_workers(["listener", "projection"])
        with container.db.read() as conn:
            assert conn.pgconn.ssl_in_use
        application = next(iter(container.applications.values()))
        with application.factory.datastore.get_connection() as conn:  # eventsourcing's own pool
            assert conn.pgconn.ssl_in_use
        with container.readmodels.own_databases["500000"].read() as conn:
            assert conn.pgconn.ssl_in_use
        assert _plain_connections(with_tls(url, probe)) == []
    finally:
        container.close()


def test_production_starts_when_every_hop_is_encrypted(
    tls_cluster: TlsCluster, tmp_path: Path, authority: Authority
) -> None:
    url = _new_database(tls_cluster, _tls_settings(tls_cluster))
    env = {
        "ENVIRONMENT": "production",
        "RUN_WORKERS": "true",
        **_database_tls(tls_cluster),
        # production also asks for the privacy keys (xborder.privacy)
        "PRIVACY_MASTER_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "PRIVACY_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    with serve_tls(url, tmp_path / "data", authority, env) as base:
        # The API over https, and the workers (in their own process) running on the same database.
        ready = wait_until(
            lambda: (r := httpx.get(f"{base}/readyz", verify=_trusting(authority))).status_code == 200 and r,
            timeout=60,
            what="/readyz",
        )
        assert ready.json()["status"] == "ready"
        assert _plain_connections(with_tls(url, _tls_settings(tls_cluster))) == []
