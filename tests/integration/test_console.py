"""The web console (xborder.console) on the real app over a real database: signing in, CSRF, the
inbox, a case page, a form refused by the API with the error next to its field, a stale form, a
double submit, what an insurer's page does not show, the live fragments and the language switch.

Each user is a browser of their own (a TestClient with its own cookies) on the same app; the pages are
read with the standard library's HTML parser, through their `data-testid` hooks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, Service
from tests.support.waiting import wait_until
from xborder.bootstrap import WORKER_KINDS
from xborder.console.demo_seeding import DemoSeeding
from xborder.demo import MIN_CASES

INSURER = "中国人保财险"
NOTES = "左股骨骨折, 失血"
RESCUE_BODY: dict[str, Any] = {
    "occurred_at": "2026-11-20T14:52:00+08:00",
    "place": {"road": "G75 兰海高速", "km": 2101.3},
    "casualties": [{"ref": "P1", "severity": "serious", "medical_notes": NOTES}],
    "vehicles": [{"plate": "渝A12345", "insurer": INSURER, "policy": "PDZA2026500000012345"}],
    "driver_fled": False,
}


# ------------------------------------------------------------------------------------- reading pages


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements below this one with these attributes (`data_testid` means `data-testid`)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            element
            for element in self.walk()
            if (tag is None or element.tag == tag)
            and all(element.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"expected one element with {attrs}, found {len(found)}"
        return found[0]

    def walk(self) -> Iterator[Element]:
        for child in self.children:
            yield child
            yield from child.walk()

    def all_text(self) -> str:
        return self.text + "".join(child.all_text() for child in self.children)


_VOID = {"input", "meta", "link", "br", "hr", "img", "source", "col", "wbr"}


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(Element("#text", {}, text=data))


def page(response: Response) -> Element:
    tree = _Tree()
    tree.feed(response.text)
    return tree.root


def hidden_fields(form: Element) -> dict[str, str]:
    return {
        e.attrs["name"]: e.attrs.get("value", "")
        for e in form.walk()
        if e.tag == "input" and e.attrs.get("type") == "hidden"
    }


class Browser:
    """One user's browser: its own cookies, signed in through the development sign-in page."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.client = TestClient(service.client.app)

    def close(self) -> None:
        self.client.close()

    def sign_in(self, sub: str, province: str, role: str, org: str | None = None) -> Response:
        signin = page(self.client.get("/signin"))
        csrf = hidden_fields(signin.one(data_testid="signin-form"))["csrf"]
        data = {"csrf": csrf, "sub": sub, "province": province, "role": role, "next": "/"}
        if org:
            data["org"] = org
        response = self.client.post("/signin", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text
        return response

    def form(self, url: str, action: str) -> dict[str, str]:
        """The hidden fields (CSRF, Idempotency-Key, version) of the page's form for `action`."""
        response = self.client.get(url)
        assert response.status_code == 200, response.text
        return hidden_fields(page(response).one(data_testid="action-form", data_action=action))

    def submit(self, url: str, action: str, post_to: str, fields: dict[str, Any]) -> Response:
        data = {**self.form(url, action), **fields}
        return self.client.post(post_to, data=data, follow_redirects=False)


@pytest.fixture
def browsers(make_service: MakeService) -> Iterator[tuple[Service, Any]]:
    service = make_service(dev_signin=True, workers=False)
    # Every worker but the cross-process listener: one process needs none (its consumers are woken
    # in-process, and poll), and stopping a listener costs seconds per test.
    service.container.start_workers([kind for kind in WORKER_KINDS if kind != "listener"])
    opened: list[Browser] = []

    def browser(sub: str, province: str, role: str, org: str | None = None) -> Browser:
        b = Browser(service)
        b.sign_in(sub, province, role, org)
        opened.append(b)
        return b

    yield service, browser
    for b in opened:
        b.close()


def _transfer(service: Service) -> str:
    """An owner's application of 川A12345 to 重庆, applied in 四川 (the origin) too."""
    case_id = str(service.apply_for_transfer("川A12345")["id"])
    service.wait_for_version(CHUAN, case_id, 2)
    service.wait_for_version(YU, case_id, 2)
    return case_id


# --------------------------------------------------------------------------------------------- tests


def test_dev_signin_sets_a_strict_http_only_session_cookie(make_service: MakeService) -> None:
    service = make_service(dev_signin=True, workers=False)
    browser = Browser(service)
    signin = page(browser.client.get("/signin"))
    identities = signin.find(data_testid="signin-identity")
    assert {(b.attrs["data-province"], b.attrs["data-role"]) for b in identities} >= {
        (YU, "owner"),
        (CHUAN, "vehicle_admin"),
        (YU, "dispatcher"),
        (YU, "insurer"),
    }

    response = browser.sign_in("chuan-clerk", CHUAN, "vehicle_admin")

    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("xborder_session="))
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert "Secure" not in cookie  # served over http here; over https it is Secure
    workbench = browser.client.get("/")
    assert workbench.status_code == 200
    identity = page(workbench).one(data_testid="identity")
    assert (identity.attrs["data-province"], identity.attrs["data-role"]) == (CHUAN, "vehicle_admin")
    browser.close()


