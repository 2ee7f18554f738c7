"""The time limits of the objection workflow (异地撤销), with their national values
(`xborder.domain.terms` says how a workflow's terms are declared and where they go)."""

from __future__ import annotations

from xborder.domain.calendar import TimeLimit
from xborder.domain.terms import NationalTerm


class Term(NationalTerm):
    # 157号令《道路交通安全违法行为处理程序规定》: review within 5 working days of forwarding.
    OBJECTION_REVIEW = "objection_review", TimeLimit(5, "working_days")
    # 157号令: an upheld objection's record is eliminated within 3 working days.
    RECORD_ELIMINATION = "record_elimination", TimeLimit(3, "working_days")
