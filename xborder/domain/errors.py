"""Domain errors: each carries a stable machine `code` the API turns into problem+json.

The domain never speaks HTTP; the API maps each family below to a status once, in one place
(`xborder.api.problems`). Keeping the code on the error means a rule and its client-facing name live
together and cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xborder.domain.holds import VehicleHold


class DomainError(Exception):
    """Base of every error the domain raises on purpose.

    Each family declares its code with the class (`class RuleViolation(DomainError, code=...)`); the
    keyword is required, so a new family never answers with its parent's code by accident.
    """

    code: str = "domain.error"

    def __init_subclass__(cls, *, code: str) -> None:
        super().__init_subclass__()
        cls.code = code

    def __init__(self, detail: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.field = field


class InvalidValue(DomainError, ValueError, code="value.invalid"):
    """An identifier or value is malformed (bad plate, VIN, ID number, province...).

    Subclasses ValueError so pydantic validators can raise it and keep the field location.
    """


class RuleViolation(DomainError, code="rule.violated"):
    """Well-formed input that a regulation forbids (ineligible vehicle, same-province transfer...)."""


class VehicleBlocked(RuleViolation, code="transfer.vehicle_blocked"):
    """The vehicle is held by an open case in some province and may not be transferred.

    `detail` names only the kinds of the holding cases; `holds` are the holds themselves, which the
    API shows in full only to a caller who may see the holding case (`xborder.api.holds_view`)."""

    def __init__(self, detail: str, *, holds: Sequence[VehicleHold]) -> None:
        super().__init__(detail, field="plate")
        self.holds = tuple(holds)


class TransitionNotAllowed(DomainError, code="transition.not_allowed"):
    """The command does not apply to the case in its current state."""


class NotPermitted(DomainError, code="auth.forbidden"):
    """The caller can see the case but its province or role may not perform this action."""


class CaseNotFound(DomainError, code="case.not_found"):
    """No such case, or one the caller's province is not involved in (deliberately indistinguishable)."""


class VersionMismatch(DomainError, code="case.version_mismatch"):
    """`If-Match` named a version that is no longer the case's current version."""


class ConcurrentConflict(DomainError, code="case.conflict"):
    """Another command changed the case between our load and our save."""