def test_without_dev_mode_signin_is_404_and_offers_the_token_form(make_service: MakeService) -> None:
    service = make_service(workers=False)
    client = TestClient(service.client.app)

    response = client.get("/signin")

    assert response.status_code == 404
    tree = page(response)
    assert not tree.find(data_testid="signin-identity")
    form = tree.one(data_testid="token-form")
    assert client.post("/signin", data={"sub": "x", "province": YU, "role": "owner"}).status_code == 404
    # A pasted token signs in; a forged one is refused next to the field.
    token = service.container.issuer.mint(sub="alice", province=YU, role="owner")
    fields = {**hidden_fields(form), "token": token}
    assert client.post("/signin/token", data=fields, follow_redirects=False).status_code == 303
    assert client.get("/").status_code == 200
    # (the form's CSRF token is bound to the session, which signing in changed: a fresh form)
    fresh = hidden_fields(page(client.get("/signin/token")).one(data_testid="token-form"))
    refused = client.post("/signin/token", data={**fresh, "token": token + "x"})
    assert refused.status_code == 422
    assert page(refused).find(data_testid="field-error", data_field="token")
    client.close()


def test_the_console_is_not_part_of_the_api_document(make_service: MakeService) -> None:
    service = make_service(workers=False)
    paths = service.client.get("/openapi.json").json()["paths"]
    assert all(path.startswith(("/v1/", "/healthz", "/readyz", "/metrics")) for path in paths)
    assert service.client.get("/", follow_redirects=False).headers["location"].startswith("/signin")


