"""Forms that go wrong: a bad plate is refused next to the plate field and records nothing; a command
sent from a page that is out of date says the case moved on and shows where it is now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Response, expect

from tests.integration.browser.pages import (
    CASE_URL,
    CHUAN,
    HU,
    OWNER,
    YU,
    act,
    action_form,
    event,
    fill,
    new_vehicle,
    sign_in,
    sign_in_as,
    status_of,
    submit,
)
from tests.support.served import bearer

BAD_PLATE = "川A12I4"  # GA 36 plates never use the letter I (nor O)


def _cases(console_url: str, kind: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = httpx.get(f"{console_url}/v1/{kind}", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _no_trace(html: str) -> None:
    for sign in ("Traceback", 'File "', "Internal Server Error", "application/problem+json"):
        assert sign not in html


def test_a_transfer_with_a_bad_plate_shows_the_error_at_the_plate_and_records_nothing(
    new_context: Callable[[], BrowserContext], console_url: str
) -> None:
    car = new_vehicle("川A")
    sub = f"owner-bad-plate-{car.vin[-6:]}"  # an owner of this test's own, without a case so far
    owner = sign_in_as(new_context(), sub, CHUAN, "owner")
    owner.goto("/new/transfer")
    form = action_form(owner, "apply_for_transfer")
    fill(
        form,
        {
            "plate": BAD_PLATE,
            "vin": car.vin,
            **OWNER,
            "destination_province": YU,
            "destination_city": "重庆市渝北区",
            "residence_proof": "RP-BAD-PLATE",
        },
    )
    with owner.expect_response(lambda r: r.request.method == "POST") as sent:
        form.get_by_test_id("action-submit").click()
    answer: Response = sent.value
    assert answer.status == 422

    # The form again, with the error right at the plate field and what was typed kept.
    error = owner.locator('[data-testid="field-error"][data-field*="plate"]')
    expect(error).to_have_count(1)
    expect(error).to_have_attribute("data-field", "plate")
    expect(error).to_be_visible()
    plate_field = owner.locator('[data-field="plate"]')
    expect(plate_field.get_by_test_id("field-error")).to_be_visible()  # inside the plate's own field
    expect(owner.locator('input[name="plate"]')).to_have_attribute("aria-invalid", "true")
    expect(owner.locator('input[name="plate"]')).to_have_value(BAD_PLATE)
    expect(owner.locator('input[name="vin"]')).to_have_value(car.vin)
    expect(owner.get_by_test_id("field-error")).to_have_count(1)  # nothing else was wrong
    _no_trace(owner.content())

    # Nothing was recorded: the owner has no case, in the API nor on his page.
    assert _cases(console_url, "transfers", bearer(sub, CHUAN, "owner")) == []
    owner.goto("/")
    expect(owner.get_by_test_id("case-row")).to_have_count(0)
    expect(owner.get_by_test_id("my-cases")).to_have_count(0)


def test_a_rescue_with_a_bad_vehicle_plate_shows_the_error_at_that_plate_and_records_nothing(
    new_context: Callable[[], BrowserContext], console_url: str
) -> None:
    # 上海's dispatch centre: no other test opens a rescue there, so its list must stay empty.
    dispatcher = sign_in(new_context(), HU, "dispatcher")
    dispatcher.goto("/new/rescue")
    form = action_form(dispatcher, "open_rescue")
    fill(
        form,
        {
            "place.road": "G2 京沪高速",
            "place.km": "1203",
            "casualties.0.ref": "P1",
            "casualties.0.severity": "minor",
            "vehicles.0.plate": BAD_PLATE.replace("川", "沪"),
        },
    )
    form.get_by_test_id("action-submit").click()
    error = dispatcher.locator('[data-testid="field-error"][data-field*="plate"]')
    expect(error).to_have_attribute("data-field", "vehicles.0.plate")
    plate_field = dispatcher.locator('[data-field="vehicles.0.plate"]')
    expect(plate_field.get_by_test_id("field-error")).to_be_visible()  # inside that plate's own field
    expect(dispatcher.locator('input[name="vehicles.0.plate"]')).to_have_attribute("aria-invalid", "true")
    _no_trace(dispatcher.content())
    assert _cases(console_url, "rescues", bearer("hu-dispatch-check", HU, "dispatcher")) == []


@pytest.mark.parametrize("stale_action", ["verify_archive", "withdraw_transfer"])
def test_a_stale_page_shows_that_the_case_moved_on_and_where_it_is_now(
    new_context: Callable[[], BrowserContext], console_url: str, stale_action: str
) -> None:
    # A transfer whose archive 四川 has released, set up through the API: 重庆 is to verify it.
    car = new_vehicle("川A")
    applied = httpx.post(
        f"{console_url}/v1/transfers",
        json={
            "plate": car.plate,
            "vin": car.vin,
            "vehicle_type": "small_passenger",
            "use": "non_commercial",
            "owner": {"name": "李四", "id_number": "11010519491231002X", "phone": "13812345678"},
            "destination_province": YU,
            "destination_city": "重庆市江北区",
            "residence_proof": "RP-STALE",
        },
        headers=bearer(f"owner-stale-{car.vin[-6:]}", CHUAN, "owner"),
        timeout=10,
    )
    assert applied.status_code == 201, applied.text
    case_id = applied.json()["id"]
    released = httpx.post(
        f"{console_url}/v1/transfers/{case_id}/archive-release",
        json={"archive_ref": "ARC-STALE"},
        headers=bearer("chuan-clerk", CHUAN, "vehicle_admin"),
        timeout=10,
    )
    assert released.status_code == 200, released.text
    version = released.json()["version"]

    # 重庆's clerk has the case open in two tabs.
    clerk = new_context()
    fresh = sign_in(clerk, YU, "vehicle_admin")
    stale = clerk.new_page()
    for page in (fresh, stale):
        page.goto(f"/cases/transfer/{case_id}?v={version}")
        expect(status_of(page)).to_have_attribute("data-status", "archive_released")
        expect(action_form(page, "verify_archive")).to_have_count(1)

    # One tab verifies the archive; the other, still showing the released archive, learns it (live).
    act(fresh, "verify_archive", {"accepted": True})
    expect(status_of(fresh)).to_have_attribute("data-status", "archive_verified")
    expect(stale.get_by_test_id("case-moved-on")).to_be_visible()

    # The stale tab's form is sent: the case moved on, here is where it is now.
    values: dict[str, str | bool] = {}
    if stale_action == "verify_archive":
        values = {"accepted": False, "reason": "档案照片与车辆不符"}
    with stale.expect_response(lambda r: r.request.method == "POST") as sent:
        submit(stale, stale_action, values)
    assert sent.value.status in (409, 412)
    expect(stale).to_have_url(CASE_URL)
    conflict = stale.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("案件已有新进展")
    expect(conflict).to_contain_text("档案已核验")  # the current status, in words
    expect(status_of(stale)).to_have_attribute("data-status", "archive_verified")
    expect(status_of(stale)).to_have_text("档案已核验")
    expect(event(stale, "ArchiveVerified")).to_have_count(1)
    expect(action_form(stale, "inspect_vehicle")).to_have_count(1)  # what may be done now
    expect(stale.get_by_test_id("flash")).to_have_count(0)
    _no_trace(stale.content())

    # The stale command recorded nothing.
    now = httpx.get(
        f"{console_url}/v1/transfers/{case_id}", headers=bearer("yu-clerk", YU, "vehicle_admin"), timeout=10
    ).json()
    assert now["status"] == "archive_verified"
    assert now["version"] == version + 1
