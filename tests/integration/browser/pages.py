"""What the browser tests do on the console's pages, through its `data-testid` hooks (see the docstring
of xborder/console/routes.py): sign in, open a case from the inbox, fill and send a command form. Every
wait is a Playwright web-first assertion; the service's pages and live fragments do the rest."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.support.builders import plate_for
from xborder.domain.vins import vin_check_digit

CHUAN, YU, HU = "510000", "500000", "310000"
CASE_URL: Final = re.compile(r"/cases/(\w+)/([0-9a-f-]{36})")  # also a JavaScript RegExp
# The owner of every test vehicle, as the transfer form asks for him: a valid resident ID and mobile.
OWNER: Final = {"owner.name": "李四", "owner.id_number": "11010519491231002X", "owner.phone": "13812345678"}

_VIN_CHARS: Final = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q
# Distinct vehicles for every test of a run (the tests share one service): serials from a random start.
_serials = itertools.count(random.randrange(1_000, 30_000_000))


@dataclass(frozen=True)
class Vehicle:
    plate: str
    vin: str


def new_vehicle(prefix: str = "川A") -> Vehicle:
    """A plate of the province `prefix` names and a VIN with a valid check digit, both unused so far."""
    serial = next(_serials)
    head, tail = "LBV" + _in(_VIN_CHARS, serial, 5), "RA" + f"{serial % 1_000_000:06d}"
    return Vehicle(plate_for(serial, prefix), head + vin_check_digit(head + "0" + tail) + tail)


def _in(charset: str, n: int, width: int) -> str:
    digits = []
    for _ in range(width):
        n, digit = divmod(n, len(charset))
        digits.append(charset[digit])
    return "".join(reversed(digits))


def sign_in(context: BrowserContext, province: str, role: str) -> Page:
    """A new tab of `context`, signed in with the development sign-in page's button for this identity."""
    page = context.new_page()
    page.goto("/signin")
    identity = page.locator(
        f'[data-testid="signin-identity"][data-province="{province}"][data-role="{role}"]'
    )
    identity.click()
    expect(page.get_by_test_id("signout")).to_be_visible()
    return page


def sign_in_as(context: BrowserContext, sub: str, province: str, role: str) -> Page:
    """A new tab of `context`, signed in as an identity of its own (the page's custom-identity form)."""
    page = context.new_page()
    page.goto("/signin")
    form = page.get_by_test_id("signin-form")
    form.locator('[name="sub"]').fill(sub)
    form.locator('[name="province"]').select_option(province)
    form.locator('[name="role"]').select_option(role)
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("signout")).to_be_visible()
    return page


def case_id_of(page: Page) -> str:
    """The id of the case the page shows (its URL is /cases/{kind}/{id})."""
    found = CASE_URL.search(page.url)
    assert found is not None, f"not a case page: {page.url}"
    return found[2]


def status_of(page: Page) -> Locator:
    return page.get_by_test_id("case-status")


def event(page: Page, event_type: str) -> Locator:
    """The case timeline's entries of this event type."""
    return page.get_by_test_id("case-timeline").locator(f'[data-event="{event_type}"]')


def party(page: Page, key: str) -> Locator:
    """A rescue's party (police, medical, funding) in the page's 警/医/保·基金 summary."""
    return page.locator(f'[data-testid="party"][data-party="{key}"]')


def inbox_row(page: Page, case_id: str) -> Locator:
    return page.locator(f'[data-testid="inbox-row"][data-case-id="{case_id}"]')


def open_from_inbox(page: Page, case_id: str) -> str:
    """From the workbench, the case's inbox row (it appears live, once the province's read model has
    the case) and then its case page; returns what the row said awaits this desk (`data-action`)."""
    page.goto("/")
    row = inbox_row(page, case_id)
    expect(row).to_be_visible()
    awaited = row.get_attribute("data-action") or ""
    row.get_by_role("link").first.click()
    expect(page).to_have_url(CASE_URL)
    expect(status_of(page)).to_be_visible()
    assert case_id_of(page) == case_id
    return awaited


def action_form(page: Page, action: str) -> Locator:
    return page.locator(f'[data-testid="action-form"][data-action="{action}"]')


def fill(form: Locator, values: Mapping[str, str | bool]) -> None:
    """Each field by its name: text and numbers typed, selects chosen, yes/no radios and boxes ticked."""
    for name, value in values.items():
        field = form.locator(f'[name="{name}"]')
        kind = field.first.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "select":
            field.select_option(str(value))
        elif kind == "radio":
            form.locator(f'[name="{name}"][value="{str(value).lower()}"]').check()
        elif kind == "checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(str(value))


def act(page: Page, action: str, values: Mapping[str, str | bool] | None = None) -> None:
    """Open the command's form (each sits in a <details>), fill it, send it, and wait for the case page
    that says it was done (the console redirects to `?v=<new version>&done=<command>`)."""
    submit(page, action, values)
    expect(page).to_have_url(re.compile(rf"[?&]done={action}\b"))
    expect(page.get_by_test_id("flash")).to_be_visible()


def submit(page: Page, action: str, values: Mapping[str, str | bool] | None = None) -> Locator:
    """Fill and send the command's form; returns the form (of the page it was on)."""
    form = action_form(page, action)
    expect(form).to_have_count(1)
    form.evaluate("form => { const d = form.closest('details'); if (d) { d.open = true; } }")
    fill(form, values or {})
    form.get_by_test_id("action-submit").click()
    return form
