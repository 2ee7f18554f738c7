"""What the service refuses to start with: in any environment, settings that contradict each other; in
production (ENVIRONMENT=production), anything missing or unsafe for a deployment — data in clear on a
network, development shortcuts.

`Settings` calls `refusal` when it is read, so every command (serve, work, relay, project, ...) and
uvicorn's factory refuse alike, before anything connects. Each problem names the setting to change and
never quotes a value (URLs and secrets are among them). A new rule is one more function of
`PRODUCTION_RULES` (or `CONSISTENCY_RULES`): it takes the settings and returns its problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict

from xborder.infra.postgres.tls import LIBPQ_DEFAULT_SSLMODE, VERIFYING_MODES

if TYPE_CHECKING:
    from xborder.infra.settings import Settings

Rule = Callable[["Settings"], Iterator[str]]

SECURE_KAFKA_PROTOCOLS: Final = frozenset({"SSL", "SASL_SSL"})


def _api_tls(settings: Settings) -> Iterator[str]:
    if settings.tls_terminated_by_proxy:
        return
    if settings.tls_certfile is None or settings.tls_keyfile is None:
        yield (
            "TLS_CERTFILE and TLS_KEYFILE must be set: the API would serve plain HTTP (if a gateway in "
            "front terminates TLS, on a private network, say so with TLS_TERMINATED_BY_PROXY=true)"
        )


def _kafka_tls(settings: Settings) -> Iterator[str]:
    if not settings.kafka_enabled:
        return
    if settings.kafka_security_protocol not in SECURE_KAFKA_PROTOCOLS:
        yield (
            f"KAFKA_SECURITY_PROTOCOL is {settings.kafka_security_protocol}: events would cross the "
            "network in clear; use SSL or SASL_SSL"
        )
    if settings.kafka_ssl_cafile is None:
        yield "KAFKA_SSL_CAFILE must be set: the brokers' certificates would not be verified against your CA"


def _postgres_tls(settings: Settings) -> Iterator[str]:
    urls = {"DATABASE_URL": settings.database_url} if settings.database_url else {}
    urls |= {f"READMODEL_URL_{code}": url for code, url in sorted(settings.readmodel_urls.items())}
    if settings.privacy_database_url:
        urls["PRIVACY_DATABASE_URL"] = settings.privacy_database_url
    for name, url in urls.items():
        try:
            own = conninfo_to_dict(url).get("sslmode")
        except ProgrammingError:
            yield f"{name} is not a valid PostgreSQL connection string"
            continue
        mode = own or settings.database_sslmode
        if mode in VERIFYING_MODES:
            continue
        if own:
            yield f"{name} says sslmode={own}, which does not verify the server: make it sslmode=verify-full"
        elif mode:
            yield (
                f"DATABASE_SSLMODE={mode} does not verify the server of {name}: "
                "set DATABASE_SSLMODE=verify-full and DATABASE_SSLROOTCERT"
            )
        else:
            yield (
                f"{name} has no sslmode and DATABASE_SSLMODE is unset: libpq's default "
                f"({LIBPQ_DEFAULT_SSLMODE}) may fall back to plain text; "
                "set DATABASE_SSLMODE=verify-full and DATABASE_SSLROOTCERT"
            )


def _own_database(settings: Settings) -> Iterator[str]:
    if not settings.database_url:
        yield "DATABASE_URL must be set: the embedded database is for development only"


def _own_secret(settings: Settings) -> Iterator[str]:
    if settings.jwt_secret is None:
        yield "JWT_SECRET must be set: tokens would be signed with the development secret kept in DATA_DIR"


def _no_dev_signin(settings: Settings) -> Iterator[str]:
    if settings.dev_signin:
        yield "DEV_SIGNIN must be off: its page lets anyone sign in as anyone"


def _privacy_keys(settings: Settings) -> Iterator[str]:
    if settings.privacy_master_keys is None:
        yield (
            "PRIVACY_MASTER_KEYS must be set: the data subjects' keys would be wrapped by the development "
            "master key kept in the database beside them"
        )
    if settings.privacy_blind_index_key is None:
        yield "PRIVACY_BLIND_INDEX_KEY must be set: the development key is kept in the database itself"
    if not settings.privacy_seal_events:
        yield "PRIVACY_SEAL_EVENTS must be on: personal data would be stored and published in clear"


def _privacy_key_material(settings: Settings) -> Iterator[str]:
    """Malformed keys are refused in every environment, by name and never by value."""
    from xborder.privacy.configured import parse_master_keys

    if settings.privacy_master_keys is not None:
        try:
            keys = parse_master_keys(settings.privacy_master_keys.get_secret_value())
        except ValueError as error:
            yield str(error)
        else:
            current = settings.privacy_master_key_id
            if current is not None and current not in keys:
                yield f"PRIVACY_MASTER_KEY_ID names {current!r}, which is not among PRIVACY_MASTER_KEYS"
    elif settings.privacy_master_key_id is not None:
        yield "PRIVACY_MASTER_KEY_ID needs PRIVACY_MASTER_KEYS"
    blind = settings.privacy_blind_index_key
    if blind is not None and len(blind.get_secret_value().encode()) < 32:
        yield "PRIVACY_BLIND_INDEX_KEY must be at least 32 bytes"


def _paired_api_tls(settings: Settings) -> Iterator[str]:
    if (settings.tls_certfile is None) != (settings.tls_keyfile is None):
        yield "TLS_CERTFILE and TLS_KEYFILE go together: set both or neither"
    if settings.tls_client_ca_file is not None and settings.tls_certfile is None:
        yield "TLS_CLIENT_CA_FILE (mutual TLS) needs the API's own TLS_CERTFILE and TLS_KEYFILE"


def _complete_kafka_sasl(settings: Settings) -> Iterator[str]:
    if settings.kafka_security_protocol != "SASL_SSL":
        return
    missing = [
        name
        for name, value in (
            ("KAFKA_SASL_MECHANISM", settings.kafka_sasl_mechanism),
            ("KAFKA_SASL_USERNAME", settings.kafka_sasl_username),
            ("KAFKA_SASL_PASSWORD", settings.kafka_sasl_password),
        )
        if not value
    ]
    if missing:
        yield f"KAFKA_SECURITY_PROTOCOL=SASL_SSL needs {', '.join(missing)}"


# In every environment: settings that cannot work together.
CONSISTENCY_RULES: Final[tuple[Rule, ...]] = (_paired_api_tls, _complete_kafka_sasl, _privacy_key_material)
# In production only. Add a rule here (privacy keys, ...); `production_problems` runs them all.
PRODUCTION_RULES: Final[tuple[Rule, ...]] = (
    _api_tls,
    _kafka_tls,
    _postgres_tls,
    _own_database,
    _own_secret,
    _no_dev_signin,
    _privacy_keys,
)


def consistency_problems(settings: Settings) -> list[str]:
    return [problem for rule in CONSISTENCY_RULES for problem in rule(settings)]


def production_problems(settings: Settings) -> list[str]:
    """Everything a production deployment must not run with, each naming its setting (empty: none)."""
    return [problem for rule in PRODUCTION_RULES for problem in rule(settings)]


def refusal(settings: Settings) -> str | None:
    """The message the service refuses to start with, listing every problem at once; None: it may start."""
    problems = consistency_problems(settings)
    if settings.environment == "production":
        problems += production_problems(settings)
    if not problems:
        return None
    where = "ENVIRONMENT=production" if settings.environment == "production" else "the settings"
    return f"{where}: refusing to start until these are set right:\n" + "\n".join(
        f"  - {problem}" for problem in problems
    )
