"""The web console's pages (issue 11): server-rendered, a client of the service's own JSON API.

Every page calls the API in-process as the signed-in user (`xborder.console.api_client`), so what a
page shows and what a form may do are exactly what the API allows that user; forms are derived from
the API's OpenAPI request schemas (`xborder.console.forms`) and post to the console, which sends the
JSON body with `If-Match` (the version the page showed) and an `Idempotency-Key` (one per rendered
form, so a double submit is one command), and on a problem re-renders the form with each error next
to the field the problem names, or "the case moved on" with the current state on 409/412.

URLs: `/` (workbench: the inbox, or the sign-in page), `/signin` (development only; else 404 with the
token form), `/signin/token`, `POST /signout`, `/lang/{zh|en}?next=`, `/cases/{kind}/{id}` (`?v=N` waits
for version N), `/cases/{kind}/{id}/live?since=N` (the live fragment), `POST /cases/{kind}/{id}/actions/
{command}`, `/new/{kind}` (kind: transfer, objection, hit_and_run, rescue), `/search?q=`,
`/vehicles/{plate}`, `/stats`, `/stats.csv`, `/fragments/inbox?since=`, `/static/...`.

Stable hooks for browser tests (data-testid):
  identity           who is signed in (header); data-province, data-role
  signin-identity    a development sign-in button (/signin); data-province, data-role, data-sub
  signin-form        the any-identity sign-in form (#signin-sub, #signin-province, #signin-role,
                     #signin-org); token-form: the paste-a-token form (#signin-token)
  signout            the sign-out button;  lang-switch: the language switch link
  new-<kind>         the workbench's button opening a new case (new-transfer, new-objection, ...)
  demo-seeding       the sign-in page's demo-data panel; demo-seed: its button; demo-running, demo-done
  new-<kind>         the workbench's link to open a case (new-transfer, new-objection, new-rescue,
                     new-hit_and_run), shown to the roles that may
  inbox              the workbench's inbox table (officers; an owner's page has my-cases only)
  inbox-row          one inbox item; data-case-id, data-kind, data-action (the `awaiting` action, e.g.
                     release_or_refuse_archive), data-overdue="true|false"; overdue rows come first
  my-cases           a recent-cases table (the owner's own cases); data-kind; rows: case-row with
                     data-case-id, data-status
  case-status        the case's status badge; data-status=<API status>, data-version=<version>
  transfer-steps     a transfer's progress (已受理 → 档案调取 → 查验 → 已办结); items: step with
                     data-step (accepted, archive, inspection, done; or returned, withdrawn, lapsed)
                     and data-state (done, current, todo, ended)
  objection-steps    an objection's progress; data-step: forwarded, reviewing, revoked | dismissed,
                     refund, withdrawn
  rescue-parties     警 / 医 / 保·基金; items: party with data-party (police, medical, funding) and
                     data-state (none, waiting, done, denied)
  case-provinces     the provinces (li data-province, data-side); case-awaiting: who must act next
  case-timeline      the timeline; items: timeline-event with data-event=<event type>, data-version
  case-deadlines     the open deadlines; rows: deadline with data-deadline=<name>, data-overdue
  case-holds         the vehicle's holds; data-transferable="true|false"; items: hold with data-kind
  linked-case        the link to a rescue's hit-and-run case (or back)
  action-form        a command form; data-action=<the API's command route name> (release_archive,
                     apply_for_transfer, confirm_insurer_advance...); submit: action-submit. Each field's
                     id is "<command>--<body path, dots as dashes>" (#apply_for_transfer--plate,
                     #apply_for_transfer--owner-id_number, #open_rescue--casualties-0-ref); a yes/no
                     field's radios add -yes / -no; a checkbox group's boxes add -<n> or -<province code>
  field-error        an error next to its field; data-field=<the body field's dotted path>
  form-error         an error of the form as a whole (no field, or a field not on the form)
  conflict           "the case moved on", shown with the current state after a 409/412
  case-moved-on      the live banner: the case changed while the page was open
  flash              the "done" notice after a command
  search-input       the search box; search-results, vehicle-cases: what a search found
  stats-workflow     a workflow's charts on /stats (data-kind); stats-csv: the CSV download
  error-message      an error page's message
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from xborder.console import stats, views
from xborder.console.actions import may_open, offered
from xborder.console.api_client import Answer, ApiClient, Problem, api_client
from xborder.console.demo_seeding import DemoSeeding
from xborder.console.forms import (
    Body,
    CommandForm,
    FormCatalog,
    FormData,
    FormField,
    first,
    parse_urlencoded,
    rfc3339_to_local,
    to_body,
)
from xborder.console.geography import near_first, province_label
from xborder.console.i18n import LANG_COOKIE, LANGS, Translator, pick_lang
from xborder.console.identities import DEV_PROVINCES, ROLES, dev_identities
from xborder.console.session import (
    CSRF_FIELD,
    CsrfGuard,
    Session,
    clear_session,
    new_idempotency_key,
    read_session,
    set_nonce,
    set_session,
)
from xborder.domain.calendar import WorkingCalendar
from xborder.domain.errors import InvalidValue
from xborder.domain.holidays_cn import china_calendar
from xborder.domain.plates import Plate
from xborder.domain.provinces import PROVINCES
from xborder.domain.vins import Vin

logger = logging.getLogger("xborder.console")

TEMPLATES: Final = Path(__file__).parent / "templates"
STATIC: Final = Path(__file__).parent / "static"
# The API's case read: how long a page waits for the version a command just made (read-your-writes).
WAIT_SECONDS: Final = 5
INBOX_ROWS: Final = 100
RECENT_ROWS: Final = 15
# A search by VIN or record number reads this many pages of the newest cases of a kind (200 each).
SEARCH_PAGES: Final = 5
# The workflows each role's workbench lists recent cases of.
ROLE_KINDS: Final[Mapping[str, tuple[str, ...]]] = {
    "owner": ("transfer", "objection"),
    "vehicle_admin": ("transfer",),
    "traffic_police": ("objection", "rescue"),
    "investigator": ("hit_and_run",),
    "dispatcher": ("rescue",),
    "medical": ("rescue",),
    "insurer": ("rescue",),
    "fund": ("rescue",),
}
# How a new case's form is laid out in steps: step -> its top-level fields (the rest go last).
LAYOUTS: Final[Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "transfer": (
        ("vehicle", ("plate", "vin", "vehicle_type", "use")),
        ("owner", ("owner",)),
        ("destination", ("destination_province", "destination_city", "residence_proof")),
        ("mortgage", ("mortgaged", "mortgagee")),
    ),
    "objection": (
        ("violation", ("recording_province", "violation")),
        ("ground", ("ground", "ground_detail", "police_report_number", "evidence")),
        ("party", ("party",)),
    ),
    "rescue": (
        ("accident", ("occurred_at", "place", "driver_fled")),
        ("casualties", ("casualties",)),
        ("vehicles", ("vehicles",)),
    ),
    "hit_and_run": (
        ("incident", ("occurred_at", "place", "casualties", "direction")),
        ("suspect", ("suspect_vehicle",)),
    ),
}
_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


# ------------------------------------------------------------------------------------- the console


class Console:
    """What the pages share, kept on `app.state.console`: templates, the CSRF guard, the settings and
    clock of the service, and the forms (read from the app's OpenAPI document on first use)."""

    def __init__(self, app: FastAPI, container: Any, routers: Mapping[str, APIRouter]) -> None:
        self.app = app
        self.container = container
        self.settings = container.settings
        self.routers = dict(routers)
        self.prefixes = {kind: router.prefix for kind, router in routers.items()}
        self.guard = CsrfGuard(container.jwt_secret)
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(("html",), default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(
            when=views.when,
            province_label=province_label,
            provinces=PROVINCES,
            short_id=lambda value: str(value)[:8],
            dumps=json.dumps,
        )
        self._catalog: FormCatalog | None = None
        self.calendar = _calendar_of(container)

    @property
    def catalog(self) -> FormCatalog:
        if self._catalog is None:
            self._catalog = FormCatalog(self.app, self.routers)
        return self._catalog

    def now(self) -> datetime:
        moment: datetime = self.container.clock.now()
        return moment


def _calendar_of(container: Any) -> WorkingCalendar:
    for application in getattr(container, "applications", {}).values():
        policy = getattr(application, "policy", None)
        if policy is not None:
            calendar: WorkingCalendar = policy.calendar
            return calendar
    return china_calendar()


class ConsoleRoute(APIRoute):
    """A console route: whatever goes wrong inside a page is an HTML error page, never a trace and
    never the API's JSON problem."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except StarletteHTTPException:
                raise
            except Exception:
                logger.exception("console page failed: %s %s", request.method, self.path)
                return _error_page(request, 500)

        return guarded


router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


def _error_page(request: Request, status: int) -> Response:
    try:
        page = Page(request)
        key = {404: "error.not_found", 403: "error.forbidden", 429: "error.busy"}.get(status, "error.body")
        return page.render("error.html", status=status, message=page.t(key))
    except Exception:  # the page itself cannot be drawn: a plain one
        logger.exception("console error page failed")
        return HTMLResponse("<!doctype html><title>Error</title><p>服务暂时不可用 / Unavailable</p>", status)


# ------------------------------------------------------------------------------------------ a page


class Page:
    """One request to a console page: its language, its session, the API as its user."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.console: Console = request.app.state.console
        self.t = Translator(pick_lang(request))
        self.session: Session = read_session(
            request,
            self.console.guard,
            request.app.state.token_verifier,
            self.console.settings.identity_provider_header,
        )

    @property
    def actor(self) -> Any:
        return self.session.actor

    @property
    def dev_signin(self) -> bool:
        return bool(self.console.settings.dev_signin)

    def api(self) -> Any:
        return api_client(self.request.app, self.session.token)

    def signin_url(self) -> str:
        return "/signin" if self.dev_signin else "/signin/token"

    def to_signin(self) -> Response:
        target = self.request.url.path
        if self.request.url.query:
            target += "?" + self.request.url.query
        response = self.redirect(f"{self.signin_url()}?{urlencode({'next': target})}")
        if self.request.cookies.get("xborder_session"):
            clear_session(response, self.request)  # it was there, and is no session: expired or forged
        return response

    def context(self) -> dict[str, Any]:
        return {
            "t": self.t,
            "session": self.session,
            "actor": self.actor,
            "csrf_field": CSRF_FIELD,
            "csrf": self.session.csrf,
            "path": self.request.url.path,
            "here": _here(self.request),
            "dev_signin": self.dev_signin,
            "now": self.console.now(),
        }

    def html(self, template: str, **values: Any) -> str:
        return self.console.env.get_template(template).render(**self.context(), **values)

    def render(
        self, template: str, *, status: int = 200, headers: Mapping[str, str] | None = None, **values: Any
    ) -> Response:
        return self.finish(
            HTMLResponse(self.html(template, **values), status_code=status, headers=dict(headers or {}))
        )

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Response:
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["Content-Language"] = self.t.html_lang
        if self.session.nonce_is_new:
            set_nonce(response, self.request, self.session.nonce)
        return response

    async def form(self) -> FormData:
        return parse_urlencoded(await self.request.body())

    def csrf_ok(self, data: FormData) -> bool:
        return not self.session.nonce_is_new and self.console.guard.check(
            first(data, CSRF_FIELD), self.session.nonce, self.session.token
        )

    def csrf_refused(self) -> Response:
        return self.render("error.html", status=403, message=self.t("form.csrf_refused"))

    def not_found(self) -> Response:
        return self.render("error.html", status=404, message=self.t("error.not_found"))


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _safe_next(value: str | None) -> str:
    """Only a path of this site (no `//host`, no scheme): never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


# --------------------------------------------------------------------------------------- sign-in


@router.get("/signin")
async def signin_page(request: Request) -> Response:
    page = Page(request)
    if not page.dev_signin:
        return _token_page(page, status=404, note=page.t("signin.not_here"))
    return _dev_signin_page(page)


def _dev_signin_page(page: Page, *, error: str | None = None, status: int = 200) -> Response:
    by_province: dict[str, dict[str, Any]] = {code: {} for code in DEV_PROVINCES}
    for identity in dev_identities():
        by_province[identity.province][identity.role] = identity
    return page.render(
        "signin.html",
        status=status,
        by_province=by_province,
        roles=ROLES,
        next=_safe_next(page.request.query_params.get("next")),
        error=error,
        demo=_demo_seeding(page).state,
    )


def _demo_seeding(page: Page) -> DemoSeeding:
    state = page.request.app.state
    if getattr(state, "demo_seeding", None) is None:
        from xborder.demo import DEFAULT_CASES

        state.demo_seeding = DemoSeeding(page.console.container, cases=DEFAULT_CASES)
    seeding: DemoSeeding = state.demo_seeding
    return seeding


@router.post("/signin/demo")
async def seed_demo_data(request: Request) -> Response:
    """Development only: seed `xborder demo`'s cases into this service, in the background."""
    page = Page(request)
    if not page.dev_signin:
        return page.not_found()
    data = await page.form()
    if not page.csrf_ok(data):
        return page.csrf_refused()
    # A new seed per click: each batch gets other plates, so a second click adds cases, not conflicts.
    _demo_seeding(page).start(seed=secrets.randbelow(1_000_000))
    return page.redirect("/signin")


@router.post("/signin")
async def signin(request: Request) -> Response:
    page = Page(request)
    if not page.dev_signin:
        return _token_page(page, status=404, note=page.t("signin.not_here"))
    data = await page.form()
    if not page.csrf_ok(data):
        return page.csrf_refused()
    org = first(data, "org") or None
    try:
        token = page.console.container.issuer.mint(
            sub=first(data, "sub"), province=first(data, "province"), role=first(data, "role"), org=org
        )
    except ValueError as error:
        return _dev_signin_page(page, error=str(error), status=422)
    response = page.redirect(_safe_next(first(data, "next")))
    set_session(response, request, token, page.console.settings.token_ttl_seconds)
    return response


def _token_page(
    page: Page, *, status: int = 200, note: str | None = None, error: str | None = None
) -> Response:
    return page.render(
        "signin_token.html",
        status=status,
        note=note,
        error=error,
        next=_safe_next(page.request.query_params.get("next")),
    )


@router.get("/signin/token")
async def token_page(request: Request) -> Response:
    return _token_page(Page(request))


@router.post("/signin/token")
async def token_signin(request: Request) -> Response:
    page = Page(request)
    data = await page.form()
    if not page.csrf_ok(data):
        return page.csrf_refused()
    token = first(data, "token")
    try:
        request.app.state.token_verifier.verify(token)
    except Exception:  # noqa: BLE001 (any refusal: say so on the form)
        return _token_page(page, status=422, error=page.t("signin.token_invalid"))
    response = page.redirect(_safe_next(first(data, "next")))
    set_session(response, request, token, page.console.settings.token_ttl_seconds)
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    page = Page(request)
    data = await page.form()
    if not page.csrf_ok(data):
        return page.csrf_refused()
    response = page.redirect(page.signin_url())
    clear_session(response, request)
    return response


@router.get("/lang/{lang}")
async def switch_language(request: Request, lang: str) -> Response:
    page = Page(request)
    if lang not in LANGS:
        return page.not_found()
    response = page.redirect(_safe_next(request.query_params.get("next")))
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="lax", httponly=True)
    return response


# ------------------------------------------------------------------------------------- workbench


@dataclass
class InboxRow:
    case_id: str
    kind: str
    status: str
    version: int
    action: str
    due: str | None
    overdue: bool
    plate: str | None = None
    summary: str = ""
    provisional: bool = False


@dataclass
class Inbox:
    rows: list[InboxRow] = field(default_factory=list)
    total: int = 0
    overdue: int = 0
    shown: int = 0
    since: str = ""
    error: str | None = None
    plate_error: str | None = None


@dataclass(frozen=True)
class InboxFilters:
    kind: str
    status: str
    plate: str
    overdue: bool

    @classmethod
    def of(cls, request: Request) -> InboxFilters:
        q = request.query_params
        return cls(
            kind=(q.get("kind") or "").strip(),
            status=(q.get("status") or "").strip(),
            plate=(q.get("plate") or "").strip(),
            overdue=q.get("overdue") in ("1", "true", "on"),
        )

    def query(self) -> str:
        values = {
            "kind": self.kind,
            "status": self.status,
            "plate": self.plate,
            "overdue": "1" if self.overdue else "",
        }
        return urlencode({k: v for k, v in values.items() if v})


def _fingerprint(items: Sequence[Mapping[str, Any]]) -> str:
    raw = json.dumps(items, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:20]


async def _inbox(
    page: Page, api: ApiClient, filters: InboxFilters, *, unless: str | None = None
) -> Inbox | None:
    """The inbox as the page shows it; None when its digest is still `unless` (nothing changed: the
    live poll asks nothing more of the API)."""
    answer = await api.get("/v1/inbox")
    if not answer.ok:
        return Inbox(error=_problem_text(page, answer.problem))
    items: list[Mapping[str, Any]] = list(answer.body.get("items") or [])
    inbox = Inbox(since=_fingerprint(items))
    if unless is not None and inbox.since == unless:
        return None
    rows = [
        item
        for item in items
        if (not filters.kind or item.get("kind") == filters.kind)
        and (not filters.status or item.get("status") == filters.status)
        and (not filters.overdue or item.get("overdue"))
    ]
    if filters.plate:
        on_plate = await api.get(f"/v1/vehicles/{quote(filters.plate, safe='')}")
        if not on_plate.ok:
            inbox.plate_error = _problem_text(page, on_plate.problem)
            rows = []
        else:
            ids = {case.get("id") for case in on_plate.body.get("cases") or ()}
            rows = [item for item in rows if item.get("case_id") in ids]
    rows.sort(key=lambda item: (not item.get("overdue"), item.get("due") is None, item.get("due") or ""))
    inbox.total = len(rows)
    inbox.overdue = sum(1 for item in rows if item.get("overdue"))
    shown = rows[:INBOX_ROWS]
    inbox.shown = len(shown)
    docs = await _docs(page, api, [(str(item["kind"]), str(item["case_id"])) for item in shown])
    for item in shown:
        doc = docs.get(str(item["case_id"]))
        inbox.rows.append(
            InboxRow(
                case_id=str(item["case_id"]),
                kind=str(item["kind"]),
                status=str(item.get("status") or ""),
                version=int(item.get("version") or 0),
                action=str(item.get("action") or ""),
                due=item.get("due"),
                overdue=bool(item.get("overdue")),
                provisional=bool(item.get("provisional")),
                plate=_plate_of(doc) if doc else None,
                summary=_summary(doc, page.t) if doc else "",
            )
        )
    return inbox


async def _docs(page: Page, api: ApiClient, cases: Sequence[tuple[str, str]]) -> dict[str, Mapping[str, Any]]:
    unique = list(dict.fromkeys(cases))
    paths = [
        f"{page.console.prefixes[kind]}/{case_id}"
        for kind, case_id in unique
        if kind in page.console.prefixes
    ]
    answers = await api.get_many(paths)
    return {
        str(answer.body["id"]): answer.body
        for answer in answers
        if answer.status == 200 and isinstance(answer.body, Mapping) and "id" in answer.body
    }


def _plate_of(doc: Mapping[str, Any]) -> str | None:
    plate = doc.get("plate")
    if isinstance(plate, str) and plate:
        return plate
    suspect = doc.get("suspect_vehicle")
    if isinstance(suspect, Mapping) and suspect.get("plate_partial"):
        return str(suspect["plate_partial"])
    return None


def _summary(doc: Mapping[str, Any], t: Translator) -> str:
    kind = doc.get("kind")
    if kind == "transfer":
        return f"{province_label(doc.get('origin'))} → {province_label(doc.get('destination'))}"
    if kind == "objection":
        violation = views.mapping(doc.get("violation"))
        return f"{province_label(doc.get('recording'))} · {violation.get('record_number') or ''}"
    place = views.mapping(doc.get("place"))
    km = place.get("km")
    where = f"{place.get('road') or ''}" + (f" K{km}" if km is not None else "")
    return f"{province_label(doc.get('accident') or doc.get('incident'))} · {where}"


async def _recent(page: Page, api: ApiClient) -> list[tuple[str, list[dict[str, Any]]]]:
    lists = []
    for kind in ROLE_KINDS.get(page.actor.role.value, ()):
        answer = await api.get(page.console.prefixes[kind], {"page_size": RECENT_ROWS})
        items = list(answer.body.get("items") or []) if answer.ok else []
        rows = [
            {
                "doc": doc,
                "plate": _plate_of(doc),
                "summary": _summary(doc, page.t),
                "parties": views.rescue_parties(doc, page.console.now(), page.t)
                if kind == "rescue"
                else None,
            }
            for doc in items
        ]
        lists.append((kind, rows))
    return lists


@router.get("/")
async def workbench(request: Request) -> Response:
    page = Page(request)
    if not page.session.signed_in:
        return page.to_signin()
    filters = InboxFilters.of(request)
    async with page.api() as api:
        # An owner awaits no office's step: his page is his cases (the 12123 way), without an inbox.
        owner = page.actor.role.value == "owner"
        inbox = Inbox() if owner else (await _inbox(page, api, filters) or Inbox())
        recent = await _recent(page, api)
    return page.render(
        "workbench.html",
        inbox=inbox,
        filters=filters,
        recent=recent,
        statuses=_statuses(page.t),
        kinds=list(page.console.prefixes),
        openable=[kind for kind in page.console.prefixes if may_open(kind, page.actor)],
        due_text=lambda due: views.due_text(due, page.console.now(), page.console.calendar, page.t),
    )


def _statuses(t: Translator) -> list[tuple[str, str, str]]:
    """(kind, status, label) of every status of every workflow, for the status filter."""
    from xborder.console.i18n import M

    found = []
    for key in M:
        if key.startswith("status."):
            _, kind, status = key.split(".", 2)
            found.append((kind, status, t.status(kind, status)))
    return found


@router.get("/fragments/inbox")
async def inbox_fragment(request: Request) -> Response:
    page = Page(request)
    if not page.session.signed_in:
        return Response(status_code=401)
    filters = InboxFilters.of(request)
    async with page.api() as api:
        inbox = await _inbox(page, api, filters, unless=request.query_params.get("since") or None)
    if inbox is None:
        return page.finish(Response(status_code=204))
    html = page.html(
        "_inbox.html",
        inbox=inbox,
        filters=filters,
        due_text=lambda due: views.due_text(due, page.console.now(), page.console.calendar, page.t),
    )
    return page.finish(HTMLResponse(html, headers={"X-Live-Since": inbox.since}))


# -------------------------------------------------------------------------------------- case page


@dataclass
class FormState:
    """A command form as the page renders it: the values typed (or the defaults), the errors by field
    path, the errors of the form as a whole, its Idempotency-Key and the version it acts on."""

    values: FormData
    key: str
    expected_version: int | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    top: list[str] = field(default_factory=list)
    holds: list[Mapping[str, Any]] = field(default_factory=list)


@dataclass
class ActionForm:
    form: CommandForm
    state: FormState
    near: list[str]
    rest: list[str]


def _near(doc: Mapping[str, Any] | None, page: Page) -> tuple[list[str], list[str]]:
    doc = doc or {}
    return near_first([doc.get("accident"), doc.get("incident"), doc.get("destination"), page.actor.province])


def _defaults(form: CommandForm, page: Page, doc: Mapping[str, Any] | None) -> FormData:
    """Sensible starting values: the time now, the caller's province as the destination, what the
    case already says (the casualties to admit, the insurer to notify, the fine to refund)."""
    values: FormData = {
        "occurred_at": [rfc3339_to_local(page.console.now())],
        "vehicle_type": ["small_passenger"],
        "use": ["non_commercial"],
        "destination_province": [page.actor.province or ""],
        "driver_fled": ["false"],
    }
    doc = doc or {}
    casualties = [c for c in doc.get("casualties") or () if isinstance(c, Mapping) and c.get("ref")]
    if form.name == "admit_patients" and casualties:
        values["patients"] = ["\n".join(str(c["ref"]) for c in casualties)]
    if form.name == "notify_insurer":
        insured = next(
            (v for v in doc.get("vehicles") or () if isinstance(v, Mapping) and v.get("insurer")), None
        )
        if insured:
            values["insurer"] = [str(insured.get("insurer") or "")]
            values["policy"] = [str(insured.get("policy") or "")]
    revocation = doc.get("revocation")
    if form.name == "complete_refund" and isinstance(revocation, Mapping):
        values["amount"] = [str(revocation.get("fine_to_refund") or "")]
    return values


def _fresh(form: CommandForm, page: Page, doc: Mapping[str, Any] | None) -> FormState:
    version = int(doc["version"]) if doc and doc.get("version") else None
    return FormState(values=_defaults(form, page, doc), key=new_idempotency_key(), expected_version=version)


async def _holds(api: ApiClient, doc: Mapping[str, Any]) -> Answer | None:
    plate = doc.get("plate")
    if not isinstance(plate, str) or not plate:
        return None
    return await api.get(f"/v1/vehicles/{quote(plate, safe='')}")


def _kind_ok(page: Page, kind: str, case_id: str) -> bool:
    if kind not in page.console.prefixes:
        return False
    try:
        UUID(case_id)
    except ValueError:
        return False
    return True


async def _read_case(page: Page, api: ApiClient, kind: str, case_id: str, version: int | None) -> Answer:
    params = {"min_version": version, "wait": WAIT_SECONDS} if version else None
    return await api.get(f"{page.console.prefixes[kind]}/{case_id}", params)


@dataclass(frozen=True)
class Conflict:
    submitted_version: int | None
    detail: str


async def _case_page(
    page: Page,
    api: ApiClient,
    kind: str,
    doc: Mapping[str, Any],
    *,
    failed: tuple[str, FormState] | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
    pending: bool = False,
) -> Response:
    holds = await _holds(api, doc)
    names = offered(kind, doc, page.actor) if not pending else []
    if failed is not None and failed[0] not in names:
        names.append(failed[0])  # the form that failed stays, to say why
    near, rest = _near(doc, page)
    forms = []
    for name in names:
        form = page.console.catalog.command(kind, name)
        if form is None:
            continue
        state = failed[1] if failed is not None and failed[0] == name else _fresh(form, page, doc)
        forms.append(ActionForm(form, state, near, rest))
    done = page.request.query_params.get("done")
    return page.render(
        "case.html",
        status=status,
        kind=kind,
        doc=doc,
        live=_live_values(page, kind, doc),
        details=views.detail_rows(doc, page.t),
        holds=holds.body if holds is not None and holds.ok else None,
        holds_error=_problem_text(page, holds.problem) if holds is not None and not holds.ok else None,
        forms=forms,
        conflict=conflict,
        pending=pending,
        done=page.t.action(done) if done and done.replace("_", "").isalnum() else None,
    )


def _live_values(page: Page, kind: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the live part of a case page shows (re-rendered by `/cases/{kind}/{id}/live`)."""
    now = page.console.now()
    return {
        "doc": doc,
        "kind": kind,
        "steps": (
            views.transfer_steps(doc, page.t)
            if kind == "transfer"
            else views.objection_steps(doc, page.t)
            if kind == "objection"
            else None
        ),
        "parties": views.rescue_parties(doc, now, page.t) if kind == "rescue" else None,
        "due_text": lambda due: views.due_text(due, now, page.console.calendar, page.t),
    }


@router.get("/cases/{kind}/{case_id}")
async def case_page(request: Request, kind: str, case_id: str) -> Response:
    page = Page(request)
    if not page.session.signed_in:
        return page.to_signin()
    if not _kind_ok(page, kind, case_id):
        return page.not_found()
    version = _int(request.query_params.get("v"))
    async with page.api() as api:
        answer = await _read_case(page, api, kind, case_id, version)
        if answer.status == 401:
            return page.to_signin()
        if answer.status == 202:
            doc = answer.body if isinstance(answer.body, Mapping) and answer.body.get("status") else None
            if doc is None:
                return page.render("pending.html", kind=kind, case_id=case_id)
            return await _case_page(page, api, kind, doc, pending=True)
        if not answer.ok:
            return _case_problem_page(page, answer)
        return await _case_page(page, api, kind, answer.body)


def _case_problem_page(page: Page, answer: Answer) -> Response:
    if answer.status == 404:
        return page.render("error.html", status=404, message=page.t("case.not_found"))
    problem = answer.problem
    return page.render("error.html", status=answer.status, message=_problem_text(page, problem))


@router.get("/cases/{kind}/{case_id}/live")
async def case_live(request: Request, kind: str, case_id: str) -> Response:
    page = Page(request)
    if not page.session.signed_in:
        return Response(status_code=401)
    if not _kind_ok(page, kind, case_id):
        return Response(status_code=404)
    async with page.api() as api:
        answer = await _read_case(page, api, kind, case_id, None)
    if answer.status != 200:
        return page.finish(Response(status_code=204 if answer.status == 202 else answer.status))
    doc = answer.body
    since = request.query_params.get("since")
    if since is not None and since == str(doc.get("version")):
        return page.finish(Response(status_code=204))
    html = page.html("_case_live.html", **_live_values(page, kind, doc))
    return page.finish(HTMLResponse(html, headers={"X-Live-Since": str(doc.get("version"))}))


@router.post("/cases/{kind}/{case_id}/actions/{name}")
async def case_action(request: Request, kind: str, case_id: str, name: str) -> Response:
    page = Page(request)
    if not page.session.signed_in:
        return page.to_signin()
    if not _kind_ok(page, kind, case_id):
        return page.not_found()
    data = await page.form()
    if not page.csrf_ok(data):
        return page.csrf_refused()
    form = page.console.catalog.command(kind, name)
    if form is None:
        return page.not_found()
    body = to_body(form.fields, data)
    expected = _int(first(data, "expected_version"))
    key = first(data, "idempotency_key") or new_idempotency_key()
    async with page.api() as api:
        answer = await api.post(form.api_path(case_id), body.json, if_match=expected, idempotency_key=key)
        if answer.ok:
            version = answer.body.get("version") if isinstance(answer.body, Mapping) else None
            return page.redirect(f"/cases/{kind}/{case_id}?{urlencode({'v': version or '', 'done': name})}")
        problem = answer.problem
        assert problem is not None
        if problem.status == 401:
            return page.to_signin()
        current = await _read_case(page, api, kind, case_id, None)
        if current.status != 200:
            return _case_problem_page(page, current)
        if problem.is_conflict:
            conflict = Conflict(expected, _problem_text(page, problem))
            return await _case_page(page, api, kind, current.body, conflict=conflict, status=problem.status)
        state = FormState(values=data, key=key, expected_version=expected)
        _place_errors(page, form, body, problem, state)
        return await _case_page(page, api, kind, current.body, failed=(name, state), status=problem.status)


def _place_errors(page: Page, form: CommandForm, body: Body, problem: Problem, state: FormState) -> None:
    """Each error next to the field it names, when the form has that field; else at the top."""
    paths = form.paths()
    for named, errors in problem.field_errors().items():
        path = body.form_path(named)
        for error in errors:
            message = page.t.problem(error.code, error.message)
            if path and path in paths:
                state.errors.setdefault(path, []).append(message)
            elif path:
                state.top.append(f"{page.t.field(path)}: {message}")
            else:
                state.top.append(_problem_text(page, problem) if not errors[0].message else message)
    if problem.status == 429:
        state.top = [page.t("problem.rate_limited")]
    holds = problem.extra.get("holds")
    if isinstance(holds, list):
        state.holds = [h for h in holds if isinstance(h, Mapping)]


def _problem_text(page: Page, problem: Problem | None) -> str:
    if problem is None:
        return ""
    if problem.status == 429:
        return page.t("problem.rate_limited")
    return page.t.problem(problem.code, problem.detail)


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit() or len(value.strip()) > 9:
        return None
    return int(value.strip())


# ------------------------------------------------------------------------------------- new cases


def _steps_of(kind: str, form: CommandForm) -> list[tuple[str, list[FormField]]]:
    by_name = {f.name: f for f in form.fields}
    steps: list[tuple[str, list[FormField]]] = []
    placed: set[str] = set()
    for step, names in LAYOUTS.get(kind, ()):
        fields = [by_name[n] for n in names if n in by_name]
        placed.update(f.name for f in fields)
        if fields:
            steps.append((step, fields))
    rest = [f for f in form.fields if f.name not in placed]
    if rest:
        steps.append(("other", rest))
    return steps


def _new_page(page: Page, kind: str, form: CommandForm, state: FormState, *, status: int = 200) -> Response:
    near, rest = _near(None, page)
    return page.render(
        "new_case.html",
        status=status,
        kind=kind,
        action=ActionForm(form, state, near, rest),
        steps=_steps_of(kind, form),
    )


def _opening_form(page: Page, kind: str) -> CommandForm | Response:
    """The form that opens a case of `kind`, or the page to show instead (sign in, not found)."""
    if not page.session.signed_in:
        return page.to_signin()
    form = page.console.catalog.opening(kind) if kind in page.console.prefixes else None
    return form if form is not None else page.not_found()


@router.get("/new/{kind}")
async def new_case_page(request: Request, kind: str) -> Response:
    page = Page(request)
    form = _opening_form(page, kind)
    if isinstance(form, Response):
        return form
    if not may_open(kind, page.actor):
        return page.render("error.html", status=403, message=page.t("error.forbidden"))
    return _new_page(page, kind, form, _fresh(form, page, None))


@router.post("/new/{kind}")
async def new_case(request: Request, kind: str) -> Response:
    page = Page(request)
    form = _opening_form(page, kind)
    if isinstance(form, Response):
        return form
    data = await page.form()
    if not page.csrf_ok(data):
        return page.csrf_refused()
    body = to_body(form.fields, data)
    key = first(data, "idempotency_key") or new_idempotency_key()
    async with page.api() as api:
        answer = await api.post(form.api_path(), body.json, idempotency_key=key)
    if answer.ok and isinstance(answer.body, Mapping):
        created = answer.body
        return page.redirect(
            f"/cases/{kind}/{created['id']}?{urlencode({'v': created['version'], 'done': form.name})}"
        )
    problem = answer.problem
    assert problem is not None
    if problem.status == 401:
        return page.to_signin()
    state = FormState(values=data, key=key, expected_version=None)
    _place_errors(page, form, body, problem, state)
    return _new_page(page, kind, form, state, status=problem.status)


# ----------------------------------------------------------------------------- search and vehicles


@router.get("/search")
async def search(request: Request) -> Response:
    page = Page(request)
    if not page.session.signed_in:
        return page.to_signin()
    q = (request.query_params.get("q") or "").strip()
    if not q:
        return page.redirect("/")
    async with page.api() as api:
        try:
            UUID(q)
        except ValueError:
            pass
        else:
            for kind, prefix in page.console.prefixes.items():
                found = await api.get(f"{prefix}/{q}")
                if found.status in (200, 202):
                    return page.redirect(f"/cases/{kind}/{q}")
            return page.render("search.html", q=q, results=[], scanned=0)
        try:
            plate = Plate.parse(q).value
        except InvalidValue:
            pass
        else:
            return page.redirect(f"/vehicles/{quote(plate, safe='')}")
        results, scanned = await _scan(page, api, q)
    return page.render("search.html", q=q, results=results, scanned=scanned)


async def _scan(page: Page, api: ApiClient, q: str) -> tuple[list[dict[str, Any]], int]:
    """A VIN (transfers) or a violation record number (objections), in the newest cases of the
    caller's province: there is no API index on either, so the lists are read page by page."""
    try:
        vin: str | None = Vin.parse(q).value
    except InvalidValue:
        vin = None
    kind = "transfer" if vin is not None else "objection"

    def match(doc: Mapping[str, Any]) -> bool:
        if vin is not None:
            return doc.get("vin") == vin
        return str(views.mapping(doc.get("violation")).get("record_number")) == q

    results: list[dict[str, Any]] = []
    scanned = 0
    for number in range(1, SEARCH_PAGES + 1):
        answer = await api.get(page.console.prefixes[kind], {"page": number, "page_size": 200})
        if not answer.ok:
            break
        items = answer.body.get("items") or []
        scanned += len(items)
        results += [
            {"doc": doc, "plate": _plate_of(doc), "summary": _summary(doc, page.t)}
            for doc in items
            if match(doc)
        ]
        if not answer.body.get("next_page"):
            break
    return results, scanned


@router.get("/vehicles/{plate}")
async def vehicle_page(request: Request, plate: str) -> Response:
    page = Page(request)
    if not page.session.signed_in:
        return page.to_signin()
    async with page.api() as api:
        answer = await api.get(f"/v1/vehicles/{quote(plate, safe='')}")
    if not answer.ok:
        return page.render("error.html", status=answer.status, message=_problem_text(page, answer.problem))
    return page.render("vehicle.html", vehicle=answer.body)


# ------------------------------------------------------------------------------------- statistics


async def _province_stats(page: Page) -> stats.StatsTable | Response:
    """The caller's province's statistics from the API, or the page to show instead."""
    if not page.session.signed_in:
        return page.to_signin()
    async with page.api() as api:
        answer = await api.get("/v1/stats")
    if not answer.ok:
        return page.render("error.html", status=answer.status, message=_problem_text(page, answer.problem))
    return stats.stats_table(answer.body)


@router.get("/stats")
async def stats_page(request: Request) -> Response:
    page = Page(request)
    table = await _province_stats(page)
    if isinstance(table, Response):
        return table
    text = stats.CHINESE if page.t.lang == "zh" else stats.ENGLISH
    charts = []
    for kind in table.workflows():
        status_labels = {row.status: page.t.status(kind, row.status) for row in table.statuses_of(kind)}
        step_labels = {row.step: page.t.event(row.step) for row in table.steps_of(kind)}
        charts.append(
            {
                "kind": kind,
                "statuses": stats.bar_chart_svg(
                    page.t.kind(kind), table.statuses_of(kind), labels=status_labels, text=text
                ),
                "steps": stats.step_time_chart_svg(
                    page.t.kind(kind), table.steps_of(kind), labels=step_labels, text=text
                ),
                "status_rows": table.statuses_of(kind),
                "step_rows": table.steps_of(kind),
                "status_labels": status_labels,
                "step_labels": step_labels,
            }
        )
    return page.render("stats.html", table=table, charts=charts, format_seconds=stats.format_seconds)


@router.get("/stats.csv")
async def stats_csv(request: Request) -> Response:
    page = Page(request)
    table = await _province_stats(page)
    if isinstance(table, Response):
        return table
    content = "\ufeff" + stats.stats_csv(table)
    filename = f"xborder-stats-{table.province or 'province'}.csv"
    return page.finish(
        Response(
            content.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )
