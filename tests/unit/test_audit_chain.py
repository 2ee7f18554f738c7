"""The audit log's rules without a database: the canonical text of an entry and the hash chain over it
(`xborder.privacy.audit`). PostgreSQL computes the same hash when it appends a row
(tests/integration/test_audit_log.py checks that the two agree)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from xborder.privacy.audit import (
    GENESIS_HASH,
    HASH_MISMATCH,
    NATIONAL_CHAIN,
    PREV_MISMATCH,
    AuditEntry,
    canonical_json,
    chain_hash,
    chain_of,
    verify_rows,
)

CASE = UUID("0b6f6c1e-3c1f-4d7e-9a55-2f1a4c0e9d11")
CST = timezone(timedelta(hours=8))


def entry(**overrides: object) -> AuditEntry:
    values: dict[str, object] = {
        "sub": "chuan-clerk",
        "role": "vehicle_admin",
        "org": None,
        "province": "510000",
        "case_id": CASE,
        "fields": ("owner.id_number", "owner.name"),
        "path": f"/v1/transfers/{CASE}",
        "at": datetime(2026, 11, 20, 15, 0, tzinfo=CST),
    }
    values.update(overrides)
    return AuditEntry(**values)  # type: ignore[arg-type]


def test_the_canonical_text_has_sorted_keys_no_spaces_and_utc_microseconds() -> None:
    text = canonical_json(entry(org="平安产险"))
    assert text == (
        '{"action":"read","at":"2026-11-20T07:00:00.000000+00:00",'
        f'"case_id":"{CASE}","fields":["owner.id_number","owner.name"],"org":"平安产险",'
        f'"path":"/v1/transfers/{CASE}","province":"510000","role":"vehicle_admin","sub":"chuan-clerk"}}'
    )
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_the_same_instant_in_any_zone_is_the_same_text() -> None:
    utc = entry(at=datetime(2026, 11, 20, 7, 0, tzinfo=UTC))
    assert canonical_json(utc) == canonical_json(entry())


def test_times_compare_as_text_because_their_width_is_fixed() -> None:
    whole = json.loads(canonical_json(entry(at=datetime(2026, 11, 20, 7, 0, 1, tzinfo=UTC))))["at"]
    earlier = json.loads(canonical_json(entry(at=datetime(2026, 11, 20, 7, 0, 0, 999_999, tzinfo=UTC))))["at"]
    assert earlier < whole and len(earlier) == len(whole)


def test_an_entry_without_a_time_or_with_a_naive_one_is_not_written() -> None:
    with pytest.raises(ValueError, match="stamped"):
        canonical_json(entry(at=None))
    with pytest.raises(ValueError, match="timezone"):
        entry(at=datetime(2026, 11, 20, 7, 0))


def test_what_postgresql_cannot_store_is_replaced_not_dropped() -> None:
    text = canonical_json(entry(path="/v1/x\x00y\ud800"))
    assert json.loads(text)["path"] == "/v1/x\ufffdy?"
    text.encode("utf-8")  # encodable


def test_fields_are_kept_as_a_tuple_in_their_order_and_a_bad_province_is_refused() -> None:
    assert entry(fields=["b", "a"]).fields == ("b", "a")
    with pytest.raises(ValueError, match="6-digit"):
        entry(province="51")


def test_the_chain_is_the_callers_province_or_national() -> None:
    assert chain_of("510000") == "510000"
    assert chain_of(None) == NATIONAL_CHAIN


def test_a_rows_hash_is_sha256_of_the_previous_hash_then_the_entrys_utf8() -> None:
    text = canonical_json(entry(org="平安产险"))
    assert GENESIS_HASH == b"\x00" * 32
    first = chain_hash(GENESIS_HASH, text)
    assert first == hashlib.sha256(b"\x00" * 32 + text.encode("utf-8")).digest()
    assert chain_hash(first, text) != first, "the same entry again hashes differently down the chain"


def _chain(texts: list[str], chain: str = "510000", start: int = 1) -> list[dict[str, object]]:
    rows, previous = [], GENESIS_HASH
    for seq, text in enumerate(texts, start=start):
        digest = chain_hash(previous, text)
        rows.append({"chain": chain, "seq": seq, "entry": text, "prev_hash": previous, "hash": digest})
        previous = digest
    return rows


def test_verifying_rows_names_the_first_broken_one_and_why() -> None:
    texts = [canonical_json(entry(sub=f"u{i}")) for i in range(5)]
    (intact,) = verify_rows(_chain(texts))
    assert (intact.rows, intact.head_seq, intact.broken) == (5, 5, None)

    edited = _chain(texts)
    edited[2] = {**edited[2], "entry": texts[2].replace("u2", "u9")}
    (report,) = verify_rows(edited)
    assert report.broken is not None and (report.broken.seq, report.broken.why) == (3, HASH_MISMATCH)

    deleted = _chain(texts)
    del deleted[2]
    (report,) = verify_rows(deleted)
    assert report.rows == 4
    assert report.broken is not None
    assert (report.broken.seq, report.broken.why, report.broken.previous_seq) == (4, PREV_MISMATCH, 2)

    first_gone = _chain(texts)[1:]
    (report,) = verify_rows(first_gone)
    assert report.broken is not None and (report.broken.seq, report.broken.why) == (2, PREV_MISMATCH)


def test_each_chain_is_verified_on_its_own() -> None:
    texts = [canonical_json(entry(sub=f"u{i}")) for i in range(3)]
    reports = list(verify_rows(_chain(texts, "500000") + _chain(texts, "510000", start=10)))
    assert [(r.chain, r.rows, r.intact) for r in reports] == [("500000", 3, True), ("510000", 3, True)]
