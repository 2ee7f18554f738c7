"""Encryption in transit, without I/O: the production refusal (`production_problems`), the libpq TLS
parameters added to connection strings, the event store's connections given them, Kafka's client
arguments and uvicorn's."""

from __future__ import annotations

import base64
import os
import re
import ssl
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from xborder.cli import _uvicorn_tls
from xborder.infra.kafka import kafka_security
from xborder.infra.postgres.database import TlsPostgresFactory, eventsourcing_env
from xborder.infra.postgres.tls import (
    LIVENESS_PARAMETERS,
    connection_url,
    tls_parameters,
    with_parameters,
    with_tls,
)
from xborder.infra.production import consistency_problems, production_problems
from xborder.infra.settings import Settings

SECRETS = Path("/run/secrets/xborder")
COMPLETE: dict[str, Any] = {
    "environment": "production",
    "database_url": "postgresql://xborder:pg-s3cret@pg.example:5432/xborder",
    "database_sslmode": "verify-full",
    "database_sslrootcert": SECRETS / "pg-ca.crt",
    "database_sslcert": SECRETS / "pg-client.crt",
    "database_sslkey": SECRETS / "pg-client.key",
    "jwt_secret": SecretStr("j" * 32),
    "tls_certfile": SECRETS / "api.crt",
    "tls_keyfile": SECRETS / "api.key",
    "tls_client_ca_file": SECRETS / "gateways-ca.crt",
    "kafka_bootstrap_servers": "kafka-1.example:9093,kafka-2.example:9093",
    "kafka_security_protocol": "SSL",
    "kafka_ssl_cafile": SECRETS / "kafka-ca.crt",
    "kafka_ssl_certfile": SECRETS / "kafka-client.crt",
    "kafka_ssl_keyfile": SECRETS / "kafka-client.key",
    "privacy_master_keys": SecretStr("k1:" + base64.b64encode(b"m" * 32).decode()),
    "privacy_blind_index_key": SecretStr("b" * 32),
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test gives: none of the runner's DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, ..."""
    fields = {name.upper() for name in Settings.model_fields}
    for name in list(os.environ):
        if name.upper() in fields or name.upper().startswith("READMODEL_URL"):
            monkeypatch.delenv(name)


def complete(**change: Any) -> Settings:
    """A complete production configuration, with `change` applied unchecked (as a deployment might
    set it): what `production_problems` says of it."""
    return Settings(**COMPLETE).model_copy(update=change)


def test_a_complete_production_configuration_starts() -> None:
    settings = Settings(**COMPLETE)
    assert settings.environment == "production"
    assert production_problems(settings) == []


def test_development_is_the_default_and_asks_for_nothing() -> None:
    settings = Settings()
    assert settings.environment == "development"
    assert production_problems(settings) != []  # what production would refuse...
    assert Settings(dev_signin=True).dev_signin  # ...development allows


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"tls_certfile": None, "tls_client_ca_file": None}, "TLS_CERTFILE and TLS_KEYFILE must be set"),
        ({"tls_keyfile": None}, "TLS_CERTFILE and TLS_KEYFILE must be set"),
        ({"kafka_security_protocol": "PLAINTEXT"}, "KAFKA_SECURITY_PROTOCOL is PLAINTEXT"),
        ({"kafka_ssl_cafile": None}, "KAFKA_SSL_CAFILE must be set"),
        ({"database_sslmode": None}, "DATABASE_URL has no sslmode and DATABASE_SSLMODE is unset"),
        (
            {"database_sslmode": "require"},
            "DATABASE_SSLMODE=require does not verify the server of DATABASE_URL",
        ),
        (
            {"database_url": "postgresql://xborder@pg.example/xborder?sslmode=prefer"},
            "DATABASE_URL says sslmode=prefer",
        ),
        (
            {"readmodel_urls": {"510000": "host=pg.sc.example dbname=readmodel sslmode=require"}},
            "READMODEL_URL_510000 says sslmode=require",
        ),
        ({"readmodel_urls": {"510000": "postgresql://[oops"}}, "READMODEL_URL_510000 is not a valid"),
        ({"database_url": None}, "DATABASE_URL must be set: the embedded database is for development only"),
        ({"dev_signin": True}, "DEV_SIGNIN must be off"),
        ({"jwt_secret": None}, "JWT_SECRET must be set"),
    ],
)
def test_each_missing_or_unsafe_piece_is_named(change: dict[str, Any], named: str) -> None:
    problems = production_problems(complete(**change))
    assert len(problems) == 1, problems
    assert named in problems[0]


