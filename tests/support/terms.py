"""Every workflow's terms together, as the root hands them to the zone book (for domain tests that
need the whole book without the registry)."""

from __future__ import annotations

from enum import StrEnum

from xborder.domain.zones import ZoneBook, default_zone_book, national_terms
from xborder.workflows.hit_and_run import terms as hit_and_run
from xborder.workflows.objection import terms as objection
from xborder.workflows.rescue import terms as rescue
from xborder.workflows.transfer import terms as transfer

_WORKFLOWS = (transfer, objection, hit_and_run, rescue)

Term = StrEnum(  # type: ignore[misc]
    "Term", {term.name: term.value for module in _WORKFLOWS for term in module.Term}
)
NATIONAL_TERMS = national_terms(*(module.Term.national_limits() for module in _WORKFLOWS))


def zone_book() -> ZoneBook:
    """The built-in zones with every workflow's national terms."""
    return default_zone_book(NATIONAL_TERMS)
