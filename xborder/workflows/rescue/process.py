"""Process manager: a rescue whose driver fled opens a hit-and-run case in the accident's province.

Not the API caller's job, so it cannot be forgotten. The case id is the one the rescue fixed when it
was opened (`hit_and_run_id_for`), so a re-delivered or replayed `RescueOpened` finds the case already
there and opens nothing: exactly one case per rescue, whatever the feed does.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from xborder.consumers.worker import FeedWorker
from xborder.domain.actors import Actor, Role
from xborder.domain.errors import ConcurrentConflict
from xborder.infra.contracts import Envelope
from xborder.infra.feeds import Feed, FeedRecord
from xborder.infra.postgres.database import Database
from xborder.projections.dead_letters import DeadLetters, Parking
from xborder.projections.positions import next_positions, store_consumer_positions
from xborder.workflows.hit_and_run.aggregate import HitAndRunCase, Incident, Place, SuspectVehicle
from xborder.workflows.hit_and_run.application import HitAndRunCases

logger = logging.getLogger("xborder.process.rescue")

CONSUMER = "process.rescue-hit-and-run"  # its positions and its dead letters


def incident_from_rescue(data: dict[str, Any]) -> Incident:
    place = data["place"]
    casualties = data["casualties"]
    return Incident(
        occurred_at=_aware(data["occurred_at"]),
        place=Place(place["road"], place.get("km"), place.get("lat"), place.get("lon")),
        dead=sum(1 for c in casualties if c["severity"] == "dead"),
        injured=sum(1 for c in casualties if c["severity"] != "dead"),
        suspect_vehicle=SuspectVehicle(
            plate=None,
            plate_partial=None,
            color="",
            model="unknown",
            features="the driver fled the scene of a joint rescue; vehicle to be identified",
        ),
        direction="",
    )


def _aware(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


class RescueHitAndRunProcess(FeedWorker):
    def __init__(
        self,
        feed: Feed,
        db: Database,
        hit_and_runs: HitAndRunCases,
        *,
        poll_timeout: float = 0.5,
        dead_letters: DeadLetters | None = None,
    ) -> None:
        super().__init__("process-rescue-hit-and-run")
        self.feed = feed
        self.db = db
        self.hit_and_runs = hit_and_runs
        self.poll_timeout = poll_timeout
        self.opened = 0
        self.parking = Parking(dead_letters, CONSUMER) if dead_letters else None

    def step(self) -> None:
        records = self.feed.poll(self.poll_timeout)
        if not records:
            return
        # At least once: positions move only after every case was opened (or found already open), or
        # its rescue's record parked as a dead letter (an accident whose data the hit-and-run case
        # refuses must not keep every later fled-driver rescue from opening its case).
        with self.db.transaction() as conn:
            if self.parking is None:
                for record in records:
                    self.handle(record.envelope)
            else:
                self.parking.apply_each(conn, records, lambda _, r: self._handle(r), careful=True)
            store_consumer_positions(conn, CONSUMER, next_positions(records))

    def _handle(self, record: FeedRecord) -> None:
        self.handle(record.envelope)

    def handle(self, envelope: Envelope) -> bool:
        opened = open_hit_and_run_case(envelope, self.hit_and_runs)
        self.opened += opened
        return opened


def open_hit_and_run_case(envelope: Envelope, hit_and_runs: HitAndRunCases) -> bool:
    """Open the case a fled-driver rescue calls for, unless it is open already; True when opened."""
    if envelope.catch_up or envelope.type != "RescueOpened" or not envelope.data.get("driver_fled"):
        return False
    case_id = UUID(str(envelope.data["hit_and_run_id"]))
    accident = str(envelope.data["accident"])
    actor = Actor(sub="system:rescue-process", province=accident, role=Role.SYSTEM)
    case = HitAndRunCase.open(
        incident_from_rescue(envelope.data),
        actor=actor,
        at=envelope.occurred_at,
        rescue_id=str(envelope.aggregate_id),
        case_id=case_id,
    )
    try:
        hit_and_runs.record(case)
    except ConcurrentConflict:
        return False  # opened before: a replay or a re-delivery
    logger.info("opened hit-and-run case %s for rescue %s", case_id, envelope.aggregate_id)
    return True
