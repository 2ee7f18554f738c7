"""`READMODEL_URL_<code>` and `READMODEL_URLS`: which province's read model lives in which database.
A code that names no province refuses to start, and the error never quotes a URL (it may hold a
password). Also the dead-letter keys that name a letter in a province's own database."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from xborder.infra.settings import Settings
from xborder.projections.dead_letters import letter_key, parse_letter_key


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("READMODEL_URL"):
            monkeypatch.delenv(name)


def test_unset_every_province_uses_the_shared_database() -> None:
    assert Settings().readmodel_urls == {}


def test_one_variable_per_province(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READMODEL_URL_510000", "postgresql://chuan@db-chuan/readmodel")
    monkeypatch.setenv("READMODEL_URL_500000", "postgresql://yu@db-yu/readmodel")
    monkeypatch.setenv("READMODEL_URL_310000", "")  # empty: as if unset
    assert Settings().readmodel_urls == {
        "510000": "postgresql://chuan@db-chuan/readmodel",
        "500000": "postgresql://yu@db-yu/readmodel",
    }


def test_one_mapping_merged_with_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READMODEL_URLS", '{"510000": "postgresql://a/x", "500000": "postgresql://b/y"}')
    monkeypatch.setenv("READMODEL_URL_510000", "postgresql://c/z")
    assert Settings().readmodel_urls == {"510000": "postgresql://c/z", "500000": "postgresql://b/y"}


def test_arguments_set_it_too() -> None:
    assert Settings(readmodel_urls={"310000": "postgresql://h/u"}).readmodel_urls == {
        "310000": "postgresql://h/u"
    }


@pytest.mark.parametrize("code", ["510100", "51000", "999999", "abc"])
def test_an_unknown_province_refuses_to_start(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    monkeypatch.setenv(f"READMODEL_URL_{code}", "postgresql://user:s3cret@db/readmodel")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert f"READMODEL_URL_{code}: not a province code" in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_dead_letter_keys_name_their_database() -> None:
    assert letter_key(None, 7) == "7"
    assert letter_key("510000", 7) == "510000:7"
    assert parse_letter_key("7") == (None, 7)
    assert parse_letter_key(7) == (None, 7)
    assert parse_letter_key("510000:12") == ("510000", 12)
    for bad in ("", "x", "510000:", ":7", "51:7", "510000:7:8", "-1"):
        with pytest.raises(ValueError, match="not a dead-letter id"):
            parse_letter_key(bad)
