"""Bearer-token authentication: the JWT in `Authorization` becomes the `Actor` a command runs as.

Tokens are HS256 only (the algorithm is pinned, so `alg: none` and algorithm-confusion tokens fail), must
carry `exp`, `iat`, `iss`, `aud` and `sub`, and must name a real province and a caller role. Time is judged
against the injected clock, not the wall clock, so tests and demos can move it. Failures never echo the token.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Annotated, Any, Final, Protocol

import jwt
from fastapi import Depends, Request

from xborder.domain.actors import Actor, Role
from xborder.domain.provinces import PROVINCE_CODES
from xborder.domain.text import forbidden_character
from xborder.infra.clock import Clock
from xborder.infra.tokens import ALGORITHM, SigningTerms

__all__ = [
    "EXPIRED_TOKEN",
    "INVALID_TOKEN",
    "MISSING_TOKEN",
    "ActorDep",
    "AuthenticationFailed",
    "CallerGate",
    "TokenVerifier",
    "get_actor",
]

# Problem codes, not secrets.
MISSING_TOKEN: Final = "auth.missing_token"  # noqa: S105
INVALID_TOKEN: Final = "auth.invalid_token"  # noqa: S105
EXPIRED_TOKEN: Final = "auth.expired_token"  # noqa: S105

REQUIRED_CLAIMS: Final = ("exp", "iat", "iss", "aud", "sub")
# Far above any token we mint; refuses to spend work on absurd headers.
MAX_TOKEN_LENGTH: Final = 8192
# `sub` and `org` are stored with every event the caller records (the actor) and in idempotency keys.
MAX_CLAIM_LENGTH: Final = 128

_CALLER_ROLES: Final = frozenset(role.value for role in Role if role is not Role.SYSTEM)


class AuthenticationFailed(Exception):
    """The request carries no usable bearer token; the API answers 401."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _invalid(detail: str) -> AuthenticationFailed:
    return AuthenticationFailed(INVALID_TOKEN, detail)


# Tokens remembered as verified (a few hundred bytes each): more than the callers active at once.
VERIFIED_TOKENS: Final = 4096


class TokenVerifier:
    """Verifies tokens minted by `xborder.infra.tokens.TokenIssuer` (same secret, issuer and audience)."""

    def __init__(
        self, *, secret: str, issuer: str, audience: str, clock: Clock, leeway_seconds: int = 30
    ) -> None:
        terms = SigningTerms(secret, issuer, audience)
        if leeway_seconds < 0:
            raise ValueError(f"leeway_seconds must not be negative, got {leeway_seconds}")
        self._secret, self._issuer, self._audience = terms.secret, terms.issuer, terms.audience
        self._clock = clock
        self._leeway = leeway_seconds
        self._verified: OrderedDict[str, tuple[dict[str, Any], Actor]] = OrderedDict()
        self._verified_lock = threading.Lock()

    def verify(self, token: str) -> Actor:
        """A client sends the same token with every request until it expires, so a token whose
        signature and claims verified is remembered (the most recent `VERIFIED_TOKENS`): verifying it
        again would give the same claims. Its times are checked on every request all the same."""
        if not isinstance(token, str) or not token:
            raise AuthenticationFailed(MISSING_TOKEN, "no bearer token was given")
        if len(token) > MAX_TOKEN_LENGTH:
            raise _invalid("the token is too long")
        with self._verified_lock:
            known = self._verified.get(token)
            if known is not None:
                self._verified.move_to_end(token)
        if known is not None:
            self._check_times(known[0])
            return known[1]
        claims = self._decode(token)
        self._check_times(claims)
        actor = self._actor(claims)
        with self._verified_lock:
            self._verified[token] = (claims, actor)
            while len(self._verified) > VERIFIED_TOKENS:
                self._verified.popitem(last=False)
        return actor

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    # Times are checked in _check_times against the injected clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAlgorithmError:
            raise _invalid(f"the token's algorithm is not accepted (only {ALGORITHM})") from None
        except jwt.InvalidSignatureError:
            raise _invalid("the token's signature does not verify") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _invalid(f"the token lacks the required claim '{exc.claim}'") from None
        except jwt.InvalidAudienceError:
            raise _invalid("the token's audience is not accepted") from None
        except jwt.InvalidIssuerError:
            raise _invalid("the token's issuer is not accepted") from None
        except jwt.DecodeError:
            raise _invalid("the token is malformed") from None
        except jwt.InvalidTokenError:
            raise _invalid("the token is not valid") from None
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        moment = self._clock.now()
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("the clock must return an aware datetime")
        now = moment.timestamp()
        exp = _timestamp(claims, "exp")
        iat = _timestamp(claims, "iat")
        nbf = _timestamp(claims, "nbf") if "nbf" in claims else None
        if exp <= now - self._leeway:
            raise AuthenticationFailed(EXPIRED_TOKEN, "the token has expired")
        if nbf is not None and nbf > now + self._leeway:
            raise _invalid("the token is not valid yet (nbf is in the future)")
        if iat > now + self._leeway:
            raise _invalid("the token was issued in the future (iat)")

    @staticmethod
    def _actor(claims: dict[str, Any]) -> Actor:
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise _invalid("the token's 'sub' claim must be a non-empty string")
        _check_claim_text("sub", sub)
        if "province" not in claims:
            raise _invalid("the token lacks the required claim 'province'")
        province = claims["province"]
        if not isinstance(province, str) or province not in PROVINCE_CODES:
            raise _invalid("the token's 'province' claim is not a province code")
        if "role" not in claims:
            raise _invalid("the token lacks the required claim 'role'")
        role = claims["role"]
        if not isinstance(role, str) or role not in _CALLER_ROLES:
            raise _invalid("the token's 'role' claim is not a caller role")
        org = claims.get("org")
        if org is not None and (not isinstance(org, str) or not org.strip()):
            raise _invalid("the token's 'org' claim must be a non-empty string")
        if org is not None:
            _check_claim_text("org", org)
        return Actor(sub=sub, province=province, role=Role(role), org=org)


def _check_claim_text(name: str, value: str) -> None:
    if len(value) > MAX_CLAIM_LENGTH:
        raise _invalid(f"the token's '{name}' claim is longer than {MAX_CLAIM_LENGTH} characters")
    if forbidden_character(value) is not None:
        raise _invalid(f"the token's '{name}' claim contains a control or invisible formatting character")


def _timestamp(claims: dict[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _invalid(f"the token's '{name}' claim must be a number of seconds")
    return float(value)


class CallerGate(Protocol):
    """Admits an authenticated caller's request or raises to refuse it (the per-caller rate limit,
    `xborder.api.rate_limits`). Consulted right after the token is verified, before the endpoint runs."""

    def admit(self, request: Request, actor: Actor) -> None: ...


async def get_actor(request: Request) -> Actor:
    """FastAPI dependency: the caller, from `Authorization: Bearer <token>` and `app.state.token_verifier`,
    admitted by `app.state.caller_gate` when the app has one.

    A coroutine although it awaits nothing: it does no I/O (an HMAC, an in-memory token bucket), and a
    plain function would be sent to the thread pool, a hand-off that costs a request more than the
    check itself and queues behind every endpoint waiting on the database."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationFailed(MISSING_TOKEN, "an 'Authorization: Bearer <token>' header is required")
    verifier = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("app.state.token_verifier is not configured")
    actor: Actor = verifier.verify(token)
    request.state.actor = actor
    gate: CallerGate | None = getattr(request.app.state, "caller_gate", None)
    if gate is not None:
        gate.admit(request, actor)
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
