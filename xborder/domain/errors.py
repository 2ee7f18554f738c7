"""Domain errors: each carries a stable machine `code` the API turns into problem+json.

The domain never speaks HTTP; the API maps each family below to a status once, in one place
(`xborder.api.problems`). Keeping the code on the error means a rule and its client-facing name live
together and cannot drift apart.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code: str = "domain.error"

    def __init__(self, detail: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.field = field


class InvalidValue(DomainError, ValueError):
    """An identifier or value is malformed (bad plate, VIN, ID number, province...).

    Subclasses ValueError so pydantic validators can raise it and keep the field location.
    """

    code = "value.invalid"


class RuleViolation(DomainError):
    """Well-formed input that a regulation forbids (ineligible vehicle, same-province transfer...)."""

    code = "rule.violated"


class VehicleBlocked(RuleViolation):
    """The vehicle is held by an open case in some province and may not be transferred."""

    code = "transfer.vehicle_blocked"


class TransitionNotAllowed(DomainError):
    """The command does not apply to the case in its current state."""

    code = "transition.not_allowed"


class NotPermitted(DomainError):
    """The caller can see the case but its province or role may not perform this action."""

    code = "auth.forbidden"


class CaseNotFound(DomainError):
    """No such case, or one the caller's province is not involved in (deliberately indistinguishable)."""

    code = "case.not_found"


class VersionMismatch(DomainError):
    """`If-Match` named a version that is no longer the case's current version."""

    code = "case.version_mismatch"


class ConcurrentConflict(DomainError):
    """Another command changed the case between our load and our save."""

    code = "case.conflict"
