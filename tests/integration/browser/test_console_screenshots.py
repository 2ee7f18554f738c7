"""Screenshots of the console as 重庆's vehicle administration sees it — its inbox, a case page, the
statistics page — kept as test artefacts (tests/artifacts/, ignored by git); the inbox and the case
page are also copied to docs/screenshots/ for the README when missing, or when UPDATE_SCREENSHOTS is
set (so that a test run does not rewrite tracked files)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.integration.browser.pages import (
    CHUAN,
    YU,
    action_form,
    inbox_row,
    new_vehicle,
    sign_in,
    status_of,
)
from tests.support.served import bearer

DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
# Transfers to seed through the API, each awaiting 重庆: (origin, plate prefix, destination, city). The
# archives of those coming to 重庆 are released, for 重庆 to verify; those leaving await 重庆's release.
SEEDS = (
    (CHUAN, "川A", YU, "重庆市渝北区"),
    ("520000", "贵A", YU, "重庆市南岸区"),
    ("530000", "云A", YU, "重庆市江北区"),
    (YU, "渝B", CHUAN, "成都市武侯区"),
    (YU, "渝A", "330000", "杭州市西湖区"),
)


def _seed(console_url: str) -> list[tuple[str, int]]:
    """Each seed's case id and version, once the API has recorded it (and the release, if any)."""
    cases = []
    for n, (origin, prefix, destination, city) in enumerate(SEEDS):
        car = new_vehicle(prefix)
        body = {
            "plate": car.plate,
            "vin": car.vin,
            "vehicle_type": "small_passenger",
            "use": "non_commercial",
            "owner": {"name": "王芳", "id_number": "11010519491231002X", "phone": "13912345678"},
            "destination_province": destination,
            "destination_city": city,
            "residence_proof": f"RP-SHOT-{n}",
        }
        headers = bearer(f"owner-shot-{car.vin[-6:]}", origin, "owner")
        applied = httpx.post(f"{console_url}/v1/transfers", json=body, headers=headers, timeout=10)
        assert applied.status_code == 201, applied.text
        case = applied.json()
        if destination == YU:
            release = httpx.post(
                f"{console_url}/v1/transfers/{case['id']}/archive-release",
                json={"archive_ref": f"ARC-{origin}-{car.vin[-6:]}"},
                headers=bearer(f"clerk-{origin}", origin, "vehicle_admin"),
                timeout=10,
            )
            assert release.status_code == 200, release.text
            case = release.json()
        cases.append((str(case["id"]), int(case["version"])))
    return cases


def _shoot(page: Page, artifacts: Path, name: str, docs_name: str | None = None) -> None:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    if docs_name is not None and (os.environ.get("UPDATE_SCREENSHOTS") or not (DOCS / docs_name).exists()):
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / docs_name)


def test_screenshots_of_the_inbox_a_case_page_and_the_statistics(
    new_context: Callable[[], BrowserContext], console_url: str, artifacts: Path
) -> None:
    cases = _seed(console_url)
    clerk = sign_in(new_context(), YU, "vehicle_admin")

    # The inbox: every seeded case awaits 重庆, for the archive's verification or its release.
    clerk.goto("/")
    for case_id, _ in cases:
        expect(inbox_row(clerk, case_id)).to_be_visible()
    expect(clerk.get_by_test_id("inbox")).to_be_visible()
    _shoot(clerk, artifacts, "inbox", "console-inbox.png")

    # A case page: a transfer whose archive 四川 released, with its steps, timeline, deadline and form.
    case_id, version = cases[0]
    clerk.goto(f"/cases/transfer/{case_id}?v={version}")
    expect(status_of(clerk)).to_have_attribute("data-status", "archive_released")
    expect(clerk.get_by_test_id("case-timeline").get_by_test_id("timeline-event")).to_have_count(3)
    expect(clerk.get_by_test_id("deadline").first).to_be_visible()
    expect(action_form(clerk, "verify_archive")).to_be_visible()
    _shoot(clerk, artifacts, "case", "console-case.png")

    # The statistics of 重庆: counts by status and step times per workflow, as server-drawn SVG.
    clerk.goto("/stats")
    transfers = clerk.locator('[data-testid="stats-workflow"][data-kind="transfer"]')
    expect(transfers).to_be_visible()
    expect(transfers.locator("svg").first).to_be_visible()
    _shoot(clerk, artifacts, "stats")
