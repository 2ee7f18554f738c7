"""The in-process scenarios on a bootstrapped Container: commands, HTTP (TestClient), projections.

Secondary figures (`bench.run` reports them after the live-service ones): one client, no network, no
concurrency. They isolate layers — the Application alone, the HTTP stack in process, one projection
stepped synchronously — which says where a command's time goes; the live figures say what a user gets.

Every scenario runs the vehicle-transfer workflow (跨省转籍): plates of Sichuan (川A, origin 510000)
move to Chongqing (500000) or Shanghai (310000). Failures are counted and reported, never asserted:
this is measurement only.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import sql

from bench.stats import Samples, wall_clock
from xborder.bootstrap import Container
from xborder.consumers.projection import ProjectionConsumer
from xborder.domain.actors import Actor, Role
from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.domain.vins import Vin
from xborder.projections.schema import schema_name
from xborder.workflows.transfer.aggregate import Owner, TransferRequest, VehicleTransfer
from xborder.workflows.transfer.application import VehicleTransfers

ORIGIN = "510000"
DESTINATIONS = ("500000", "310000")
PROVINCES = [ORIGIN, *DESTINATIONS]

VIN = "1M8GDM9AXKP042788"
OWNER_ID_NUMBER = "11010519491231002X"
OWNER_PHONE = "13812345678"
OWNER_NAME = "张三"
CITIES = {"500000": "重庆市", "310000": "上海市"}

# GA 36 serial characters: digits and letters without I and O.
_SERIAL_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CONVERGE_LIMIT_S = 60.0

COMMANDS = ("apply_for", "release_archive", "verify_archive", "inspect", "register")


@dataclass
class Case:
    id: UUID
    destination: str
    provinces: tuple[str, ...]
    version: int
    serial: int


class PlateFactory:
    """Distinct valid plates: `<province abbreviation>A` + 5 serial characters, from a seeded generator."""

    def __init__(self, seed: int = 20_240_601) -> None:
        self._rng = random.Random(seed)  # deterministic test data, not security
        self._used: set[str] = set()

    def next(self, province: str = ORIGIN) -> Plate:
        abbr = province_by_code(province).abbr
        while True:
            value = abbr + "A" + "".join(self._rng.choice(_SERIAL_CHARS) for _ in range(5))
            if value not in self._used:
                self._used.add(value)
                return Plate(value)


class TransferDriver:
    """Takes cases through the transfer workflow with the Application (no HTTP)."""

    def __init__(self, container: Container, plates: PlateFactory) -> None:
        self.container = container
        self.app = container.application(VehicleTransfers)
        self.plates = plates
        self.origin_admin = Actor(sub=f"admin-{ORIGIN}", province=ORIGIN, role=Role.VEHICLE_ADMIN)
        self._serial = 0

    def destination_admin(self, case: Case) -> Actor:
        return Actor(sub=f"admin-{case.destination}", province=case.destination, role=Role.VEHICLE_ADMIN)

    def application(self, destination: str) -> TransferRequest:
        return TransferRequest(
            plate=self.plates.next(ORIGIN),
            vin=Vin.parse(VIN),
            vehicle_type="small_passenger",
            use="non_commercial",
            owner=Owner(OWNER_NAME, IdNumber.parse(OWNER_ID_NUMBER), Phone.parse(OWNER_PHONE)),
            destination=province_by_code(destination),
            destination_city=CITIES[destination],
            residence_proof="居住证明-bench",
        )

    def apply_for(self, destination: str) -> Case:
        self._serial += 1
        application = self.application(destination)
        owner = Actor(sub=f"owner-{self._serial}", province=destination, role=Role.OWNER)
        transfer = self.app.apply_for(application, actor=owner, at=self.container.clock.now())
        return Case(
            id=transfer.id,
            destination=destination,
            provinces=tuple(sorted({ORIGIN, destination})),
            version=transfer.version,
            serial=self._serial,
        )

    def step(self, case: Case, command: str) -> None:
        """Run one follow-up command on `case` and record its new version."""
        now = self.container.clock.now()
        admin = self.destination_admin(case)
        transfer: VehicleTransfer
        if command == "release_archive":
            transfer = self.app.release_archive(
                case.id, f"ARCHIVE-{case.serial:06d}", actor=self.origin_admin, at=now
            )
        elif command == "verify_archive":
            transfer = self.app.verify_archive(case.id, True, "档案核对无误", actor=admin, at=now)
        elif command == "inspect":
            transfer = self.app.inspect(
                case.id, True, [], [f"inspection-{case.serial:06d}.jpg"], actor=admin, at=now
            )
        elif command == "register":
            transfer = self.app.register(case.id, self.plates.next(case.destination), actor=admin, at=now)
        else:
            raise ValueError(f"unknown command {command!r}")
        case.version = transfer.version


def destination_of(index: int) -> str:
    return DESTINATIONS[index % len(DESTINATIONS)]


# ---------------------------------------------------------------------------------------- commands
def run_commands(driver: TransferDriver, n: int) -> tuple[dict[str, Samples], list[Case]]:
    """N applications, then each case through release -> verify -> inspect -> register."""
    samples = {name: Samples(name) for name in COMMANDS}
    cases: list[Case] = []
    apply = samples["apply_for"]
    with wall_clock(apply):
        for i in range(n):
            try:
                with apply.measure():
                    case = driver.apply_for(destination_of(i))
            except Exception as error:  # noqa: BLE001 — counted and reported, the run goes on
                apply.latencies.pop()
                apply.error(repr(error))
                continue
            cases.append(case)
    live = list(cases)
    for command in COMMANDS[1:]:
        series = samples[command]
        survivors: list[Case] = []
        with wall_clock(series):
            for case in live:
                try:
                    with series.measure():
                        driver.step(case, command)
                except Exception as error:  # noqa: BLE001 — counted and reported, the run goes on
                    series.latencies.pop()
                    series.error(f"{case.id}: {error!r}")
                    continue
                survivors.append(case)
        live = survivors
    return samples, cases


def full_flow(driver: TransferDriver, n: int) -> list[Case]:
    """Unmeasured cases through the whole workflow (warm-up)."""
    cases = [driver.apply_for(destination_of(i)) for i in range(n)]
    for command in COMMANDS[1:]:
        for case in cases:
            driver.step(case, command)
    return cases


# ------------------------------------------------------------------------------------- projections
def read_model_versions(container: Container, province: str, ids: Sequence[UUID]) -> dict[UUID, int]:
    query = sql.SQL("SELECT id, version FROM {}.cases WHERE id = ANY(%s)").format(
        sql.Identifier(schema_name(province))
    )
    with container.db.transaction() as conn:
        rows = conn.execute(query, (list(ids),)).fetchall()
    return {row["id"]: int(row["version"]) for row in rows}


def expected_versions(container: Container, cases: Sequence[Case]) -> dict[UUID, int]:
    """The aggregates' versions, loaded from the event store (not trusted from the command results)."""
    return {case.id: container.application(VehicleTransfers).get(case.id).version for case in cases}


