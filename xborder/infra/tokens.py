"""Development bearer tokens: minting HS256 JWTs and keeping the local signing secret.

The API only verifies tokens (`xborder.api.auth`); minting lives here so `xborder token ...` and tests can
produce exactly the claims the verifier expects: `sub`, `province`, `role`, optional `org`, and `iss`,
`aud`, `iat`, `nbf`, `exp` taken from the injected clock.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import jwt

from xborder.domain.actors import Role
from xborder.domain.errors import InvalidValue
from xborder.domain.provinces import province_by_code
from xborder.infra.clock import Clock
from xborder.infra.settings import Settings

__all__ = [
    "ALGORITHM",
    "DEV_SECRET_FILENAME",
    "SigningTerms",
    "TokenIssuer",
    "epoch_seconds",
    "issuer_from_settings",
    "load_or_create_dev_secret",
]

ALGORITHM: Final = "HS256"
DEV_SECRET_FILENAME: Final = "dev-jwt-secret"  # noqa: S105 (a file name)


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch of an aware datetime (a naive one would silently mean local time)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the clock must return an aware datetime")
    return int(moment.timestamp())


@dataclass(frozen=True, slots=True)
class SigningTerms:
    """What minting and verifying must agree on: the shared secret, the issuer and the audience —
    checked once here, for both sides."""

    secret: str
    issuer: str
    audience: str

    def __post_init__(self) -> None:
        for name in ("secret", "issuer", "audience"):
            if not getattr(self, name):
                raise ValueError(f"the token {name} must not be empty")


class TokenIssuer:
    """Mints HS256 tokens for one issuer/audience pair with a fixed lifetime."""

    def __init__(self, *, secret: str, issuer: str, audience: str, ttl_seconds: int, clock: Clock) -> None:
        terms = SigningTerms(secret, issuer, audience)
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds}")
        self.terms = terms
        self._secret, self._issuer, self._audience = terms.secret, terms.issuer, terms.audience
        self._ttl_seconds = ttl_seconds
        self._clock = clock

    def mint(self, *, sub: str, province: str, role: Role | str, org: str | None = None) -> str:
        if not isinstance(sub, str) or not sub.strip():
            raise ValueError("sub must be a non-empty string")
        try:
            province_code = province_by_code(province).code
        except InvalidValue as exc:
            raise ValueError(
                f"province must be a 6-digit province code such as 510000: {exc.detail}"
            ) from exc
        try:
            role_value = Role(role)
        except ValueError:
            allowed = ", ".join(r.value for r in Role if r is not Role.SYSTEM)
            raise ValueError(f"unknown role {role!r}; expected one of: {allowed}") from None
        if role_value is Role.SYSTEM:
            raise ValueError("role 'system' is internal and cannot be given to a token")
        if org is not None and (not isinstance(org, str) or not org.strip()):
            raise ValueError("org must be a non-empty string when given")

        issued_at = epoch_seconds(self._clock.now())
        claims: dict[str, Any] = {
            "sub": sub,
            "province": province_code,
            "role": role_value.value,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + self._ttl_seconds,
        }
        if org is not None:
            claims["org"] = org
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)


def issuer_from_settings(settings: Settings, clock: Clock) -> TokenIssuer:
    """The issuer the settings describe; without JWT_SECRET, the local development secret."""
    secret = (
        settings.jwt_secret.get_secret_value()
        if settings.jwt_secret
        else load_or_create_dev_secret(settings.data_dir)
    )
    return TokenIssuer(
        secret=secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.token_ttl_seconds,
        clock=clock,
    )


def load_or_create_dev_secret(data_dir: Path) -> str:
    """The development signing secret in `data_dir/dev-jwt-secret`, created (mode 0600) on first use.

    Creation is atomic: the secret is written to a private temporary file and then published with a hard
    link, which fails if another process got there first; the loser discards its secret and reads the
    winner's, so concurrent starts always agree on one secret and never see a half-written file.
    """
    path = data_dir / DEV_SECRET_FILENAME
    with contextlib.suppress(FileNotFoundError):
        return _read_secret(path)

    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    tmp = data_dir / f".{DEV_SECRET_FILENAME}.{os.getpid()}.{secrets.token_hex(8)}.tmp"
    _write_new_file(tmp, secret)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return _read_secret(path)
    except OSError:
        # No hard links on this filesystem: create the final file exclusively instead.
        try:
            _write_new_file(path, secret)
        except FileExistsError:
            return _read_secret(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return secret


def _write_new_file(path: Path, content: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        with contextlib.suppress(AttributeError, NotImplementedError):
            os.fchmod(fd, 0o600)  # exactly 0600 whatever the umask
        os.write(fd, content.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_secret(path: Path) -> str:
    secret = path.read_text(encoding="ascii").strip()
    if not secret:
        raise RuntimeError(f"{path} is empty; delete it to have a new development secret generated")
    return secret
