"""The read model's one search over a document's JSON must see every character a stored document may
not hold: the batch path relies on it instead of walking every envelope (`_storable_json`)."""

from __future__ import annotations

import enum
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from xborder.domain.text import FORBIDDEN_CHARACTERS
from xborder.projections.doc_json import doc_json
from xborder.projections.store import suspect_json

_texts = st.text(st.characters(exclude_categories=()), max_size=30)
_documents: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | _texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_texts, children, max_size=4),
    max_leaves=12,
)


def _holds_forbidden(value: Any) -> bool:
    if isinstance(value, str):
        return FORBIDDEN_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_forbidden(k) or _holds_forbidden(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_forbidden(v) for v in value)
    return False


@given(_documents)
def test_every_document_holding_a_forbidden_character_is_suspected(doc: Any) -> None:
    if _holds_forbidden(doc):
        assert suspect_json(json.dumps(doc, ensure_ascii=False))
        assert suspect_json(doc_json(doc))


@given(_documents)
def test_the_stored_text_is_the_document_and_escapes_as_the_standard_library_does(doc: Any) -> None:
    text = doc_json(doc)
    assert json.loads(text) == json.loads(json.dumps(doc))
    # The same text but for the spaces after separators: what the scans of the text rely on.
    assert text == json.dumps(doc, ensure_ascii=False, separators=(",", ":")) or text == json.dumps(
        doc, ensure_ascii=False
    )


@given(
    _texts,
    st.sampled_from(["\x00", "\r", "\x1b", "\x7f", "\x85", "\ud800", "\u202e", "\ufdd0", "\U0001fffe"]),
)
def test_each_kind_of_forbidden_character_is_suspected_anywhere_in_a_string_or_key(
    text: str, bad: str
) -> None:
    at = len(text) // 2
    spoiled = text[:at] + bad + text[at:]
    assert suspect_json(json.dumps({"data": {"note": spoiled}}, ensure_ascii=False))
    assert suspect_json(json.dumps({spoiled: 1}, ensure_ascii=False))


def test_ordinary_chinese_text_tabs_and_newlines_are_not_suspected() -> None:
    doc = {"owner": "张三", "note": '第一行\n\t第二行，"引号"', "plate": "川A12345", "deadlines": {}}
    assert not suspect_json(json.dumps(doc, ensure_ascii=False))


def test_a_backslash_written_as_text_is_not_taken_for_an_escape() -> None:
    assert not suspect_json(json.dumps({"path": "C:\\new\\table\\\\nested"}, ensure_ascii=False))
    assert suspect_json(json.dumps({"path": "C:\\\r"}, ensure_ascii=False))  # a backslash, then CR


def test_ordinary_documents_take_the_fast_path_with_text_enums_as_their_values() -> None:
    """Written by orjson (no spaces after separators), a status given as a text enum included: a
    document sent to the standard library's encoder every time would lose what doc_json is for."""

    class Status(enum.StrEnum):
        APPLIED = "applied"

    doc = {"status": Status.APPLIED, "owner": "张三", "history": [{"version": 1}], "plate": None}
    assert doc_json(doc) == '{"status":"applied","owner":"张三","history":[{"version":1}],"plate":null}'
