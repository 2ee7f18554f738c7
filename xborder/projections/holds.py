"""Vehicle holds, fed like any projection from the workflows that hold vehicles.

An open violation objection holds its plate (and an open hit-and-run case its suspect plate) in every
province. The transfer workflow asks `CatchingUpHolds.holds_on(plate)` before it records an application
or an archive release. The lookup first applies whatever the event store has recorded since the table
was last fed, so an objection committed before the transfer command started is always seen — the check
does not depend on a background consumer's lag. Rows carry the version of the event that last changed
them, so applying an event twice (two lookups racing) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from xborder.domain.holds import VehicleHold
from xborder.domain.text import ensure_storable
from xborder.infra.contracts import Envelope
from xborder.infra.feeds import FeedRecord, LogSource, NotificationLogFeed, NotificationSelector, whole_log
from xborder.infra.postgres.database import Database
from xborder.projections.dead_letters import Connection, DeadLetters, Parking, apply_records
from xborder.projections.positions import load_consumer_positions, next_positions, store_consumer_positions

CONSUMER = "vehicle-holds"


@dataclass(frozen=True, slots=True)
class HoldChange:
    case_id: UUID
    version: int
    active: bool
    plate: str = ""
    kind: str = ""
    province: str = ""
    reason: str = ""


# Per workflow (aggregate type): which of its events take or release a hold. Declared by each
# workflow's spec (xborder.workflow.WorkflowSpec.holds); this table knows none of them by name.
HoldRules = Callable[[Envelope], list[HoldChange]]


def hold_changes(envelope: Envelope, rules: Mapping[str, HoldRules]) -> list[HoldChange]:
    if envelope.catch_up:
        # an earlier event replayed to a province that joined late: applied when it was recorded
        return []
    rule = rules.get(envelope.aggregate_type)
    return rule(envelope) if rule is not None else []


class HoldsTable:
    def __init__(self, db: Database, rules: Mapping[str, HoldRules]) -> None:
        self._db = db
        self.rules = dict(rules)

    def load_positions(self) -> dict[str, int]:
        return load_consumer_positions(self._db, CONSUMER)

    def apply(
        self, records: Sequence[FeedRecord], *, parking: Parking | None = None, careful: bool = False
    ) -> int:
        """Apply hold changes and positions in one transaction; returns how many records were parked
        (see `ProvinceReadModels.apply` for `parking` and `careful`)."""
        with self._db.transaction() as conn:
            parked = apply_records(conn, records, self._apply_one, parking=parking, careful=careful)
            store_consumer_positions(conn, CONSUMER, next_positions(records))
        return parked

    def _apply_one(self, conn: Connection, record: FeedRecord) -> None:
        for change in hold_changes(record.envelope, self.rules):
            ensure_storable({"plate": change.plate, "province": change.province, "reason": change.reason})
            if change.active:
                conn.execute(
                    "INSERT INTO xborder_vehicle_holds"
                    " (case_id, plate, kind, province, reason, active, version)"
                    " VALUES (%s, %s, %s, %s, %s, true, %s) ON CONFLICT (case_id) DO UPDATE SET"
                    " plate = EXCLUDED.plate, kind = EXCLUDED.kind, province = EXCLUDED.province,"
                    " reason = EXCLUDED.reason, active = true, version = EXCLUDED.version"
                    " WHERE xborder_vehicle_holds.version < EXCLUDED.version",
                    (
                        change.case_id,
                        change.plate,
                        change.kind,
                        change.province,
                        change.reason,
                        change.version,
                    ),
                )
            else:
                conn.execute(
                    "UPDATE xborder_vehicle_holds SET active = false, version = %s"
                    " WHERE case_id = %s AND version < %s",
                    (change.version, change.case_id, change.version),
                )

    def active_on(self, plate: str) -> list[VehicleHold]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT case_id, plate, kind, province, reason FROM xborder_vehicle_holds"
                " WHERE plate = %s AND active ORDER BY kind, case_id",
                (plate,),
            ).fetchall()
        return [VehicleHold(r["plate"], r["kind"], r["case_id"], r["province"], r["reason"]) for r in rows]


class CatchingUpHolds:
    """The HoldsLookup the transfer workflow uses: catch up with the event store, then answer.

    Every transfer command waits on this catch-up, so nothing in it may fail for a reason of one
    record: a record it cannot read or apply is parked as a dead letter (consumer `vehicle-holds`) and
    the catch-up goes on. Parking one objection's hold could let its vehicle's transfer slip past the
    application check; the origin's archive release checks again, `/readyz` and `xborder status` show
    the dead letter, and stopping instead would refuse every transfer in the country.
    """

    def __init__(
        self,
        table: HoldsTable,
        sources: Callable[[], Sequence[LogSource]],
        dead_letters: DeadLetters | None = None,
        *,
        select: NotificationSelector = whole_log,
    ) -> None:
        """`select`: how the logs are read (on PostgreSQL, one query first asks which have news)."""
        self._table = table
        self._select = select
        self._sources = sources
        self._dead_letters = dead_letters
        self._parking = Parking(dead_letters, CONSUMER) if dead_letters else None

    @property
    def table(self) -> HoldsTable:
        return self._table

    def holds_on(self, plate: str) -> Sequence[VehicleHold]:
        self.catch_up()
        return self._table.active_on(plate)

    def catch_up(self) -> None:
        sources = [s for s in self._sources() if s.aggregate_type in self._table.rules]
        if not sources:
            return
        on_unreadable = self._dead_letters.handler(CONSUMER) if self._dead_letters else None
        feed = NotificationLogFeed(
            sources, self._table.load_positions, on_unreadable=on_unreadable, select=self._select
        )
        while records := feed.poll(0):
            self._apply(records)

    def _apply(self, records: Sequence[FeedRecord]) -> None:
        parking = self._parking
        if parking is None:
            self._table.apply(records)
        else:
            parking.attempt(lambda careful: self._table.apply(records, parking=parking, careful=careful))
