"""When a case's personal data may be erased (`CaseAggregate.legal_hold`): never while the case is
open; never once a hit-and-run went to criminal proceedings; a finished transfer frees it."""

from __future__ import annotations

import pytest

from tests.unit.domain import hit_and_run_builders as hb
from tests.unit.domain import transfer_builders as tb
from xborder.workflows.hit_and_run.aggregate import HitAndRunStatus


@pytest.mark.parametrize("status", [s for s in HitAndRunStatus if s != HitAndRunStatus.CLOSED])
def test_a_hit_and_run_holds_its_data_unless_closed_without_prosecution(status: HitAndRunStatus) -> None:
    case = hb.in_status(status)
    hold = case.legal_hold()
    assert hold is not None
    if status == HitAndRunStatus.TRANSFERRED_TO_CRIMINAL:
        assert "criminal proceedings" in hold
    else:
        assert "still open" in hold


def test_a_closed_hit_and_run_may_be_erased() -> None:
    assert hb.in_status(HitAndRunStatus.CLOSED).legal_hold() is None


def test_a_transfer_holds_its_data_until_it_ends() -> None:
    transfer = tb.apply()
    assert "still open (archive_requested)" in str(transfer.legal_hold())
    tb.withdraw(transfer, tb.T0)
    assert transfer.legal_hold() is None
