"""Every kind of bad input gets a 4xx problem+json naming the cause, and records no event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, Service
from xborder.infra.clock import SettableClock
from xborder.infra.tokens import TokenIssuer


def _body(**changes: Any) -> dict[str, Any]:
    body = {**TRANSFER_BODY, "owner": dict(TRANSFER_BODY["owner"])}
    for key, value in changes.items():
        if key.startswith("owner_"):
            body["owner"][key.removeprefix("owner_")] = value
        else:
            body[key] = value
    return body


CREATION_CASES = [
    ("invalid plate", _body(plate="川AI2345"), 422, "plate.invalid", "plate"),
    ("plate of unknown province", _body(plate="X A12345"), 422, "plate.invalid", "plate"),
    # GA 36-2018: an embassy's or a police plate is never a civilian owner's, so never transferred.
    ("embassy plate", _body(plate="使014578"), 422, "plate.invalid", "plate"),
    ("police plate", _body(plate="川A1234警"), 422, "plate.invalid", "plate"),
    ("invalid VIN check digit", _body(vin="1M8GDM9A1KP042788"), 422, "vin.invalid", "vin"),
    (
        "invalid ID number",
        _body(owner_id_number="110105194912310021"),
        422,
        "id_number.invalid",
        "owner.id_number",
    ),
    ("invalid phone", _body(owner_phone="12345"), 422, "phone.invalid", "owner.phone"),
    (
        "invalid province",
        _body(destination_province="510100"),
        422,
        "province.invalid",
        "destination_province",
    ),
    ("unknown vehicle type", _body(vehicle_type="spaceship"), 422, "vehicle_type.invalid", "vehicle_type"),
    (
        "ineligible vehicle type",
        _body(vehicle_type="large_passenger"),
        422,
        "transfer.vehicle_not_eligible",
        "vehicle_type",
    ),
    ("commercial use", _body(use="commercial"), 422, "transfer.vehicle_not_eligible", "use"),
    ("unknown use", _body(use="private"), 422, "use.invalid", "use"),
    (
        "plate already of the destination",
        _body(plate="渝A12345"),
        422,
        "transfer.same_province",
        "destination_province",
    ),
    ("unknown field", _body(is_admin=True), 422, "field.unknown", "is_admin"),
    ("unknown nested field", _body(owner_email="a@b.c"), 422, "field.unknown", "owner.email"),
    ("missing field", {k: v for k, v in TRANSFER_BODY.items() if k != "vin"}, 422, "field.missing", "vin"),
    ("mortgaged without mortgagee", _body(mortgaged=True), 422, "transfer.mortgagee_required", "mortgagee"),
]


def test_an_office_of_another_province_may_not_take_the_application(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    for headers in (
        service.auth("chuan-admin", CHUAN, "vehicle_admin"),
        service.auth("cop", YU, "traffic_police"),
    ):
        response = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=headers)
        assert (response.status_code, response.json()["code"]) == (403, "auth.forbidden")
    assert service.event_count() == 0


@pytest.mark.parametrize(
    ("name", "body", "status", "code", "field"), CREATION_CASES, ids=[c[0] for c in CREATION_CASES]
)
def test_bad_applications_are_refused_and_record_nothing(
    make_service: MakeService, name: str, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    service = make_service("embedded", workers=False)
    response = service.client.post("/v1/transfers", json=body, headers=service.auth("alice", YU, "owner"))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert (problem["code"], problem["field"]) == (code, field)
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert "11010519491231002X" not in response.text and "13812345678" not in response.text
    assert service.event_count() == 0


@pytest.fixture
def service_with_case(make_service: MakeService) -> tuple[Service, str]:
    service = make_service("embedded", workers=False)
    created = service.client.post(
        "/v1/transfers", json=TRANSFER_BODY, headers=service.auth("alice", YU, "owner")
    )
    return service, created.json()["id"]


def _command_cases(service: Service) -> list[tuple[str, str, dict[str, Any], dict[str, str], int, str]]:
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    return [
        (
            "register before inspection",
            "registration",
            {"new_plate": "渝A88888"},
            yu,
            409,
            "transition.not_allowed",
        ),
        (
            "verify before release",
            "archive-verification",
            {"accepted": True},
            yu,
            409,
            "transition.not_allowed",
        ),
        ("destination releases", "archive-release", {"archive_ref": "A"}, yu, 403, "auth.forbidden"),
        (
            "uninvolved province",
            "archive-release",
            {"archive_ref": "A"},
            service.auth("hu", HU, "vehicle_admin"),
            404,
            "case.not_found",
        ),
        (
            "wrong role at origin",
            "archive-release",
            {"archive_ref": "A"},
            service.auth("cop", CHUAN, "traffic_police"),
            403,
            "auth.forbidden",
        ),
        (
            "stale If-Match",
            "archive-release",
            {"archive_ref": "A"},
            {**chuan, "If-Match": '"1"'},
            412,
            "case.version_mismatch",
        ),
        (
            "malformed If-Match",
            "archive-release",
            {"archive_ref": "A"},
            {**chuan, "If-Match": "yesterday"},
            422,
            "if_match.invalid",
        ),
        ("empty archive ref", "archive-release", {"archive_ref": ""}, chuan, 422, "field.invalid"),
        ("unknown refusal reason", "refusal", {"reasons": ["bad_karma"]}, chuan, 422, "field.invalid"),
        ("no refusal reason", "refusal", {"reasons": []}, chuan, 422, "field.invalid"),
        ("no token", "archive-release", {"archive_ref": "A"}, {}, 401, "auth.missing_token"),
        (
            "forged token",
            "archive-release",
            {"archive_ref": "A"},
            {"Authorization": "Bearer " + _forged()},
            401,
            "auth.invalid_token",
        ),
        (
            "expired token",
            "archive-release",
            {"archive_ref": "A"},
            _expired(service),
            401,
            "auth.expired_token",
        ),
    ]


def _forged() -> str:
    claims = {
        "sub": "x",
        "province": CHUAN,
        "role": "vehicle_admin",
        "iss": "xborder",
        "aud": "xborder-api",
        "iat": 0,
        "exp": 4102444800,
    }
    return jwt.encode(claims, "another-secret-that-is-32-bytes-long!!", algorithm="HS256")


def _expired(service: Service) -> dict[str, str]:
    """A genuine token of this service, minted two days ago: past its 8-hour lifetime."""
    settings = service.container.settings
    issuer = TokenIssuer(
        secret=service.container.jwt_secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.token_ttl_seconds,
        clock=SettableClock(service.clock.now() - timedelta(days=2)),
    )
    return {"Authorization": "Bearer " + issuer.mint(sub="chuan-admin", province=CHUAN, role="vehicle_admin")}


def test_bad_commands_are_refused_and_record_nothing(service_with_case: tuple[Service, str]) -> None:
    service, case_id = service_with_case
    events = service.event_count()
    for name, action, body, headers, status, code in _command_cases(service):
        response = service.client.post(f"/v1/transfers/{case_id}/{action}", json=body, headers=headers)
        assert response.status_code == status, f"{name}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json"), name
        assert response.json()["code"] == code, f"{name}: {response.text}"
        assert service.event_count() == events, f"{name} recorded an event"


def test_registration_plate_must_be_of_the_destination(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    case_id = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=yu).json()["id"]
    for action, body, headers in [
        ("archive-release", {"archive_ref": "A"}, chuan),
        ("archive-verification", {"accepted": True}, yu),
        ("inspection", {"passed": True}, yu),
    ]:
        assert (
            service.client.post(f"/v1/transfers/{case_id}/{action}", json=body, headers=headers).status_code
            == 200
        )
    events = service.event_count()
    response = service.client.post(
        f"/v1/transfers/{case_id}/registration", json={"new_plate": "川A88888"}, headers=yu
    )
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("plate.wrong_province", "new_plate")
    assert service.event_count() == events


def test_unknown_case_and_bad_query_parameters(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    missing = service.client.get("/v1/transfers/00000000-0000-0000-0000-000000000000", headers=yu)
    assert (missing.status_code, missing.json()["code"]) == (404, "case.not_found")
    assert service.client.get("/v1/transfers/not-a-uuid", headers=yu).status_code == 422
    bad_page = service.client.get("/v1/transfers?page_size=500", headers=yu)
    assert (bad_page.status_code, bad_page.json()["field"]) == (422, "page_size")
    bad_status = service.client.get("/v1/transfers?status=flying", headers=yu)
    assert (bad_status.status_code, bad_status.json()["field"]) == (422, "status")
    assert (
        service.client.get(
            "/v1/transfers/00000000-0000-0000-0000-000000000000?wait=11", headers=yu
        ).status_code
        == 422
    )
