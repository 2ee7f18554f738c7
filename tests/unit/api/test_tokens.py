"""Minting and verifying bearer tokens, and the development signing secret."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from xborder.api.auth import AuthenticationFailed, TokenVerifier
from xborder.domain.actors import Actor, Role
from xborder.infra.clock import SettableClock
from xborder.infra.tokens import TokenIssuer, load_or_create_dev_secret

SECRET = "unit-test-secret-" + "k" * 48
OTHER_SECRET = "another-unit-test-secret-" + "q" * 48
ISSUER = "xborder"
AUDIENCE = "xborder-api"
TTL = 3600
LEEWAY = 30
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture
def issuer(clock: SettableClock) -> TokenIssuer:
    return TokenIssuer(secret=SECRET, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=TTL, clock=clock)


@pytest.fixture
def verifier(clock: SettableClock) -> TokenVerifier:
    return TokenVerifier(secret=SECRET, issuer=ISSUER, audience=AUDIENCE, clock=clock, leeway_seconds=LEEWAY)


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(START.timestamp())
    claims: dict[str, Any] = {
        "sub": "officer-7",
        "province": "510000",
        "role": "vehicle_admin",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + TTL,
    }
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _encode(claims: dict[str, Any], *, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _rejected(verifier: TokenVerifier, token: str, code: str = "auth.invalid_token") -> AuthenticationFailed:
    with pytest.raises(AuthenticationFailed) as info:
        verifier.verify(token)
    assert info.value.code == code
    assert token not in info.value.detail
    return info.value


# --- round trip -----------------------------------------------------------------------------------------


def test_mint_then_verify_gives_the_actor(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.mint(sub="officer-7", province="510000", role=Role.VEHICLE_ADMIN)
    assert verifier.verify(token) == Actor(sub="officer-7", province="510000", role=Role.VEHICLE_ADMIN)


def test_round_trip_with_org_and_role_as_text(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.mint(sub="pingan-1", province="500000", role="insurer", org="PICC")
    assert verifier.verify(token) == Actor(sub="pingan-1", province="500000", role=Role.INSURER, org="PICC")


def test_minted_claims_come_from_the_clock(issuer: TokenIssuer) -> None:
    token = issuer.mint(sub="u1", province="510000", role=Role.OWNER)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, options={"verify_signature": False})
    now = int(START.timestamp())
    assert claims == {
        "sub": "u1",
        "province": "510000",
        "role": "owner",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + TTL,
    }


# --- time -----------------------------------------------------------------------------------------------


def test_expired_token_is_rejected(
    issuer: TokenIssuer, verifier: TokenVerifier, clock: SettableClock
) -> None:
    token = issuer.mint(sub="u1", province="510000", role=Role.OWNER)
    clock.advance(timedelta(seconds=TTL + LEEWAY - 1))
    assert verifier.verify(token).sub == "u1"  # still within the leeway
    clock.advance(timedelta(seconds=2))
    error = _rejected(verifier, token, "auth.expired_token")
    assert "expired" in error.detail


def test_token_from_the_future_is_not_yet_valid(verifier: TokenVerifier) -> None:
    later = int(START.timestamp()) + 600
    error = _rejected(verifier, _encode(_claims(iat=later, nbf=later, exp=later + TTL)))
    assert "not valid yet" in error.detail


def test_nbf_in_the_future_is_rejected_but_within_leeway_accepted(verifier: TokenVerifier) -> None:
    now = int(START.timestamp())
    _rejected(verifier, _encode(_claims(nbf=now + LEEWAY + 5)))
    assert verifier.verify(_encode(_claims(nbf=now + LEEWAY - 5))).sub == "officer-7"


def test_iat_in_the_future_is_rejected(verifier: TokenVerifier) -> None:
    error = _rejected(verifier, _encode(_claims(iat=int(START.timestamp()) + 3 * LEEWAY, nbf=None)))
    assert "iat" in error.detail


def test_expired_at_mint_time_for_a_moved_issuer_clock(verifier: TokenVerifier) -> None:
    old_clock = SettableClock(START - timedelta(days=1))
    old = TokenIssuer(secret=SECRET, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=TTL, clock=old_clock)
    _rejected(verifier, old.mint(sub="u1", province="510000", role=Role.OWNER), "auth.expired_token")


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ["soon", True, None])
def test_non_numeric_time_claims_are_rejected(verifier: TokenVerifier, claim: str, value: object) -> None:
    claims = _claims()
    claims[claim] = value
    _rejected(verifier, _encode(claims))


# --- issuer, audience, signature, algorithm -------------------------------------------------------------


def test_wrong_audience_is_rejected(verifier: TokenVerifier) -> None:
    error = _rejected(verifier, _encode(_claims(aud="someone-else")))
    assert "audience" in error.detail


def test_wrong_issuer_is_rejected(verifier: TokenVerifier) -> None:
    error = _rejected(verifier, _encode(_claims(iss="evil")))
    assert "issuer" in error.detail


def test_forged_signature_is_rejected(clock: SettableClock, verifier: TokenVerifier) -> None:
    forger = TokenIssuer(secret=OTHER_SECRET, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=TTL, clock=clock)
    error = _rejected(verifier, forger.mint(sub="u1", province="510000", role=Role.OWNER))
    assert "signature" in error.detail


def test_tampered_payload_is_rejected(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    header, _, signature = issuer.mint(sub="u1", province="510000", role=Role.OWNER).split(".")
    payload = _b64(_claims(sub="u1", role="vehicle_admin"))
    _rejected(verifier, f"{header}.{payload}.{signature}")


def test_alg_none_token_is_rejected(verifier: TokenVerifier) -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}."
    error = _rejected(verifier, token)
    assert "algorithm" in error.detail


def test_hs512_with_the_same_secret_is_rejected(verifier: TokenVerifier) -> None:
    error = _rejected(verifier, _encode(_claims(), algorithm="HS512"))
    assert "algorithm" in error.detail


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "x" * 10_000])
def test_malformed_tokens_are_rejected(verifier: TokenVerifier, token: str) -> None:
    with pytest.raises(AuthenticationFailed) as info:
        verifier.verify(token)
    assert info.value.code in {"auth.invalid_token", "auth.missing_token"}


# --- required and domain claims -------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud", "sub", "province", "role"])
def test_missing_required_claim_is_rejected(verifier: TokenVerifier, claim: str) -> None:
    error = _rejected(verifier, _encode(_claims(**{claim: None})))
    assert claim in error.detail


@pytest.mark.parametrize("province", ["510100", "999999", "川", 510000, ""])
def test_bad_province_claim_is_rejected(verifier: TokenVerifier, province: object) -> None:
    error = _rejected(verifier, _encode(_claims(province=province)))
    assert "province" in error.detail


@pytest.mark.parametrize("role", ["system", "admin", "OWNER", 3])
def test_system_or_unknown_role_is_rejected(verifier: TokenVerifier, role: object) -> None:
    error = _rejected(verifier, _encode(_claims(role=role)))
    assert "role" in error.detail


@pytest.mark.parametrize("org", ["", 42, ["PICC"]])
def test_bad_org_claim_is_rejected(verifier: TokenVerifier, org: object) -> None:
    _rejected(verifier, _encode(_claims(org=org)))


@pytest.mark.parametrize("sub", ["", "   "])
def test_blank_subject_is_rejected(verifier: TokenVerifier, sub: str) -> None:
    _rejected(verifier, _encode(_claims(sub=sub)))


# --- minting refuses bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sub": "", "province": "510000", "role": "owner"}, "sub"),
        ({"sub": "u", "province": "510100", "role": "owner"}, "province"),
        ({"sub": "u", "province": "Sichuan", "role": "owner"}, "province"),
        ({"sub": "u", "province": "510000", "role": "system"}, "system"),
        ({"sub": "u", "province": "510000", "role": Role.SYSTEM}, "system"),
        ({"sub": "u", "province": "510000", "role": "admin"}, "role"),
        ({"sub": "u", "province": "510000", "role": "insurer", "org": ""}, "org"),
    ],
)
def test_mint_refuses_bad_input(issuer: TokenIssuer, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        issuer.mint(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"secret": ""}, {"ttl_seconds": 0}, {"issuer": ""}, {"audience": ""}],
)
def test_issuer_refuses_bad_configuration(clock: SettableClock, kwargs: dict[str, Any]) -> None:
    config: dict[str, Any] = {
        "secret": SECRET,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "ttl_seconds": TTL,
        "clock": clock,
    } | kwargs
    with pytest.raises(ValueError):
        TokenIssuer(**config)


# --- development secret ---------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_dev_secret_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "var" / "nested"
    secret = load_or_create_dev_secret(data_dir)
    path = data_dir / "dev-jwt-secret"
    assert len(secret) >= 64
    assert path.read_text() == secret
    assert _mode(path) == 0o600
    assert load_or_create_dev_secret(data_dir) == secret
    assert sorted(p.name for p in data_dir.iterdir()) == ["dev-jwt-secret"]  # no temporary left


def test_dev_secret_of_another_process_is_reused(tmp_path: Path) -> None:
    (tmp_path / "dev-jwt-secret").write_text("theirs\n")
    assert load_or_create_dev_secret(tmp_path) == "theirs"


def test_dev_secret_race_lost_reads_the_winner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def other_process_wins(src: Path, dst: Path) -> None:
        Path(dst).write_text("winner")
        raise FileExistsError(dst)

    monkeypatch.setattr(os, "link", other_process_wins)
    assert load_or_create_dev_secret(tmp_path) == "winner"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev-jwt-secret"]


def test_dev_secret_without_hard_links_is_created_exclusively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: Path, dst: Path) -> None:
        raise PermissionError("links not supported")

    monkeypatch.setattr(os, "link", no_links)
    secret = load_or_create_dev_secret(tmp_path)
    path = tmp_path / "dev-jwt-secret"
    assert path.read_text() == secret
    assert _mode(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev-jwt-secret"]


def test_empty_dev_secret_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "dev-jwt-secret").write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        load_or_create_dev_secret(tmp_path)


def test_dev_secret_signs_tokens_that_verify(tmp_path: Path, clock: SettableClock) -> None:
    secret = load_or_create_dev_secret(tmp_path)
    issuer = TokenIssuer(secret=secret, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=TTL, clock=clock)
    verifier = TokenVerifier(secret=secret, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    token = issuer.mint(sub="u1", province="650000", role=Role.FUND)
    assert verifier.verify(token) == Actor(sub="u1", province="650000", role=Role.FUND)
