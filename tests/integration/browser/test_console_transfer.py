"""跨省转籍 in three browsers: the owner applies on the 12123-style form, the origin's and the destination's
vehicle administrations each work the case from their own inbox, and the owner's page, left open,
follows the case to 已办结 with the new plate."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.integration.browser.pages import (
    CASE_URL,
    CHUAN,
    OWNER,
    YU,
    act,
    action_form,
    case_id_of,
    fill,
    new_vehicle,
    open_from_inbox,
    sign_in,
    status_of,
)


def test_an_owner_transfers_a_car_while_both_offices_act_in_browsers_of_their_own(
    new_context: Callable[[], BrowserContext],
) -> None:
    car, new_plate = new_vehicle("川A"), new_vehicle("渝A").plate

    # The owner (川) applies in steps: vehicle, owner, destination (渝), mortgage.
    owner = sign_in(new_context(), CHUAN, "owner")
    owner.get_by_test_id("new-transfer").click()
    form = action_form(owner, "apply_for_transfer")
    fill(
        form,
        {
            "plate": car.plate,
            "vin": car.vin,
            "vehicle_type": "small_passenger",
            "use": "non_commercial",
            **OWNER,
            "destination_province": YU,
            "destination_city": "重庆市渝北区",
            "residence_proof": f"RP-{car.vin[-6:]}",
            "mortgaged": False,
        },
    )
    form.get_by_test_id("action-submit").click()
    expect(owner).to_have_url(CASE_URL)
    expect(status_of(owner)).to_have_attribute("data-status", "archive_requested")
    case_id = case_id_of(owner)
    steps = owner.get_by_test_id("transfer-steps").get_by_test_id("step")
    expect(steps).to_have_text(["已受理", "档案调取", "查验", "已办结"])
    expect(steps.first).to_have_attribute("data-state", "current")

    # The origin (川) releases the archive: the case waits in its vehicle administration's inbox.
    origin = sign_in(new_context(), CHUAN, "vehicle_admin")
    assert open_from_inbox(origin, case_id) == "release_or_refuse_archive"
    act(origin, "release_archive", {"archive_ref": f"ARC-510000-{car.vin[-8:]}"})
    expect(status_of(origin)).to_have_attribute("data-status", "archive_released")

    # The destination (渝) verifies the archive, inspects the car and registers it under a 渝 plate.
    destination = sign_in(new_context(), YU, "vehicle_admin")
    assert open_from_inbox(destination, case_id) == "verify_archive"
    act(destination, "verify_archive", {"accepted": True})
    expect(status_of(destination)).to_have_attribute("data-status", "archive_verified")
    act(destination, "inspect_vehicle", {"passed": True})
    expect(status_of(destination)).to_have_attribute("data-status", "inspected")
    act(destination, "register_vehicle", {"new_plate": new_plate})
    expect(status_of(destination)).to_have_attribute("data-status", "registered")

    # The owner's page, open all along, follows the case (live) to 已办结 with the new plate.
    expect(status_of(owner)).to_have_attribute("data-status", "registered")
    expect(status_of(owner)).to_have_text("已办结")
    expect(steps).to_have_count(4)
    for step in steps.all():
        expect(step).to_have_attribute("data-state", "done")
    done = owner.locator('[data-testid="step"][data-step="done"]')
    expect(done).to_contain_text("已办结")
    expect(done).to_contain_text(f"新号牌：{new_plate}")
    # ... and so does a fresh look at the owner's own cases.
    owner.goto("/")
    row = owner.locator(f'[data-testid="case-row"][data-case-id="{case_id}"]')
    expect(row).to_have_attribute("data-status", "registered")
    expect(row).to_contain_text("已办结")
