"""警医保联动 in browsers: 重庆's dispatch centre opens a rescue and sends the nearest police unit, which is
四川's; the case waits in 四川 traffic police's inbox. The notified insurer sees the case, but never the
casualties' medical notes, which the dispatch centre's own page does show."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.integration.browser.pages import (
    CASE_URL,
    CHUAN,
    YU,
    act,
    action_form,
    case_id_of,
    event,
    fill,
    new_vehicle,
    open_from_inbox,
    party,
    sign_in,
    status_of,
)

INSURER = "中国人保财险"  # the org of 重庆's insurer on the development sign-in page


def test_a_rescue_reaches_the_neighbouring_province_and_the_insurer_sees_no_medical_notes(
    new_context: Callable[[], BrowserContext],
) -> None:
    car = new_vehicle("渝A")
    notes = f"左股骨开放性骨折，失血约800ml（{car.vin[-6:]}）"  # this test's own text, to look for

    # 重庆's dispatcher opens the rescue (accident province: the dispatcher's own).
    dispatcher = sign_in(new_context(), YU, "dispatcher")
    dispatcher.get_by_test_id("new-rescue").click()
    form = action_form(dispatcher, "open_rescue")
    fill(
        form,
        {
            "place.road": "G85 银昆高速",
            "place.km": "1432.5",
            "casualties.0.ref": "P1",
            "casualties.0.severity": "serious",
            "casualties.0.medical_notes": notes,
            "vehicles.0.plate": car.plate,
            "vehicles.0.insurer": INSURER,
            "vehicles.0.policy": f"PDZA2026{car.vin[-8:]}",
            "driver_fled": False,
        },
    )
    form.get_by_test_id("action-submit").click()
    expect(dispatcher).to_have_url(CASE_URL)
    expect(status_of(dispatcher)).to_have_attribute("data-status", "open")
    case_id = case_id_of(dispatcher)
    assert notes in dispatcher.content()  # the dispatch centre may read them: the check below means something

    # The nearest police unit is across the border: 四川 is among the picker's neighbouring provinces.
    police = action_form(dispatcher, "dispatch_police")
    near = police.locator('select[name="province"] optgroup').first
    expect(near.locator(f'option[value="{CHUAN}"]')).to_have_count(1)
    act(dispatcher, "dispatch_police", {"unit": "四川高速公路交警总队一支队", "province": CHUAN})
    expect(status_of(dispatcher)).to_have_attribute("data-status", "responding")
    expect(party(dispatcher, "police")).to_contain_text("四川")
    # The insurer of the insured vehicle gets its written notice (the form comes filled from the case).
    act(dispatcher, "notify_insurer")
    expect(event(dispatcher, "InsurerNotified")).to_have_count(1)

    # 四川's traffic police find the rescue in their inbox, awaiting the unit's arrival, and report it.
    sichuan = sign_in(new_context(), CHUAN, "traffic_police")
    assert open_from_inbox(sichuan, case_id) == "report_arrival"
    act(sichuan, "report_police_arrival")
    expect(party(sichuan, "police")).to_have_attribute("data-state", "done")

    # The notified insurer: the rescue is in its inbox and its case page, without the medical notes.
    insurer = sign_in(new_context(), YU, "insurer")
    assert open_from_inbox(insurer, case_id) == "confirm_advance"
    expect(action_form(insurer, "confirm_insurer_advance")).to_have_count(1)
    expect(insurer.get_by_test_id("rescue-parties")).to_be_visible()
    html = insurer.content()
    assert notes not in html
    assert "股骨" not in html
    # ... nor after the page's live part has been redrawn from the live fragment.
    expect(insurer.get_by_test_id("case-status")).to_have_attribute("data-status", "responding")
    live = insurer.request.get(f"/cases/rescue/{case_id}/live")
    assert live.ok
    assert notes not in live.text()
