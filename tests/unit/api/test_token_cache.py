"""A verified token is remembered, but never past its expiry and never for another secret's token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from xborder.api.auth import AuthenticationFailed, TokenVerifier
from xborder.domain.actors import Role
from xborder.infra.clock import SettableClock
from xborder.infra.tokens import TokenIssuer

SECRET = "s" * 40


def _pair(clock: SettableClock) -> tuple[TokenIssuer, TokenVerifier]:
    issuer = TokenIssuer(
        secret=SECRET, issuer="xborder", audience="xborder-api", ttl_seconds=600, clock=clock
    )
    verifier = TokenVerifier(secret=SECRET, issuer="xborder", audience="xborder-api", clock=clock)
    return issuer, verifier


def test_a_remembered_token_still_expires() -> None:
    clock = SettableClock(datetime(2026, 11, 30, 8, tzinfo=UTC))
    issuer, verifier = _pair(clock)
    token = issuer.mint(sub="officer-1", province="510000", role=Role.VEHICLE_ADMIN)
    assert verifier.verify(token).sub == "officer-1"
    assert verifier.verify(token).sub == "officer-1"  # from memory
    clock.advance(timedelta(minutes=20))
    with pytest.raises(AuthenticationFailed) as refused:
        verifier.verify(token)
    assert "expired" in refused.value.detail


def test_a_token_signed_otherwise_is_refused_even_after_a_good_one() -> None:
    clock = SettableClock(datetime(2026, 11, 30, 8, tzinfo=UTC))
    issuer, verifier = _pair(clock)
    good = issuer.mint(sub="officer-1", province="510000", role=Role.VEHICLE_ADMIN)
    verifier.verify(good)
    forged = good[: good.rindex(".") + 1] + ("A" * 43)
    with pytest.raises(AuthenticationFailed):
        verifier.verify(forged)
