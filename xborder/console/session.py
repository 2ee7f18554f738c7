"""The console's session and its CSRF protection.

The session is the user's bearer token itself, in the `xborder_session` cookie (HttpOnly, SameSite=Strict,
Secure over https): the console keeps no session state, and the token is verified on every request by the
API's own verifier — an expired or forged token is no session. Behind an identity provider the token
comes in the header the provider's proxy sets (`IDENTITY_PROVIDER_HEADER`) and no cookie is needed.

CSRF: every form carries `csrf`, an HMAC (keyed from the service's token secret) of a random per-browser
nonce (the `xborder_csrf` cookie) and the session token; every POST must carry the one its cookies give.
A form of another session, another browser or another site does not. SameSite=Strict stops most of
that already; the token makes it not depend on the browser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final, Protocol

from starlette.requests import Request
from starlette.responses import Response

from xborder.domain.actors import Actor

SESSION_COOKIE: Final = "xborder_session"
CSRF_COOKIE: Final = "xborder_csrf"
CSRF_FIELD: Final = "csrf"
_KEY_LABEL: Final = b"xborder-console-csrf-v1"
_NONCE_BYTES: Final = 24
# A cookie of ours is never longer; anything longer is not ours.
_MAX_COOKIE: Final = 8192


class CsrfGuard:
    """Issues and checks the form tokens of one service (its secret)."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the CSRF key needs the service's token secret")
        self._key = hmac.new(secret.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()

    def token(self, nonce: str, session_token: str | None) -> str:
        message = f"{nonce}|{session_token or ''}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def check(self, submitted: str | None, nonce: str | None, session_token: str | None) -> bool:
        if not submitted or not nonce:
            return False
        return hmac.compare_digest(submitted, self.token(nonce, session_token))


def new_nonce() -> str:
    return secrets.token_urlsafe(_NONCE_BYTES)


def new_idempotency_key() -> str:
    """One per rendered form: a double submit of the form is one command (visible ASCII, ≤ 255)."""
    return f"console-{secrets.token_urlsafe(18)}"


@dataclass(frozen=True, slots=True)
class Session:
    """Who is signed in (if anyone) and the CSRF token this request's forms carry."""

    token: str | None
    actor: Actor | None
    nonce: str
    nonce_is_new: bool
    csrf: str
    from_identity_provider: bool = False

    @property
    def signed_in(self) -> bool:
        return self.actor is not None


def cookie(request: Request, name: str) -> str | None:
    value = request.cookies.get(name)
    if not value or len(value) > _MAX_COOKIE:
        return None
    return value


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_secure(request),
    )


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=is_secure(request)
    )


def set_nonce(response: Response, request: Request, nonce: str) -> None:
    response.set_cookie(
        CSRF_COOKIE, nonce, path="/", httponly=True, samesite="strict", secure=is_secure(request)
    )


class Verifier(Protocol):
    def verify(self, token: str) -> Actor: ...


def read_session(
    request: Request, guard: CsrfGuard, verifier: Verifier, identity_header: str | None
) -> Session:
    """The request's session: the identity provider's header when the service has one, else the
    cookie. A token the verifier refuses (expired, forged, of another secret) is no session."""
    from_provider = False
    token = None
    if identity_header:
        token = request.headers.get(identity_header) or None
        from_provider = token is not None
    if token is None:
        token = cookie(request, SESSION_COOKIE)
    actor = None
    if token is not None:
        try:
            actor = verifier.verify(token)
        except Exception:  # noqa: BLE001 (any refusal of the verifier means: not signed in)
            token, actor = None, None
    nonce = cookie(request, CSRF_COOKIE)
    nonce_is_new = nonce is None
    if nonce is None:
        nonce = new_nonce()
    return Session(
        token=token,
        actor=actor,
        nonce=nonce,
        nonce_is_new=nonce_is_new,
        csrf=guard.token(nonce, token),
        from_identity_provider=from_provider and actor is not None,
    )
