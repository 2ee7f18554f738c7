"""The per-caller rate limit: commands and reads, each a token bucket per caller, 429 beyond it.

The caller is the verified token's (sub, province, role) — the same identity idempotency keys are scoped
to — so the check runs where the actor is established (`get_actor` calls `admit`), after the token is
verified and before the endpoint does any work. Unauthenticated requests never reach it (they get 401
without touching the store), and `/healthz`, `/readyz` and `/metrics` take no token, so probes and
scrapers are never limited. Commands (POST) and reads (GET, HEAD) have separate buckets: a caller that
has spent its commands can still look at its cases.

Every answer to an authenticated request carries `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (draft-ietf-httpapi-ratelimit-headers) for the bucket the request drew on; a refusal is
429 problem+json with `Retry-After` as well. The endpoints build their own responses, so the header
fields are added by a small ASGI middleware from what `admit` left in the request's state.

The buckets live in this process's memory: the limit is per API process. A deployment that runs
several API processes behind a load balancer multiplies it by their number, or — better — enforces the
limit once at the gateway and sets `RATE_LIMIT_ENABLED=false` here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xborder.api.problems import ProblemError
from xborder.api.token_bucket import RateDecision, RatePolicy, TokenBuckets
from xborder.domain.actors import Actor
from xborder.infra.settings import Settings

__all__ = ["RATE_LIMITED", "CallerRateLimits", "RateLimitHeaders", "install_rate_limits"]

RATE_LIMITED: Final = "rate.limited"
# Where `admit` leaves its decision for `RateLimitHeaders` (the request's state, i.e. scope["state"]).
_STATE_KEY: Final = "rate_limit"
_READ_METHODS: Final = frozenset({"GET", "HEAD"})

Caller = tuple[str, str | None, str]


class CallerRateLimits:
    """Token buckets per caller: one set for commands, one for reads. Implements `auth.CallerGate`."""

    def __init__(
        self, *, commands: RatePolicy, reads: RatePolicy, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.commands: TokenBuckets[Caller] = TokenBuckets(commands, now=now)
        self.reads: TokenBuckets[Caller] = TokenBuckets(reads, now=now)

    def admit(self, request: Request, actor: Actor) -> None:
        """Take a token for this request, or refuse it with 429."""
        buckets = self.reads if request.method in _READ_METHODS else self.commands
        decision = buckets.take((actor.sub, actor.province, actor.role.value))
        setattr(request.state, _STATE_KEY, decision)
        if not decision.allowed:
            kind = "reads" if buckets is self.reads else "commands"
            raise ProblemError(
                429,
                RATE_LIMITED,
                f"too many {kind} from this caller (at most {buckets.policy.per_second:g} a second, "
                f"bursts of {buckets.policy.burst}); retry after {decision.retry_after_seconds} s",
                title="Too many requests",
                headers=decision.headers(),
            )


class RateLimitHeaders:
    """Adds the RateLimit header fields to the answer of every request `CallerRateLimits` admitted
    or refused (requests that never authenticated get none)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Request.state stores into this very dict, so the decision made inside the endpoint's
        # dependencies is visible here when the answer starts.
        state = scope.setdefault("state", {})

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                decision = state.get(_STATE_KEY)
                if isinstance(decision, RateDecision):
                    headers = MutableHeaders(scope=message)
                    for name, value in decision.headers().items():
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_fields)


def install_rate_limits(app: FastAPI, settings: Settings) -> None:
    """Keep the buckets on the app (`app.state.caller_gate`, consulted by `get_actor`) and add the
    header middleware. With `rate_limit_enabled` off, neither is installed."""
    if not settings.rate_limit_enabled:
        return
    app.state.caller_gate = CallerRateLimits(
        commands=RatePolicy(settings.rate_limit_commands_per_second, settings.rate_limit_commands_burst),
        reads=RatePolicy(settings.rate_limit_reads_per_second, settings.rate_limit_reads_burst),
    )
    app.add_middleware(RateLimitHeaders)
