"""The console's words: every status, event, command, awaited action, form field, option and deadline
of every workflow has both its Chinese and its English name; lookups fall back, never fail."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import pytest
from starlette.requests import Request

from xborder.console.actions import OFFERS
from xborder.console.forms import FormCatalog, FormField
from xborder.console.i18n import LANG_COOKIE, M, Translator, pick_lang
from xborder.workflows.hit_and_run.aggregate import HitAndRunStatus
from xborder.workflows.objection.aggregate import ObjectionStatus
from xborder.workflows.registry import WORKFLOWS
from xborder.workflows.rescue.aggregate import RescueStatus
from xborder.workflows.transfer.aggregate import TransferStatus

STATUSES: dict[str, type[StrEnum]] = {
    "transfer": TransferStatus,
    "objection": ObjectionStatus,
    "hit_and_run": HitAndRunStatus,
    "rescue": RescueStatus,
}
# What `awaiting` names (the aggregates' `awaiting()`), besides the commands' own names.
AWAITED = (
    "release_or_refuse_archive",
    "verify_archive",
    "inspect_vehicle",
    "register_vehicle",
    "start_review",
    "decide",
    "supply_evidence",
    "eliminate_record",
    "refund_fine",
    "acknowledge_assistance",
    "take_handover",
    "mark_solved",
    "determine_responsibility",
    "report_arrival",
    "report_admission",
    "confirm_advance",
    "notify_fund",
    "review_fund",
)


def _named(key: str) -> None:
    assert key in M, f"{key} has no name"
    zh, en = M[key]
    assert zh.strip() and en.strip(), key


def test_every_status_of_every_workflow_is_named() -> None:
    assert set(STATUSES) == {spec.kind for spec in WORKFLOWS}
    for kind, statuses in STATUSES.items():
        for status in statuses:
            _named(f"status.{kind}.{status.value}")


def test_every_event_and_every_deadline_is_named() -> None:
    for spec in WORKFLOWS:
        for event in spec.events:
            _named(f"event.{event}")
        for term in spec.terms:
            _named(f"deadline.{term}")


def test_every_command_and_every_awaited_action_is_named(catalog: FormCatalog) -> None:
    for spec in WORKFLOWS:
        for name in catalog.names(spec.kind):
            _named(f"action.{name}")
        opening = catalog.opening(spec.kind)
        assert opening is not None
        _named(f"action.{opening.name}")
        _named(f"new.{spec.kind}")
        _named(f"kind.{spec.kind}")
    for action in AWAITED:
        _named(f"action.{action}")
    assert all(f"action.{name}" in M for names in OFFERS.values() for name in names)


def _fields(fields: tuple[FormField, ...]) -> Iterator[FormField]:
    for f in fields:
        yield f
        yield from _fields(f.children)


def test_every_form_field_and_option_is_named(catalog: FormCatalog) -> None:
    english = Translator("en")
    for spec in WORKFLOWS:
        forms = [catalog.command(spec.kind, name) for name in catalog.names(spec.kind)]
        forms.append(catalog.opening(spec.kind))
        for form in forms:
            assert form is not None
            for f in _fields(form.fields):
                assert english.lookup(f"field.{f.name}") is not None, f"{spec.kind} {form.name}: {f.path}"
                assert Translator("zh").field(f.path) != f.name.replace("_", " "), f.path
                for option in f.options:
                    _named(f"option.{option}")


def test_catalogue_placeholders_agree_between_the_languages() -> None:
    placeholder = __import__("re").compile(r"\{(\w+)\}")
    for key, (zh, en) in M.items():
        assert set(placeholder.findall(zh)) == set(placeholder.findall(en)), key


def test_lookups_fall_back_to_something_readable() -> None:
    t = Translator("zh")
    assert t("no.such.key") == "no.such.key"
    assert t.status("transfer", "archive_requested") == "已受理，待调档"
    assert t.status("transfer", None) == "—"
    assert t.field("casualties.0.medical_notes") == "医疗记录"
    assert t.field("mortgagee.name") == "抵押权人名称"
    assert t.field("owner.name") == "姓名"
    assert t.deadline("assistance_ack:500000") == "签收协查 · 重庆市"
    assert t.action("some_new_action") == "some new action"
    assert t("inbox.count", count=3, overdue=1) == "共 3 项，其中超期 1 项"
    assert Translator("en")("inbox.count", count=3, overdue=1) == "3 items, 1 overdue"
    assert Translator("fr").lang == "zh"


def test_problems_in_chinese_by_code_and_in_english_as_the_api_says() -> None:
    assert Translator("zh").problem("plate.invalid", "not a plate: 'X'") == "号牌号码格式不正确。"
    assert Translator("zh").problem("unknown.code", "what the API said") == "what the API said"
    assert Translator("en").problem("plate.invalid", "not a plate: 'X'") == "not a plate: 'X'"


@pytest.mark.parametrize(
    ("query", "cookie", "lang"),
    [
        ("", None, "zh"),
        ("", "en", "en"),
        ("lang=en", None, "en"),
        ("lang=zh", "en", "zh"),
        ("lang=fr", None, "zh"),
    ],
)
def test_the_language_is_asked_for_or_remembered(query: str, cookie: str | None, lang: str) -> None:
    headers = [(b"cookie", f"{LANG_COOKIE}={cookie}".encode())] if cookie else []
    request = Request(
        {"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": query.encode()}
    )
    assert pick_lang(request) == lang
