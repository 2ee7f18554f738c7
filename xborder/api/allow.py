"""What `Allow` says on a 405: every method the resource has, as RFC 9110 §15.5.6 asks.

Starlette answers 405 from the first route whose path matched, so `/v1/transfers` (a GET route and a POST
route) would say `Allow: GET` to a DELETE. Asking every route whether it fully matches the same request
with each method in turn finds them all, through nothing but the routes' public `matches`.
"""

from __future__ import annotations

from typing import Final

from starlette.applications import Starlette
from starlette.routing import Match
from starlette.types import Scope

__all__ = ["allowed_methods"]

_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def allowed_methods(app: Starlette, scope: Scope) -> list[str]:
    """The methods some route of `app` would serve at the path of `scope` (an HTTP request's scope)."""
    routes = app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]
