"""The benchmark's load must be load a user could send: every generated application passes the API's
validation and the domain's parsers, none repeats a plate, VIN or owner (a repeat would be refused or
held, and the benchmark would measure refusals), and the pre-minted tokens are ones the service accepts.
No I/O and no timing: `make bench` itself is never run by the tests."""

from __future__ import annotations

from bench.bodies import ALL_PROVINCES, ApplicationFactory, Callers, application_for
from xborder.api.auth import TokenVerifier
from xborder.domain.actors import Role
from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.vins import Vin
from xborder.infra.clock import SystemClock
from xborder.infra.settings import Settings
from xborder.workflows.transfer.router import TransferIn

SECRET = "bench-secret-" + "0" * 32
FAR_SERIALS = [999_999, 1_000_000, 3_000_001, 14_999_999]


def test_applications_are_valid_distinct_and_cover_every_province_pair() -> None:
    seen: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for serial in [*range(2 * 31 * 30), *FAR_SERIALS]:
        application = application_for(serial)
        body = TransferIn.model_validate(application.body)
        plate = Plate.parse(body.plate)
        assert plate.province == application.origin
        assert body.destination_province == application.destination.code != application.origin.code
        Vin.parse(body.vin)
        Phone.parse(body.owner.phone)
        keys = {body.plate, body.vin, IdNumber.parse(body.owner.id_number).value}
        assert len(keys) == 3 and not keys & seen, f"serial {serial} repeats {keys & seen}"
        seen |= keys
        pairs.add((application.origin.code, application.destination.code))
    assert len(pairs) == len(ALL_PROVINCES) * (len(ALL_PROVINCES) - 1)


def test_the_factory_hands_out_consecutive_serials() -> None:
    factory = ApplicationFactory(start=7)
    assert [factory.next().serial for _ in range(3)] == [7, 8, 9]


def test_callers_carry_tokens_the_service_accepts() -> None:
    defaults = Settings.model_fields
    verifier = TokenVerifier(
        secret=SECRET,
        issuer=str(defaults["jwt_issuer"].default),
        audience=str(defaults["jwt_audience"].default),
        clock=SystemClock(),
    )
    callers = Callers(SECRET, per_province=2)
    application = application_for(12_345)
    owner = verifier.verify(callers.owner(application)["Authorization"].removeprefix("Bearer "))
    assert (owner.role, owner.province) == (Role.OWNER, application.destination.code)
    reader = verifier.verify(
        callers.reader(application.origin, application.serial)["Authorization"].removeprefix("Bearer ")
    )
    assert (reader.role, reader.province) == (Role.VEHICLE_ADMIN, application.origin.code)
