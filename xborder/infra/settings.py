"""Settings, read once from the environment by the composition root (`xborder.bootstrap`).

With nothing set the service runs on an embedded PostgreSQL under `./var/` and needs no Kafka. Nothing
else in the code reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    # Storage and distribution. Unset DATABASE_URL: embedded PostgreSQL under data_dir.
    # Unset KAFKA_BOOTSTRAP_SERVERS: no relay, projections read the notification logs directly.
    database_url: str | None = None
    kafka_bootstrap_servers: str | None = None
    kafka_partitions: int = Field(default=6, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_client_id: str = "xborder"
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)

    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # Tokens. Unset JWT_SECRET: a random development secret kept in data_dir/dev-jwt-secret.
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "xborder"
    jwt_audience: str = "xborder-api"
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)

    # Which provinces this process projects (codes, comma-separated). Unset: all 31.
    provinces: Annotated[list[str] | None, NoDecode] = None

    # Workers.
    run_workers: bool = True
    poll_interval_seconds: float = Field(default=0.5, gt=0)
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

    # Data overrides: the State Council's holiday schedule and the zones' agreed terms.
    holidays_file: Path | None = None
    zones_file: Path | None = None

    pg_pool_size: int = Field(default=8, ge=1)
    log_level: str = "INFO"

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # HS256 with a short key is guessable offline from any token (RFC 7518 §3.2: >= 256 bits).
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 bytes")
        return value

    @field_validator("provinces", mode="before")
    @classmethod
    def _split_codes(cls, value: object) -> object:
        if isinstance(value, str):
            return [code.strip() for code in value.split(",") if code.strip()] or None
        return value

    @property
    def kafka_enabled(self) -> bool:
        return bool(self.kafka_bootstrap_servers)
