"""The time limits of the hit-and-run workflow (逃逸协查), with their national values
(`xborder.domain.terms` says how a workflow's terms are declared and where they go)."""

from __future__ import annotations

from xborder.domain.calendar import TimeLimit
from xborder.domain.terms import NationalTerm


class Term(NationalTerm):
    # 146号令《道路交通事故处理程序规定》: responsibility determined within 10 working days of capture.
    DETERMINATION = "determination", TimeLimit(10, "working_days")
    # 146号令 协查: targets acknowledge "promptly"; 24 hours until a zone records its own SLA.
    ASSISTANCE_ACK = "assistance_ack", TimeLimit(24, "hours")
    # 146号令 Art 66: an unsolved case's victim asks in writing; the determination within 10 days of it.
    INTERIM_DETERMINATION = "interim_determination", TimeLimit(10, "working_days")