def drive_projections(container: Container, cases: Sequence[Case]) -> dict[str, Any]:
    """A projection consumer of each province alone (not the service's one consumer for the provinces
    of a database, which applies them together), stepped synchronously, one province at a time, until
    its read model holds the aggregate's version of every case it is involved in. Times only the
    stepping."""
    aggregate_versions = expected_versions(container, cases)
    max_notification = container.application(VehicleTransfers).recorder.max_notification_id() or 0
    app_name = container.application(VehicleTransfers).name
    provinces: dict[str, Any] = {}
    notes: list[str] = []
    for province in PROVINCES:
        worker = ProjectionConsumer(
            province, container.province_feed(province), container.readmodels, poll_timeout=0
        )
        mine = {c.id: aggregate_versions[c.id] for c in cases if province in c.provinces}
        before = read_model_versions(container, province, list(mine))
        to_apply = sum(v - before.get(case_id, 0) for case_id, v in mine.items())
        start_position = container.readmodels.load_positions(province).get(app_name, 1)
        steps = 0
        converged = False
        checking = 0.0
        start = time.perf_counter()
        try:
            while True:
                applied_before = worker.applied
                worker.step()
                steps += 1
                idle = worker.applied == applied_before
                if worker.applied >= to_apply or idle:
                    check_start = time.perf_counter()
                    converged = read_model_versions(container, province, list(mine)) == mine
                    checking += time.perf_counter() - check_start
                    if converged or (idle and time.perf_counter() - start > _CONVERGE_LIMIT_S):
                        break
        finally:
            elapsed = time.perf_counter() - start - checking
            worker.teardown()
        if not converged:
            notes.append(f"projection {province} did not converge within {_CONVERGE_LIMIT_S:.0f}s")
        provinces[province] = {
            "cases": len(mine),
            "events_applied": worker.applied,
            "events_expected": to_apply,
            "notifications_read": max(0, max_notification - start_position + 1),
            "steps": steps,
            "seconds": round(elapsed, 4),
            "events_per_s": round(worker.applied / elapsed, 1) if elapsed > 0 else None,
            "notifications_per_s": (
                round((max_notification - start_position + 1) / elapsed, 1) if elapsed > 0 else None
            ),
            "converged": converged,
        }
    applied = sum(p["events_applied"] for p in provinces.values())
    seconds = sum(p["seconds"] for p in provinces.values())
    return {
        "provinces": provinces,
        "total": {
            "events_applied": applied,
            "seconds": round(seconds, 4),
            "events_per_s": round(applied / seconds, 1) if seconds > 0 else None,
        },
        "notes": notes,
    }