@pytest.mark.parametrize(
    "change",
    [
        # A gateway in front terminates TLS (and says so).
        {
            "tls_certfile": None,
            "tls_keyfile": None,
            "tls_client_ca_file": None,
            "tls_terminated_by_proxy": True,
        },
        {"kafka_bootstrap_servers": None, "kafka_security_protocol": "PLAINTEXT", "kafka_ssl_cafile": None},
        {"database_sslmode": "verify-ca"},
        {"database_sslmode": None, "database_url": "postgresql://pg.example/x?sslmode=verify-full"},
        # The URL's own sslmode wins over a weaker setting.
        {"database_sslmode": "require", "database_url": "postgresql://pg.example/x?sslmode=verify-ca"},
        {"readmodel_urls": {"510000": "postgresql://pg.sc.example/readmodel"}},  # DATABASE_SSLMODE applies
        {
            "kafka_security_protocol": "SASL_SSL",
            "kafka_sasl_mechanism": "SCRAM-SHA-512",
            "kafka_sasl_username": "xborder-relay",
            "kafka_sasl_password": SecretStr("k"),
        },
    ],
)
def test_what_production_accepts(change: dict[str, Any]) -> None:
    assert production_problems(complete(**change)) == []


def test_production_refuses_to_start_listing_everything_and_quoting_nothing() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(
            environment="production",
            database_url="postgresql://xborder:pg-s3cret@pg.example/xborder",
            kafka_bootstrap_servers="kafka.example:9092",
            dev_signin=True,
        )
    message = str(refused.value)
    assert "ENVIRONMENT=production: refusing to start" in message
    for name in (
        "TLS_CERTFILE",
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SSL_CAFILE",
        "DATABASE_URL has no sslmode",
        "JWT_SECRET",
        "DEV_SIGNIN",
    ):
        assert name in message
    assert "pg-s3cret" not in message


def test_settings_that_contradict_each_other_are_refused_in_any_environment() -> None:
    assert consistency_problems(Settings()) == []
    assert consistency_problems(Settings().model_copy(update={"tls_certfile": Path("a.crt")})) == [
        "TLS_CERTFILE and TLS_KEYFILE go together: set both or neither"
    ]
    with pytest.raises(ValidationError, match="TLS_CLIENT_CA_FILE"):
        Settings(tls_client_ca_file=Path("ca.crt"))
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD"):
        Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="PLAIN")


# ------------------------------------------------------------------------------------------ PostgreSQL


def test_the_settings_as_libpq_parameters() -> None:
    assert tls_parameters(Settings()) == {}
    assert tls_parameters(Settings(**COMPLETE)) == {
        "sslmode": "verify-full",
        "sslrootcert": "/run/secrets/xborder/pg-ca.crt",
        "sslcert": "/run/secrets/xborder/pg-client.crt",
        "sslkey": "/run/secrets/xborder/pg-client.key",
    }


TLS = {"sslmode": "verify-full", "sslrootcert": "/etc/pg/ca.crt"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://xborder:pw@pg.example:5432/xborder",
            "postgresql://xborder:pw@pg.example:5432/xborder?sslmode=verify-full&sslrootcert=%2Fetc%2Fpg%2Fca.crt",
        ),
        (
            "postgresql://pg.example/xborder?application_name=x",
            "postgresql://pg.example/xborder?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fpg%2Fca.crt",
        ),
        (
            "postgres://pg.example/xborder?",
            "postgres://pg.example/xborder?sslmode=verify-full&sslrootcert=%2Fetc%2Fpg%2Fca.crt",
        ),
        # The URL's own sslmode stays; only what it does not say is added.
        (
            "postgresql://pg.example/xborder?sslmode=verify-ca",
            "postgresql://pg.example/xborder?sslmode=verify-ca&sslrootcert=%2Fetc%2Fpg%2Fca.crt",
        ),
        (
            "postgresql://pg.example/xborder?sslmode=require&sslrootcert=/other/ca.crt",
            "postgresql://pg.example/xborder?sslmode=require&sslrootcert=/other/ca.crt",
        ),
        (
            "host=pg.example dbname=xborder",
            "host=pg.example dbname=xborder sslmode=verify-full sslrootcert=/etc/pg/ca.crt",
        ),
        ("host=pg.example sslmode=disable", "host=pg.example sslmode=disable sslrootcert=/etc/pg/ca.crt"),
    ],
)
def test_connection_strings_get_the_parameters_they_do_not_set(url: str, expected: str) -> None:
    from psycopg.conninfo import conninfo_to_dict

    given = with_parameters(url, TLS)
    assert conninfo_to_dict(given) == conninfo_to_dict(expected)
    if url.startswith("postgres"):
        assert given == expected  # still a URL, its own text untouched


def test_nothing_to_add_leaves_the_url_as_it_is() -> None:
    url = "postgresql://pg.example/xborder"
    assert with_parameters(url, {}) == url
    assert with_tls(url, Settings()) == url


def test_the_event_store_connects_with_the_urls_tls_parameters() -> None:
    url = with_tls("postgresql://xborder:pw@pg.example/xborder", Settings(**COMPLETE))
    env = eventsourcing_env(url)
    assert env["POSTGRES_SSLMODE"] == "verify-full"
    assert env["POSTGRES_SSLROOTCERT"] == "/run/secrets/xborder/pg-ca.crt"
    factory = TlsPostgresFactory(env)  # the pool is created closed: nothing connects
    try:
        kwargs = factory.datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        assert kwargs["sslmode"] == "verify-full"
        assert kwargs["sslcert"] == "/run/secrets/xborder/pg-client.crt"
        assert kwargs["sslkey"] == "/run/secrets/xborder/pg-client.key"
        assert kwargs["host"] == "pg.example"
    finally:
        factory.close()
    assert "POSTGRES_SSLMODE" not in eventsourcing_env("postgresql://xborder@pg.example/xborder")


