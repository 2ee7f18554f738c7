"""The text rule: printable Unicode, tabs and newlines are kept; nothing storage or a reader could be
fooled by gets through (the NUL that once stopped the service, lone surrogates, bidi overrides)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xborder.domain.errors import InvalidValue
from xborder.domain.text import (
    MAX_TEXT_LENGTH,
    UnstorableText,
    _holds_unstorable,
    check_text,
    ensure_storable,
    forbidden_character,
    unstorable_strings,
)

KEPT = [
    "张三",
    "重庆市渝北区",
    "车辆当时停放在成都，有停车记录。",  # full-width punctuation
    "Ｇ７５ 兰海高速（渝川界）",  # full-width letters and digits
    "左股骨骨折\n失血\t约 400ml",  # newline and tab
    "😀 emoji and ZWJ 👩\u200d👩\u200d👧",
    "\ue000 private use (rare name characters)",
    "",
]

REFUSED = {
    "NUL": "3301062026\x00082800123",
    "bell": "a\x07b",
    "carriage return": "a\rb",
    "escape": "\x1b[31mred",
    "delete": "a\x7fb",
    "C1 next line": "a\x85b",
    "lone high surrogate": "a\ud800b",
    "lone low surrogate": "\udfff",
    "right-to-left override": "invoice\u202egnp.exe",
    "isolate": "a\u2066b",
    "noncharacter": "a\ufffeb",
    "plane-16 noncharacter": "a\U0010ffffb",
}


@pytest.mark.parametrize("text", KEPT)
def test_printable_text_is_kept_unchanged(text: str) -> None:
    assert check_text(text) == text
    assert list(unstorable_strings({"a": [text]})) == []


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_control_and_invisible_characters_are_refused_with_their_position(name: str) -> None:
    text = REFUSED[name]
    with pytest.raises(InvalidValue) as refused:
        check_text(text, field="note")
    assert refused.value.code == "text.forbidden_character"
    assert refused.value.field == "note"
    found = forbidden_character(text)
    assert found is not None
    assert f"position {found[0]}" in refused.value.detail


def test_the_message_never_quotes_the_text() -> None:
    with pytest.raises(InvalidValue) as refused:
        check_text("李四 11010519491231002X\x00")
    assert "李四" not in refused.value.detail and "11010519491231002X" not in refused.value.detail


def test_over_long_text_is_refused() -> None:
    check_text("字" * MAX_TEXT_LENGTH)
    with pytest.raises(InvalidValue) as refused:
        check_text("字" * (MAX_TEXT_LENGTH + 1))
    assert refused.value.code == "text.too_long"


def test_storage_check_names_every_path_it_refuses() -> None:
    value = {"owner": {"name": "ok", "phone": "1\x00"}, "casualties": [{"medical_notes": "\ud800"}]}
    assert sorted(unstorable_strings(value)) == ["casualties.0.medical_notes", "owner.phone"]
    with pytest.raises(UnstorableText, match=r"owner\.phone"):
        ensure_storable(value)


@given(st.text())
def test_whatever_is_accepted_can_be_stored_and_read_back(text: str) -> None:
    """PostgreSQL text and jsonb take any UTF-8 without U+0000: what passes the rule always does."""
    try:
        kept = check_text(text)
    except InvalidValue:
        return
    assert "\x00" not in kept
    assert kept.encode("utf-8").decode("utf-8") == kept


@given(st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), max_size=200))
def test_letters_marks_numbers_punctuation_symbols_and_spaces_are_always_kept(text: str) -> None:
    bad = forbidden_character(text)
    # Only the noncharacters (category Cn, not generated here) and nothing printable are refused.
    assert bad is None, bad


_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


@given(_json_like)
def test_the_quick_look_finds_unstorable_text_exactly_when_the_paths_do(value: object) -> None:
    assert _holds_unstorable(value) == bool(list(unstorable_strings(value)))