def test_a_post_without_its_csrf_token_is_refused(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    case_id = _transfer(service)
    chuan = browser("chuan-clerk", CHUAN, "vehicle_admin")
    url = f"/cases/transfer/{case_id}"
    fields = chuan.form(url, "release_archive")
    before = service.event_count()

    missing = {k: v for k, v in fields.items() if k != "csrf"}
    refused = chuan.client.post(f"{url}/actions/release_archive", data={**missing, "archive_ref": "ARC-1"})
    forged = chuan.client.post(
        f"{url}/actions/release_archive", data={**fields, "csrf": "0" * 64, "archive_ref": "ARC-1"}
    )
    signout = chuan.client.post("/signout", data={})

    assert (refused.status_code, forged.status_code, signout.status_code) == (403, 403, 403)
    assert service.event_count() == before
    # Another user's token does not pass either: it is bound to the session.
    other = browser("sc-vehicle-admin", CHUAN, "vehicle_admin")
    theirs = other.client.post(f"{url}/actions/release_archive", data={**fields, "archive_ref": "ARC-1"})
    assert theirs.status_code == 403
    assert service.event_count() == before


def test_an_officers_inbox_lists_the_case_awaiting_his_province(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    case_id = _transfer(service)

    chuan = page(browser("chuan-clerk", CHUAN, "vehicle_admin").client.get("/"))
    rows = chuan.one(data_testid="inbox").find(data_testid="inbox-row", data_case_id=case_id)
    assert len(rows) == 1
    assert rows[0].attrs["data-action"] == "release_or_refuse_archive"
    assert "川A12345" in rows[0].all_text()
    # 重庆's clerks await nothing yet (it is 四川's step); 上海 is not involved at all.
    yu = page(browser("yu-clerk", YU, "vehicle_admin").client.get("/"))
    assert not yu.find(data_testid="inbox-row", data_case_id=case_id)
    hu = browser("hu-clerk", HU, "vehicle_admin")
    assert case_id not in hu.client.get("/").text
    assert hu.client.get(f"/cases/transfer/{case_id}").status_code == 404
    # Filters: by workflow, and by plate.
    other_kind = page(browser("chuan-clerk", CHUAN, "vehicle_admin").client.get("/?kind=rescue"))
    assert not other_kind.find(data_testid="inbox-row")
    by_plate = page(browser("chuan-clerk", CHUAN, "vehicle_admin").client.get("/?plate=川A12345"))
    assert by_plate.find(data_testid="inbox-row", data_case_id=case_id)


def test_a_case_page_shows_timeline_deadlines_holds_and_the_roles_actions(
    browsers: tuple[Service, Any],
) -> None:
    service, browser = browsers
    case_id = _transfer(service)

    tree = page(browser("chuan-clerk", CHUAN, "vehicle_admin").client.get(f"/cases/transfer/{case_id}"))

    assert tree.one(data_testid="case-status").attrs["data-status"] == "archive_requested"
    events = [
        e.attrs["data-event"]
        for e in tree.one(data_testid="case-timeline").find(data_testid="timeline-event")
    ]
    assert events == ["TransferApplied", "ArchiveRequested"]
    deadlines = tree.one(data_testid="case-deadlines").find(data_testid="deadline")
    assert [d.attrs["data-deadline"] for d in deadlines] == ["archive_release"]
    assert tree.one(data_testid="case-holds").attrs["data-transferable"] == "true"
    actions = {f.attrs["data-action"] for f in tree.find(data_testid="action-form")}
    assert actions == {"release_archive", "refuse_transfer"}
    # Every field of every form has its label.
    for form in tree.find(data_testid="action-form"):
        labelled = {e.attrs.get("for") for e in form.walk() if e.tag == "label"}
        for e in form.walk():
            if e.tag in ("input", "select", "textarea") and e.attrs.get("type") != "hidden":
                assert e.attrs["id"] in labelled, e.attrs
    # The destination's clerk sees the same case, with nothing to do yet.
    yu = page(browser("yu-clerk", YU, "vehicle_admin").client.get(f"/cases/transfer/{case_id}"))
    assert yu.one(data_testid="case-status").attrs["data-status"] == "archive_requested"
    assert {f.attrs["data-action"] for f in yu.find(data_testid="action-form")} == {"withdraw_transfer"}


def test_an_owner_applies_and_the_officers_act_through_the_forms(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    owner = browser("alice", YU, "owner")
    fields = _application_fields()

    created = owner.submit("/new/transfer", "apply_for_transfer", "/new/transfer", fields)

    assert created.status_code == 303, created.text
    location = created.headers["location"]
    match = re.match(r"^/cases/transfer/([0-9a-f-]{36})\?v=(\d+)", location)
    assert match, location
    case_id = match.group(1)
    steps = page(owner.client.get(location)).one(data_testid="transfer-steps").find(data_testid="step")
    assert [(s.attrs["data-step"], s.attrs["data-state"]) for s in steps][:2] == [
        ("accepted", "current"),
        ("archive", "todo"),
    ]
    service.wait_for_version(CHUAN, case_id, 2)
    chuan = browser("chuan-clerk", CHUAN, "vehicle_admin")
    url = f"/cases/transfer/{case_id}"
    released = chuan.submit(
        url, "release_archive", f"{url}/actions/release_archive", {"archive_ref": "ARC-1"}
    )
    assert released.status_code == 303, released.text
    after = page(chuan.client.get(released.headers["location"]))
    assert after.one(data_testid="case-status").attrs["data-status"] == "archive_released"
    assert after.find(data_testid="flash")


def test_a_bad_plate_is_shown_next_to_the_plate_field_and_records_nothing(
    browsers: tuple[Service, Any],
) -> None:
    service, browser = browsers
    owner = browser("alice", YU, "owner")
    before = service.event_count()

    response = owner.submit(
        "/new/transfer", "apply_for_transfer", "/new/transfer", {**_application_fields(), "plate": "川A1234I"}
    )

    assert response.status_code == 422
    tree = page(response)
    errors = tree.find(data_testid="field-error")
    assert [e.attrs["data-field"] for e in errors] == ["plate"]
    plate_input = tree.one(id="apply_for_transfer--plate")
    assert plate_input.attrs["aria-invalid"] == "true"
    assert plate_input.attrs["value"] == "川A1234I"  # what was typed is kept
    assert tree.one(id="apply_for_transfer--vin").attrs["value"] == "1M8GDM9AXKP042788"
    # The error sits in the plate's own field, right after its input.
    field_div = next(e for e in tree.find(data_field="plate") if e.tag == "div")
    assert [c.tag for c in field_div.children if c.tag != "#text"][-2:] == ["input", "p"]
    assert service.event_count() == before


def test_a_stale_form_shows_the_conflict_and_the_current_state(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    case_id = _transfer(service)
    chuan = browser("chuan-clerk", CHUAN, "vehicle_admin")
    url = f"/cases/transfer/{case_id}"
    stale = chuan.form(url, "refuse_transfer")
    assert stale["expected_version"] == "2"
    # Meanwhile a colleague releases the archive.
    released = service.client.post(
        f"/v1/transfers/{case_id}/archive-release",
        json={"archive_ref": "ARC-1"},
        headers=service.auth("chuan-clerk-2", CHUAN, "vehicle_admin"),
    )
    assert released.status_code == 200
    service.wait_for_version(CHUAN, case_id, 3)
    before = service.event_count()

    response = chuan.client.post(
        f"{url}/actions/refuse_transfer",
        data={**stale, "reasons": "stolen", "detail": "盗抢骗"},
        follow_redirects=False,
    )

    assert response.status_code in (409, 412)
    tree = page(response)
    assert tree.one(data_testid="conflict")
    assert tree.one(data_testid="case-status").attrs["data-status"] == "archive_released"
    assert "Traceback" not in response.text
    assert service.event_count() == before


def test_a_double_submit_is_one_command(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    case_id = _transfer(service)
    chuan = browser("chuan-clerk", CHUAN, "vehicle_admin")
    url = f"/cases/transfer/{case_id}"
    fields = {**chuan.form(url, "release_archive"), "archive_ref": "ARC-1"}
    before = service.event_count()

    first = chuan.client.post(f"{url}/actions/release_archive", data=fields, follow_redirects=False)
    second = chuan.client.post(f"{url}/actions/release_archive", data=fields, follow_redirects=False)

    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["location"] == second.headers["location"]
    assert service.event_count() == before + 1


def test_an_insurers_page_never_shows_medical_notes(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    dispatcher = service.auth("cq-120", YU, "dispatcher")
    opened = service.client.post("/v1/rescues", json=RESCUE_BODY, headers=dispatcher)
    assert opened.status_code == 201, opened.text
    rescue_id = opened.json()["id"]
    notice = service.client.post(
        f"/v1/rescues/{rescue_id}/insurer-notice",
        json={"insurer": INSURER, "policy": "PDZA2026500000012345"},
        headers=service.auth("cq-police", YU, "traffic_police"),
    )
    assert notice.status_code == 200, notice.text
    service.wait_for_version(YU, rescue_id, 2)
    url = f"/cases/rescue/{rescue_id}"

    insurer = browser("cq-insurer", YU, "insurer", INSURER)
    seen = insurer.client.get(url)

    assert seen.status_code == 200
    assert NOTES not in seen.text
    tree = page(seen)
    assert tree.one(data_testid="rescue-parties")
    assert {f.attrs["data-action"] for f in tree.find(data_testid="action-form")} == {
        "confirm_insurer_advance"
    }
    assert "confirm_advance" in {
        r.attrs["data-action"] for r in page(insurer.client.get("/")).find(data_testid="inbox-row")
    }
    # The dispatch centre does see them (the masking is the API's, by role).
    assert NOTES in browser("cq-120", YU, "dispatcher").client.get(url).text
    # Another insurer does not see the rescue at all.
    assert browser("other-insurer", YU, "insurer", "平安产险").client.get(url).status_code == 404


def test_the_live_fragments_answer_only_when_something_changed(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    case_id = _transfer(service)
    chuan = browser("chuan-clerk", CHUAN, "vehicle_admin")
    live = f"/cases/transfer/{case_id}/live"

    assert chuan.client.get(f"{live}?since=2").status_code == 204
    changed = chuan.client.get(f"{live}?since=1")
    assert changed.status_code == 200
    assert changed.headers["x-live-since"] == "2"
    assert page(changed).one(data_testid="case-status").attrs["data-version"] == "2"

    inbox = chuan.client.get("/fragments/inbox")
    since = inbox.headers["x-live-since"]
    assert page(inbox).find(data_testid="inbox-row", data_case_id=case_id)
    assert chuan.client.get(f"/fragments/inbox?since={since}").status_code == 204


def test_the_language_switch(browsers: tuple[Service, Any]) -> None:
    _, browser = browsers
    chuan = browser("chuan-clerk", CHUAN, "vehicle_admin")
    chinese = page(chuan.client.get("/"))
    assert chinese.one(tag="html").attrs["lang"] == "zh-CN"
    switch = chinese.one(data_testid="lang-switch").attrs["href"]

    english = chuan.client.get(switch)

    assert english.status_code == 200
    assert page(english).one(tag="html").attrs["lang"] == "en"
    assert "Inbox" in english.text


def _application_fields() -> dict[str, str]:
    owner = TRANSFER_BODY["owner"]
    return {
        "plate": "川A12345",
        "vin": "1M8GDM9AXKP042788",
        "vehicle_type": "small_passenger",
        "use": "non_commercial",
        "owner.name": owner["name"],
        "owner.id_number": owner["id_number"],
        "owner.phone": owner["phone"],
        "destination_province": YU,
        "destination_city": "重庆市渝北区",
        "residence_proof": "RP-2026-0001",
    }


def test_a_held_vehicle_is_refused_next_to_its_plate_with_the_hold(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    objection = service.client.post(
        "/v1/objections",
        json={
            "recording_province": "330000",
            "violation": {
                "record_number": "3301062026110012345",
                "plate": "川A12345",
                "occurred_at": "2026-11-12T08:31:00+08:00",
                "place": "杭州市西湖区文三路",
                "code": "1625",
                "fine": 200,
                "points": 6,
                "penalty_decided": True,
            },
            "ground": "plate_misread",
            "party": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
        },
        headers=service.auth("alice", CHUAN, "owner"),
    )
    assert objection.status_code == 201, objection.text
    before = service.event_count()

    response = browser("alice", YU, "owner").submit(
        "/new/transfer", "apply_for_transfer", "/new/transfer", _application_fields()
    )

    assert response.status_code == 422
    tree = page(response)
    assert [e.attrs["data-field"] for e in tree.find(data_testid="field-error")] == ["plate"]
    assert [h.attrs["data-kind"] for h in tree.find(data_testid="hold")] == ["objection"]
    assert service.event_count() == before


def test_an_identity_providers_header_is_the_session(make_service: MakeService) -> None:
    service = make_service(workers=False, identity_provider_header="X-Forwarded-Access-Token")
    client = TestClient(service.client.app)
    token = service.container.issuer.mint(sub="yu-clerk", province=YU, role="vehicle_admin")

    signed_in = client.get("/", headers={"X-Forwarded-Access-Token": token})
    without = client.get("/", follow_redirects=False)

    assert signed_in.status_code == 200
    assert page(signed_in).one(data_testid="identity").attrs["data-role"] == "vehicle_admin"
    assert not page(signed_in).find(data_testid="signout")  # the provider signs out, not the console
    assert without.status_code == 303
    assert without.headers["location"].startswith("/signin/token")
    client.close()


def test_search_statistics_and_the_vehicle_page(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    case_id = _transfer(service)
    chuan = browser("chuan-clerk", CHUAN, "vehicle_admin")

    by_id = chuan.client.get(f"/search?q={case_id}", follow_redirects=False)
    by_plate = chuan.client.get("/search?q=川A12345", follow_redirects=True)
    by_vin = page(chuan.client.get("/search?q=1M8GDM9AXKP042788"))
    stats = chuan.client.get("/stats")
    csv = chuan.client.get("/stats.csv")

    assert by_id.headers["location"] == f"/cases/transfer/{case_id}"
    assert page(by_plate).one(data_testid="vehicle-cases").find(data_testid="case-row", data_case_id=case_id)
    assert by_vin.one(data_testid="search-results").find(data_testid="case-row", data_case_id=case_id)
    assert stats.status_code == 200
    assert page(stats).find(data_testid="stats-workflow", data_kind="transfer")
    assert "<svg" in stats.text
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "transfer,status,archive_requested,1" in csv.text


def test_demo_data_is_one_click_away_in_development_mode(browsers: tuple[Service, Any]) -> None:
    service, _ = browsers
    app = service.client.app
    app.state.demo_seeding = DemoSeeding(service.container, cases=MIN_CASES)  # type: ignore[attr-defined]
    visitor = Browser(service)
    signin = page(visitor.client.get("/signin"))
    demo_form = next(f for f in signin.walk() if f.tag == "form" and f.attrs.get("action") == "/signin/demo")
    csrf = hidden_fields(demo_form)["csrf"]

    refused = visitor.client.post("/signin/demo", data={"csrf": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    started = visitor.client.post("/signin/demo", data={"csrf": csrf}, follow_redirects=False)
    assert started.status_code == 303

    seeding: DemoSeeding = app.state.demo_seeding  # type: ignore[attr-defined]
    wait_until(lambda: not seeding.state.running, timeout=240, what="the demo seeding to finish")
    assert seeding.state.error is None and seeding.state.lines
    done = visitor.client.get("/signin")
    assert "demo-done" in done.text
    # The cases are real: an officer of 渝 finds demo cases in his province's read model.
    wait_until(lambda: service.container.readmodels.stats(YU), timeout=60, what="demo cases in 渝")
    visitor.close()


def test_the_demo_button_is_not_there_outside_development_mode(make_service: MakeService) -> None:
    service = make_service(workers=False)
    response = service.client.post("/signin/demo", data={"csrf": "x"}, follow_redirects=False)
    assert response.status_code == 404


def test_a_case_page_shows_an_erased_owner_as_erased(browsers: tuple[Service, Any]) -> None:
    service, browser = browsers
    case_id = _transfer(service)
    clerk = browser("chuan-clerk", CHUAN, "vehicle_admin")
    before = page(clerk.client.get(f"/cases/transfer/{case_id}")).all_text()
    assert "11010519491231002X" in before and "已删除" not in before

    owner = service.auth("alice", YU, "owner")
    withdrawn = service.client.post(
        f"/v1/transfers/{case_id}/withdrawal", json={"reason": "later"}, headers=owner
    )
    assert withdrawn.status_code == 200, withdrawn.text
    service.wait_for_version(CHUAN, case_id, 3)
    erased = service.client.post(
        "/v1/privacy/erasures",
        json={"id_number": "11010519491231002X", "reason": "consent withdrawn"},
        headers=service.auth("dpo", YU, "privacy_officer"),
    )
    assert erased.status_code == 200, erased.text

    after = page(clerk.client.get(f"/cases/transfer/{case_id}"))
    owner_field = after.one(data_field="owner").all_text()
    assert owner_field.count("已删除") == 3  # name, ID number and phone
    assert "11010519491231002X" not in after.all_text() and "张三" not in after.all_text()
    # the history is whole
    events = [
        e.attrs["data-event"]
        for e in after.one(data_testid="case-timeline").find(data_testid="timeline-event")
    ]
    assert events == ["TransferApplied", "ArchiveRequested", "TransferWithdrawn"]
