"""The time limits of the transfer workflow (跨省转籍), with their national values
(`xborder.domain.terms` says how a workflow's terms are declared and where they go)."""

from __future__ import annotations

from xborder.domain.calendar import TimeLimit
from xborder.domain.terms import NationalTerm


class Term(NationalTerm):
    # 164号令《机动车登记规定》: origin releases the archive within 2 working days.
    ARCHIVE_RELEASE = "archive_release", TimeLimit(2, "working_days")
    # 164号令: destination verifies the received archive within 1 working day.
    ARCHIVE_VERIFICATION = "archive_verification", TimeLimit(1, "working_days")
    # 164号令: destination registers within 3 working days of a passed inspection.
    REGISTRATION = "registration", TimeLimit(3, "working_days")
    # 164号令: a released archive lapses after 30 calendar days without registration.
    TRANSFER_LAPSE = "transfer_lapse", TimeLimit(30, "calendar_days")