# -------------------------------------------------------------------------------------------- HTTP
def run_http(container: Container, plates: PlateFactory, n: int, warmup: int) -> dict[str, Any]:
    """POST /v1/transfers and GET /v1/transfers/{id} through FastAPI's TestClient (in process)."""
    with warnings.catch_warnings():
        # Starlette's TestClient warns that it will move from httpx to httpx2; not ours to act on here.
        warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    from xborder.service import create_app

    destination = DESTINATIONS[0]
    token = container.issuer.mint(
        sub=f"bench-admin-{destination}", province=destination, role=Role.VEHICLE_ADMIN
    )
    headers = {"Authorization": f"Bearer {token}"}
    post, get = Samples("POST /v1/transfers"), Samples("GET /v1/transfers/{id}")
    created: list[Case] = []
    notes: list[str] = []
    app = create_app(container, run_workers=False)
    with TestClient(app) as client:

        def submit(measured: bool) -> None:
            body = _transfer_body(plates.next(ORIGIN).value, destination)
            start = time.perf_counter()
            response = client.post("/v1/transfers", json=body, headers=headers)
            elapsed = time.perf_counter() - start
            if response.status_code != 201:
                post.error(f"{response.status_code} {response.text}")
                return
            if measured:
                post.latencies.append(elapsed)
            answer = response.json()
            created.append(
                Case(
                    id=UUID(answer["id"]),
                    destination=destination,
                    provinces=tuple(sorted({ORIGIN, destination})),
                    version=int(answer["version"]),
                    serial=0,
                )
            )

        for _ in range(warmup):
            submit(measured=False)
        with wall_clock(post):
            for _ in range(n):
                submit(measured=True)

        catch_up = drive_projections(container, created)
        notes += catch_up["notes"]

        def fetch(case: Case, measured: bool) -> None:
            start = time.perf_counter()
            response = client.get(f"/v1/transfers/{case.id}", headers=headers)
            elapsed = time.perf_counter() - start
            if response.status_code != 200 or response.json().get("version") != case.version:
                get.error(f"{response.status_code} {response.text}")
                return
            if measured:
                get.latencies.append(elapsed)

        for case in created[:warmup]:
            fetch(case, measured=False)
        with wall_clock(get):
            for case in created[warmup:]:
                fetch(case, measured=True)
    return {
        "post_transfers": post.summary(),
        "get_transfer": get.summary(),
        "catch_up_projection_s": catch_up["total"]["seconds"],
        "notes": notes,
    }


def _transfer_body(plate: str, destination: str) -> dict[str, Any]:
    return {
        "plate": plate,
        "vin": VIN,
        "vehicle_type": "small_passenger",
        "use": "non_commercial",
        "owner": {"name": OWNER_NAME, "id_number": OWNER_ID_NUMBER, "phone": OWNER_PHONE},
        "destination_province": destination,
        "destination_city": CITIES[destination],
        "residence_proof": "居住证明-bench",
    }
