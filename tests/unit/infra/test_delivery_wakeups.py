"""Which consumers a save wakes: the involved provinces' and its application's national ones only; and
everyone when announcements may have been missed (a listener reconnecting)."""

from __future__ import annotations

from xborder.domain.routing import EventRoutes
from xborder.infra.feeds import DeliveryWakeups

CHUAN, YU, HU = "510000", "500000", "310000"


def test_a_save_wakes_its_provinces_and_its_national_consumers_only() -> None:
    wakeups = DeliveryWakeups()
    chuan, yu, hu = wakeups.of(CHUAN), wakeups.of(YU), wakeups.of(HU)
    transfers, rescues = wakeups.national(["VehicleTransfers"]), wakeups.national(["JointRescues"])
    before = {w: w.generation() for w in (chuan, yu, hu, transfers, rescues)}

    wakeups.notify(EventRoutes("VehicleTransfers", [[CHUAN, YU]]))

    woken = {w for w, seen in before.items() if w.generation() != seen}
    assert woken == {chuan, yu, transfers}


def test_notify_all_wakes_every_consumer_so_a_missed_announcement_costs_no_more_than_a_look() -> None:
    wakeups = DeliveryWakeups()
    every = [wakeups.of(CHUAN), wakeups.of(HU), wakeups.national(["VehicleTransfers"])]
    before = [w.generation() for w in every]

    wakeups.notify_all()

    assert all(w.generation() != seen for w, seen in zip(every, before, strict=True))
