"""The console's session and CSRF tokens: bound to the browser's nonce and to the session's token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import ValidationError
from starlette.requests import Request

from xborder.console.session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfGuard,
    new_idempotency_key,
    read_session,
)
from xborder.domain.actors import Actor, Role
from xborder.infra.settings import Settings

ALICE = Actor(sub="alice", province="500000", role=Role.OWNER)


@dataclass
class FakeVerifier:
    """Accepts one token."""

    good: str

    def verify(self, token: str) -> Actor:
        if token != self.good:
            raise ValueError("not valid")
        return ALICE


def _request(cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if cookies:
        raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "query_string": b""})


def test_a_token_checks_only_with_its_nonce_and_session() -> None:
    guard = CsrfGuard("a-secret-of-the-service-of-enough-bytes")
    token = guard.token("nonce-1", "session-1")

    assert guard.check(token, "nonce-1", "session-1")
    assert not guard.check(token, "nonce-2", "session-1")
    assert not guard.check(token, "nonce-1", "session-2")
    assert not guard.check(token, "nonce-1", None)
    assert not guard.check("", "nonce-1", "session-1")
    assert not guard.check(token, None, "session-1")


def test_another_services_secret_gives_other_tokens() -> None:
    one = CsrfGuard("a-secret-of-the-service-of-enough-bytes")
    other = CsrfGuard("another-secret-of-another-service-xx")
    assert one.token("n", "s") != other.token("n", "s")


def test_the_session_is_the_verified_token_of_the_cookie() -> None:
    guard = CsrfGuard("a-secret-of-the-service-of-enough-bytes")
    verifier = FakeVerifier("good-token")

    signed_in = read_session(
        _request({SESSION_COOKIE: "good-token", CSRF_COOKIE: "nonce"}), guard, verifier, None
    )
    forged = read_session(_request({SESSION_COOKIE: "forged", CSRF_COOKIE: "nonce"}), guard, verifier, None)
    none = read_session(_request(), guard, verifier, None)

    assert signed_in.actor == ALICE
    assert signed_in.csrf == guard.token("nonce", "good-token")
    assert not signed_in.nonce_is_new
    assert forged.actor is None and forged.token is None
    assert none.actor is None and none.nonce_is_new and none.nonce


def test_the_identity_providers_header_wins_over_the_cookie() -> None:
    guard = CsrfGuard("a-secret-of-the-service-of-enough-bytes")
    verifier = FakeVerifier("from-the-provider")
    request = _request({SESSION_COOKIE: "stale"}, {"X-Forwarded-Access-Token": "from-the-provider"})

    session = read_session(request, guard, verifier, "X-Forwarded-Access-Token")
    ignored = read_session(request, guard, verifier, None)

    assert session.actor == ALICE and session.from_identity_provider
    assert ignored.actor is None


def test_idempotency_keys_are_fresh_visible_ascii() -> None:
    keys = {new_idempotency_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(0 < len(k) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in k) for k in keys)


def test_development_sign_in_is_refused_beside_an_identity_provider() -> None:
    assert Settings(dev_signin=True).dev_signin
    assert not Settings().dev_signin
    with pytest.raises(ValidationError, match="DEV_SIGNIN"):
        Settings(dev_signin=True, identity_provider_header="X-Forwarded-Access-Token")
