"""Settings, read once from the environment by the composition root (`xborder.bootstrap`).

With nothing set the service runs on an embedded PostgreSQL under `./var/` and needs no Kafka. Nothing
else in the code reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from xborder.domain.errors import InvalidValue
from xborder.domain.provinces import province_by_code

READMODEL_URL_PREFIX: Final = "READMODEL_URL_"


def _province_code(code: str) -> str:
    """A typo in a code would silently leave that province on the shared database: refuse to start.
    Checked per key, so that the error quotes the code and never the URLs (they may hold passwords)."""
    try:
        province_by_code(code)
    except InvalidValue:
        raise ValueError(f"{READMODEL_URL_PREFIX}{code}: not a province code") from None
    return code


ProvinceCode = Annotated[str, AfterValidator(_province_code)]


class Settings(BaseSettings):
    # hide_input_in_errors: a refusal never quotes the input (URLs and secrets among it).
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True, hide_input_in_errors=True)

    # Storage and distribution. Unset DATABASE_URL: embedded PostgreSQL under data_dir.
    # Unset KAFKA_BOOTSTRAP_SERVERS: no relay, projections read the notification logs directly.
    database_url: str | None = None
    kafka_bootstrap_servers: str | None = None
    # Partitions of the national stream's topics (KAFKA_PARTITIONS) and of each province's delivery topic
    # (KAFKA_PROVINCE_PARTITIONS). A province's topic carries its share of the nation's cases to one
    # consumer group, the province's projection, which keeps order per case and applies a batch in one
    # transaction: one partition serves it, and every partition more is fetched and answered on every
    # poll of a consumer that reads many provinces' topics (docs/decisions.md, "Speed against the raw
    # stack"). Topics that exist already keep their partitions.
    kafka_partitions: int = Field(default=6, ge=1)
    kafka_province_partitions: int = Field(default=1, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_client_id: str = "xborder"
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    # The per-workflow national topics (xborder.vehicle-transfer.v1, ...), beside the provinces' delivery
    # topics: only for a consumer entitled to every province's cases (the Ministry's national statistics,
    # 公安部交通管理局). Off: nothing outside a province's own topic carries its cases.
    kafka_national_stream: bool = False

    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # Tokens. Unset JWT_SECRET: a random development secret kept in data_dir/dev-jwt-secret.
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "xborder"
    jwt_audience: str = "xborder-api"
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)

    # The web console (xborder.console). DEV_SIGNIN: /signin lists identities to sign in as and mints
    # their tokens with the local secret — for development only (`make run` turns it on); a deployment
    # never does. IDENTITY_PROVIDER_HEADER: the request header in which the identity provider's proxy
    # hands the console the signed-in user's bearer token (e.g. X-Forwarded-Access-Token). The two are
    # refused together: a production identity provider and a sign-in-as-anyone page cannot coexist.
    dev_signin: bool = False
    identity_provider_header: str | None = Field(default=None, min_length=1, max_length=100)

    # Which provinces this process projects (codes, comma-separated). Unset: all 31.
    provinces: Annotated[list[str] | None, NoDecode] = None

    # Per-province read-model databases: province code -> PostgreSQL URL holding that province's read
    # model, its input positions and its projection's dead letters, so that a province can host its own.
    # Set as READMODEL_URL_<code> (one variable per province) or READMODEL_URLS (one JSON object); a
    # province not named uses DATABASE_URL's database. An unknown code refuses to start.
    readmodel_urls: dict[ProvinceCode, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)
    # The pool of each such database (the shared one uses pg_pool_size): one projection consumer and the
    # API's reads of the provinces it hosts.
    readmodel_pool_size: int = Field(default=4, ge=1)

    # Workers.
    run_workers: bool = True
    # Which kinds of workers run with the API (comma-separated; unset: all of them).
    worker_kinds: Annotated[list[str] | None, NoDecode] = None
    # `xborder serve` runs the workers in a child process of their own (`xborder work`), so that the API
    # and the consumers each have a core (one Python process computes on one core at a time); they wake
    # each other through PostgreSQL LISTEN/NOTIFY (xborder.consumers.listener).
    serve_workers_apart: bool = True
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    # How often a consumer looks for news anyway when a listener in its process hears every save
    # (xborder.consumers.listener): a safety net, not the path — while the listener is connected no
    # announcement is missed, and when it reconnects it wakes every consumer. Idle polling of 31
    # provinces every poll_interval_seconds cost a tenth of a core and PostgreSQL's time besides.
    idle_poll_seconds: float = Field(default=5.0, gt=0)
    deadline_tick_seconds: float = Field(default=1.0, gt=0)
    read_wait_max_seconds: float = Field(default=10.0, gt=0, le=60)
    # Waiting reads (`?min_version=&wait=`): woken at once by this process's projection consumers, and
    # looking again at this interval for consumers in other processes. Over the cap per caller: 429.
    read_wait_poll_seconds: float = Field(default=0.25, gt=0, le=5)
    max_waiting_reads_per_caller: int = Field(default=20, ge=1)

    # Request limits (xborder.api.limits, xborder.api.rate_limits). A body over max_body_bytes: 413
    # before it is read. Per caller (sub, province, role) and per API process, token buckets for commands
    # (POST) and reads (GET): a sustained rate a second and a burst; over them 429 with Retry-After.
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # Requests waiting for a worker thread beyond which a new one is answered 503 at once
    # (xborder.api.shedding): the queue an overload builds, and the memory it holds, stay bounded.
    max_requests_waiting: int = Field(default=256, ge=1)
    # An overload (xborder.api.overload): when even the fastest request of a second took longer than
    # this, requests past what the service serves within it are answered 503 at once, so that those it
    # admits are answered in about this time whatever is offered. 0 turns it off.
    overload_latency_seconds: float = Field(default=0.25, ge=0, le=60)
    # Never fewer requests in progress than this are admitted while overloaded, and fewer in an
    # interval never make an overload (a few slow requests are not a queue).
    overload_min_in_progress: int = Field(default=16, ge=1)
    rate_limit_enabled: bool = True
    rate_limit_commands_per_second: float = Field(default=20.0, gt=0)
    rate_limit_commands_burst: int = Field(default=300, ge=1)
    rate_limit_reads_per_second: float = Field(default=100.0, gt=0)
    rate_limit_reads_burst: int = Field(default=600, ge=1)

    # Idempotency records: ignored once older than the retention (by the injected clock), and deleted by
    # the janitor worker every interval, at most a batch per transaction.
    idempotency_retention_hours: float = Field(default=24.0, gt=0)
    idempotency_cleanup_interval_seconds: float = Field(default=300.0, gt=0)
    idempotency_cleanup_batch_size: int = Field(default=1000, ge=1, le=100_000)

    # Data overrides: the State Council's holiday schedule and the zones' agreed terms. The holidays
    # file adds or replaces whole years (those of its dates, and any it lists under "years") of the
    # built-in and `chinesecalendar` schedules; it never drops one (xborder.domain.holidays_cn).
    holidays_file: Path | None = None
    zones_file: Path | None = None

    pg_pool_size: int = Field(default=8, ge=1)
    log_level: str = "INFO"

    # Personal data sealed at the source (xborder.privacy; README, "Personal data"). PRIVACY_MASTER_KEYS:
    # `id:base64-of-32-bytes` pairs, comma-separated, wrapping the data subjects' keys; new keys are
    # wrapped by PRIVACY_MASTER_KEY_ID (rotate: add a key, point this at it, `xborder privacy rewrap`).
    # PRIVACY_BLIND_INDEX_KEY keys the HMAC that names subjects and matches ID numbers and phones in
    # searches. Unset (development only): generated once and kept in the database itself.
    # PRIVACY_DATABASE_URL: the keys' own database (the shared one when unset).
    privacy_master_keys: SecretStr | None = None
    privacy_master_key_id: str | None = None
    privacy_blind_index_key: SecretStr | None = None
    privacy_cipher: Literal["aes256gcm", "sm4gcm"] = "aes256gcm"
    privacy_database_url: str | None = None
    # Off only to measure what sealing costs (`make bench`); production refuses to start with it off.
    privacy_seal_events: bool = True

    # The audit log of sensitive reads (xborder.privacy.audit) keeps its rows at least this long: six
    # months at least (网络安全法 Art. 21). Nothing deletes them yet; archiving is by verified chain segments.
    audit_retention_days: int = Field(default=183, ge=183)

    # Encryption in transit (README, "Encryption in transit"). ENVIRONMENT=production refuses to start,
    # naming each, while any of these or the other production rules
    # (xborder.infra.production.production_problems) is missing or unsafe; development allows anything.
    environment: Literal["development", "production"] = "development"
    # The API over HTTPS: certificate chain and key (PEM). TLS_CLIENT_CA_FILE: also require a client
    # certificate issued by that CA (mutual TLS, for the provinces' gateways). TLS_TERMINATED_BY_PROXY: a
    # gateway in front terminates TLS — it must speak TLS to every client and the network between it and
    # the service must be private; production then asks for no certificate here.
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    tls_client_ca_file: Path | None = None
    tls_terminated_by_proxy: bool = False
    # Kafka: SSL (TLS; with a client certificate, mutual TLS) or SASL_SSL (TLS, the principal named by
    # SASL PLAIN or SCRAM). The CA file verifies the brokers' certificates.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL"] = "PLAINTEXT"
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    # PostgreSQL: libpq's sslmode and certificate files for every configured database (DATABASE_URL,
    # READMODEL_URL_<code>, the event store's pool); a parameter a URL sets itself wins. Unset sslmode:
    # what each URL says, else libpq's default (prefer, which falls back to plain text).
    database_sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None = (
        None
    )
    database_sslrootcert: Path | None = None
    database_sslcert: Path | None = None
    database_sslkey: Path | None = None

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # HS256 with a short key is guessable offline from any token (RFC 7518 §3.2: >= 256 bits).
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 bytes")
        return value

    @model_validator(mode="after")
    def _safe_for_its_environment(self) -> Settings:
        from xborder.infra.production import refusal  # it reads the settings: imported once they exist

        message = refusal(self)
        if message:
            raise ValueError(message)
        return self

    @model_validator(mode="after")
    def _no_dev_signin_beside_an_identity_provider(self) -> Settings:
        if self.dev_signin and self.identity_provider_header:
            raise ValueError(
                "DEV_SIGNIN is for development only and cannot be on with IDENTITY_PROVIDER_HEADER "
                "(a production identity provider): turn DEV_SIGNIN off"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The usual sources, plus READMODEL_URL_<code>: merged into `readmodel_urls` (a per-code
        variable wins over the same code in READMODEL_URLS; arguments win over both)."""
        return (
            init_settings,
            ProvinceReadModelUrls(settings_cls),
            env_settings,
            dotenv_settings,
            file_secret_settings,
        )

    @field_validator("provinces", "worker_kinds", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        """Lists given in one variable, comma-separated (`PROVINCES=510000,500000`); empty: unset."""
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()] or None
        return value

    @property
    def kafka_enabled(self) -> bool:
        return bool(self.kafka_bootstrap_servers)


class ProvinceReadModelUrls(PydanticBaseSettingsSource):
    """READMODEL_URL_<code> variables as `readmodel_urls`. One variable per province, because a
    deployment hands each province's database to the service separately (its own secret, its own
    manifest line), and one JSON object would have to be assembled from all of them. Empty ones count as
    unset, like an absent one."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything happens in __call__: the names are not fields

    def __call__(self) -> dict[str, Any]:
        urls = {
            name[len(READMODEL_URL_PREFIX) :]: value
            for name, value in os.environ.items()
            if name.upper().startswith(READMODEL_URL_PREFIX) and value.strip()
        }
        return {"readmodel_urls": urls} if urls else {}