def test_every_configured_connection_is_given_keepalives_and_a_tcp_user_timeout() -> None:
    """A database that vanishes without a reset is found dead in about a minute, not never (idle) or
    fifteen minutes (waiting for an answer): see `LIVENESS_PARAMETERS`."""
    from psycopg.conninfo import conninfo_to_dict

    url = connection_url("postgresql://xborder:pw@pg.example/xborder", Settings(**COMPLETE))
    params = conninfo_to_dict(url)
    assert params["keepalives"] == "1"
    assert params["keepalives_idle"] == "30"
    assert params["tcp_user_timeout"] == "60000"
    assert params["sslmode"] == "verify-full"  # TLS as before
    # A URL that says otherwise wins, as it does for TLS.
    own = connection_url("postgresql://pg.example/xborder?keepalives_idle=5", Settings())
    assert conninfo_to_dict(own)["keepalives_idle"] == "5"
    assert conninfo_to_dict(own)["keepalives_count"] == "3"


def test_the_event_store_connects_with_the_liveness_parameters() -> None:
    env = eventsourcing_env(connection_url("postgresql://xborder:pw@pg.example/xborder", Settings()))
    factory = TlsPostgresFactory(env)  # the pool is created closed: nothing connects
    try:
        kwargs = factory.datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        assert {name: kwargs[name] for name in LIVENESS_PARAMETERS} == dict(LIVENESS_PARAMETERS)
    finally:
        factory.close()


# ---------------------------------------------------------------------------------------- Kafka, uvicorn


def test_kafka_clients_get_the_security_settings() -> None:
    assert kafka_security(Settings()) == {}
    assert kafka_security(Settings(**COMPLETE)) == {
        "security_protocol": "SSL",
        "ssl_cafile": "/run/secrets/xborder/kafka-ca.crt",
        "ssl_certfile": "/run/secrets/xborder/kafka-client.crt",
        "ssl_keyfile": "/run/secrets/xborder/kafka-client.key",
    }
    sasl = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_cafile=SECRETS / "kafka-ca.crt",
        kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_sasl_username="xborder-510000",
        kafka_sasl_password=SecretStr("kafka-s3cret"),
    )
    assert kafka_security(sasl) == {
        "security_protocol": "SASL_SSL",
        "ssl_cafile": "/run/secrets/xborder/kafka-ca.crt",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "xborder-510000",
        "sasl_plain_password": "kafka-s3cret",
    }


def test_kafka_python_accepts_every_argument() -> None:
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

    for client in (KafkaProducer, KafkaConsumer, KafkaAdminClient):
        assert set(kafka_security(complete(kafka_security_protocol="SASL_SSL"))) <= set(client.DEFAULT_CONFIG)


def test_uvicorn_serves_https_and_requires_client_certificates_when_told() -> None:
    assert _uvicorn_tls(Settings()) == {}
    assert _uvicorn_tls(Settings(**COMPLETE)) == {
        "ssl_certfile": "/run/secrets/xborder/api.crt",
        "ssl_keyfile": "/run/secrets/xborder/api.key",
        "ssl_ca_certs": "/run/secrets/xborder/gateways-ca.crt",
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
    assert "ssl_cert_reqs" not in _uvicorn_tls(complete(tls_client_ca_file=None))


def test_production_asks_for_the_privacy_keys_and_sealing() -> None:
    problems = production_problems(
        Settings(**COMPLETE).model_copy(
            update={
                "privacy_master_keys": None,
                "privacy_blind_index_key": None,
                "privacy_seal_events": False,
            }
        )
    )
    assert [p.split()[0] for p in problems] == [
        "PRIVACY_MASTER_KEYS",
        "PRIVACY_BLIND_INDEX_KEY",
        "PRIVACY_SEAL_EVENTS",
    ]


def test_a_keys_database_in_clear_is_refused_in_production() -> None:
    settings = Settings(**COMPLETE).model_copy(
        update={"privacy_database_url": "postgresql://k@keys.example/keys?sslmode=require"}
    )
    (problem,) = production_problems(settings)
    assert problem.startswith("PRIVACY_DATABASE_URL says sslmode=require, which does not verify the server")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"privacy_master_keys": "k1:notbase64!"}, "key 'k1' is not base64"),
        ({"privacy_master_keys": "k1:" + base64.b64encode(b"m" * 16).decode()}, "key 'k1' is not 32 bytes"),
        ({"privacy_master_key_id": "k9"}, "PRIVACY_MASTER_KEY_ID names 'k9'"),
        ({"privacy_blind_index_key": "short"}, "PRIVACY_BLIND_INDEX_KEY must be at least 32 bytes"),
    ],
)
def test_malformed_privacy_keys_are_refused_in_any_environment(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        Settings(**{**COMPLETE, "environment": "development", **changes})
    for value in changes.values():
        assert value not in str(error.value) or value == "k9"
