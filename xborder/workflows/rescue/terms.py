"""The time limits of the rescue workflow (警医保联动), with their national values
(`xborder.domain.terms` says how a workflow's terms are declared and where they go)."""

from __future__ import annotations

from xborder.domain.calendar import TimeLimit
from xborder.domain.terms import NationalTerm


class Term(NationalTerm):
    # 交强险条例 / 救助基金办法: the relief fund is notified within 3 working days.
    FUND_NOTICE = "fund_notice", TimeLimit(3, "working_days")
    # 交强险条例 / 救助基金办法: the fund reviews an advance request within 5 working days.
    FUND_REVIEW = "fund_review", TimeLimit(5, "working_days")
