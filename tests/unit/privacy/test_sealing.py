"""Sealing personal values (no I/O: the key store in memory): the ciphers, the sealed form, what is
personal in an event, opening with the keys that exist, erasure by key destruction, and the event
store's mapper sealing on the way in."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from tests.support.builders import application_for
from tests.unit.domain import transfer_builders as tb
from xborder.domain.actors import Actor, Role
from xborder.privacy.cipher import CIPHERS, cipher_named
from xborder.privacy.configured import parse_master_keys
from xborder.privacy.keys import MasterKeys, MemoryKeyStore
from xborder.privacy.sealed import PREFIX, SealedValue, associated_data, is_sealed, parse_sealed
from xborder.privacy.sealing import Opener, Sealer, lookups_in, lookups_in_json, personal_paths
from xborder.privacy.subjects import BlindIndex
from xborder.projections.doc_json import doc_json
from xborder.workflows.transfer.application import VehicleTransfers

BLIND = BlindIndex(b"k" * 32)
CASE = UUID("6f1c2f4e-5d8a-4b7e-9a51-3c0f7d2e8b10")
OWNER = {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}


def sealer(keys: MemoryKeyStore, cipher: str = "aes256gcm") -> Sealer:
    return Sealer(keys, BLIND, cipher_named(cipher))


@pytest.mark.parametrize("name", sorted(CIPHERS))
def test_each_cipher_opens_what_it_sealed_and_nothing_else(name: str) -> None:
    cipher = cipher_named(name)
    key = os.urandom(cipher.key_bytes)
    blob = cipher.seal(key, "左股骨骨折".encode(), b"aad")
    assert cipher.open(key, blob, b"aad").decode() == "左股骨骨折"
    with pytest.raises(InvalidTag):
        cipher.open(key, blob, b"other field")  # moved to another subject or field
    with pytest.raises(InvalidTag):
        cipher.open(os.urandom(cipher.key_bytes), blob, b"aad")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(InvalidTag):
        cipher.open(key, tampered, b"aad")


def test_an_unknown_cipher_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown cipher 'des'"):
        cipher_named("des")


@given(
    subject=st.from_regex(r"[pc]-[0-9a-f]{32}", fullmatch=True),
    generation=st.integers(1, 10_000),
    blob=st.binary(min_size=1, max_size=200),
    lookup=st.none() | st.from_regex(r"t-[0-9a-f]{32}", fullmatch=True),
)
def test_the_sealed_form_reads_back(subject: str, generation: int, blob: bytes, lookup: str | None) -> None:
    value = SealedValue("sm4gcm", subject, generation, blob, lookup)
    text = str(value)
    assert text.startswith(PREFIX) and is_sealed(text)
    assert parse_sealed(text) == value


@pytest.mark.parametrize("text", ["张三", "xb:sealed:1:aes:p-1:x:abc", "xb:sealed:1:only:three", ""])
def test_other_text_is_not_a_sealed_value(text: str) -> None:
    assert parse_sealed(text) is None


def test_a_person_and_a_casualty_are_sealed_for_their_subjects_and_nothing_else_changes() -> None:
    keys = MemoryKeyStore()
    state = {
        "owner": dict(OWNER),
        "plate": "川A12345",
        "casualties": [{"ref": "P1", "severity": "serious", "medical_notes": "左股骨骨折"}],
        "at": datetime(2026, 11, 20),
    }
    sealed = sealer(keys).seal_state(state, aggregate_type="VehicleTransfer", case_id=CASE)
    assert state["owner"] == OWNER  # the event itself is not changed
    assert sealed["plate"] == "川A12345" and sealed["at"] == state["at"]
    assert sealed["casualties"][0]["severity"] == "serious"
    person = BLIND.person(OWNER["id_number"])
    for field in ("name", "id_number", "phone"):
        value = parse_sealed(sealed["owner"][field])
        assert value is not None and value.subject == person
    notes = parse_sealed(sealed["casualties"][0]["medical_notes"])
    assert notes is not None and notes.subject == BLIND.casualty(CASE, "P1")
    assert all(value not in str(sealed) for value in (*OWNER.values(), "左股骨骨折"))
    assert keys.cases[person] == {("VehicleTransfer", CASE)}
    # sealing twice changes nothing more
    assert sealer(keys).seal_state(sealed, aggregate_type="VehicleTransfer", case_id=CASE) == sealed


def test_the_opener_shows_the_values_and_after_erasure_says_which_are_erased() -> None:
    keys = MemoryKeyStore()
    state = {"owner": dict(OWNER), "casualties": [{"ref": "P1", "medical_notes": "左股骨骨折"}]}
    sealed = sealer(keys).seal_state(state, aggregate_type="JointRescue", case_id=CASE)
    opened = Opener(keys).open(sealed)
    assert opened.doc == state
    assert sorted(opened.shown) == [
        "casualties.0.medical_notes",
        "owner.id_number",
        "owner.name",
        "owner.phone",
    ]
    assert opened.erased == []

    assert keys.destroy(BLIND.person(OWNER["id_number"])) == 1
    after = Opener(keys).open(sealed)
    assert after.doc["owner"] == {"name": None, "id_number": None, "phone": None}
    assert after.doc["casualties"][0]["medical_notes"] == "左股骨骨折"  # another subject
    assert sorted(after.erased) == ["owner.id_number", "owner.name", "owner.phone"]


def test_a_subject_named_again_after_erasure_gets_a_new_key() -> None:
    keys = MemoryKeyStore()
    first = sealer(keys).seal_state({"owner": dict(OWNER)}, aggregate_type="VehicleTransfer", case_id=CASE)
    keys.destroy(BLIND.person(OWNER["id_number"]))
    second = sealer(keys).seal_state(
        {"owner": dict(OWNER)}, aggregate_type="VehicleTransfer", case_id=uuid4()
    )
    old, new = parse_sealed(first["owner"]["name"]), parse_sealed(second["owner"]["name"])
    assert old is not None and new is not None and (old.generation, new.generation) == (1, 2)
    assert Opener(keys).open(second).doc["owner"] == OWNER
    assert Opener(keys).open(first).doc["owner"]["name"] is None


def test_sm4_is_chosen_by_setting_and_opens_as_well() -> None:
    keys = MemoryKeyStore()
    sealed = sealer(keys, "sm4gcm").seal_state({"owner": dict(OWNER)}, aggregate_type="T", case_id=CASE)
    assert sealed["owner"]["name"].startswith(PREFIX + "sm4gcm:")
    assert Opener(keys).open(sealed).doc["owner"] == OWNER


def test_a_value_moved_to_another_field_does_not_open() -> None:
    keys = MemoryKeyStore()
    sealed = sealer(keys).seal_state({"owner": dict(OWNER)}, aggregate_type="T", case_id=CASE)
    swapped = {"owner": {**sealed["owner"], "name": sealed["owner"]["id_number"]}}
    opened = Opener(keys).open(swapped)
    assert opened.doc["owner"]["name"] is None and "owner.name" in opened.erased


def test_the_read_models_blind_index_holds_hashes_of_the_subject_and_phone() -> None:
    keys = MemoryKeyStore()
    sealed = sealer(keys).seal_state({"owner": dict(OWNER)}, aggregate_type="T", case_id=CASE)
    assert lookups_in(sealed) == sorted([BLIND.person(OWNER["id_number"]), BLIND.phone(OWNER["phone"])])
    assert BLIND.person("11010519491231002x") == BLIND.person("11010519491231002X")
    assert BLIND.phone("138-1234-5678") == BLIND.phone("13812345678")
    assert BlindIndex(b"j" * 32).person(OWNER["id_number"]) != BLIND.person(OWNER["id_number"])


def test_the_associated_data_binds_subject_generation_and_field() -> None:
    assert associated_data("p-1", 2, "name") != associated_data("p-1", 2, "phone")
    assert associated_data("p-1", 2, "name") != associated_data("p-1", 3, "name")


def test_master_keys_wrap_and_a_rotated_key_unwraps_older_rows() -> None:
    old, new = os.urandom(32), os.urandom(32)
    key = os.urandom(32)
    key_id, wrapped = MasterKeys({"k1": old}, "k1").wrap(key)
    rotated = MasterKeys({"k1": old, "k2": new}, "k2")
    assert key_id == "k1" and rotated.unwrap(key_id, wrapped) == key
    assert rotated.wrap(key)[0] == "k2"
    with pytest.raises(LookupError, match="'k1' is not configured"):
        MasterKeys({"k2": new}, "k2").unwrap("k1", wrapped)
    with pytest.raises(ValueError, match="32 bytes"):
        MasterKeys({"k1": b"short"}, "k1")


def test_unwrapped_keys_are_remembered_by_what_was_unwrapped_and_only_so_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cryptography.hazmat.primitives.keywrap import InvalidUnwrap

    from xborder.privacy import keys as key_module

    monkeypatch.setattr(key_module, "UNWRAPPED_KEPT", 2)
    master = MasterKeys({"k1": os.urandom(32)}, "k1")
    plain = [os.urandom(32) for _ in range(3)]
    wrapped = [master.wrap(key)[1] for key in plain]
    unwraps: list[bytes] = []
    real = key_module.aes_key_unwrap

    def counted(wrapping_key: bytes, data: bytes) -> bytes:
        unwraps.append(data)
        return real(wrapping_key, data)

    monkeypatch.setattr(key_module, "aes_key_unwrap", counted)
    assert [master.unwrap("k1", w) for w in (wrapped[0], wrapped[0], wrapped[1])] == [
        plain[0],
        plain[0],
        plain[1],
    ]
    assert unwraps == [wrapped[0], wrapped[1]]  # the second read of the first key was remembered
    assert master.unwrap("k1", wrapped[2]) == plain[2]  # a third key: the least recently used goes
    assert master.unwrap("k1", wrapped[0]) == plain[0]
    assert unwraps == [wrapped[0], wrapped[1], wrapped[2], wrapped[0]]
    # Other bytes are other bytes: a tampered wrapped key is unwrapped, and refused, every time.
    tampered = bytes([wrapped[1][0] ^ 1]) + wrapped[1][1:]
    for _ in range(2):
        with pytest.raises(InvalidUnwrap):
            master.unwrap("k1", tampered)
    with pytest.raises(LookupError, match="'k2' is not configured"):
        master.unwrap("k2", wrapped[0])


def test_master_keys_are_parsed_and_a_bad_one_named_without_its_value() -> None:
    good = base64.b64encode(b"m" * 32).decode()
    assert parse_master_keys(f"k1:{good}, k2:{good}") == {"k1": b"m" * 32, "k2": b"m" * 32}
    short = base64.b64encode(b"m" * 16).decode()
    with pytest.raises(ValueError, match="'k3' is not 32 bytes") as error:
        parse_master_keys(f"k3:{short}")
    assert short not in str(error.value)
    with pytest.raises(ValueError, match="id:base64"):
        parse_master_keys("nocolon")


def _stored_owner(app: VehicleTransfers, case_id: UUID) -> Any:
    (stored, *_) = app.recorder.select_events(case_id)
    return stored.state


def test_an_application_stores_sealed_values_and_its_aggregates_still_decide() -> None:
    keys = MemoryKeyStore()
    app = VehicleTransfers(policy=tb.POLICY, sealer=sealer(keys))
    owner = Actor("alice", "500000", Role.OWNER)
    case = app.apply_for(application_for(1), actor=owner, at=tb.T0)
    state = _stored_owner(app, case.id)
    assert b"xb:sealed:1:" in state
    assert b"11010519491231002X" not in state and "张三".encode() not in state
    # reloaded from the store, the case holds sealed values and still takes commands
    reloaded = app.get(case.id)
    assert reloaded.version == case.version
    app.withdraw(case.id, "moving later", actor=owner, at=tb.T0)
    # without a sealer (tests in memory), values are stored as they are
    plain = VehicleTransfers(policy=tb.POLICY)
    other = plain.apply_for(application_for(2), actor=owner, at=tb.T0)
    assert b"11010519491231002X" in _stored_owner(plain, other.id)


def test_the_personal_paths_of_a_clear_document_follow_the_sealing_rule() -> None:
    doc = {
        "owner": dict(OWNER),
        "mortgagee": {"name": "中国银行", "consent_ref": "C-1"},  # an organisation: no ID number
        "casualties": [{"ref": "P1", "medical_notes": "左股骨骨折"}, {"ref": "P2", "medical_notes": None}],
        "apprehension": {"suspect": {"name": "王五", "id_number": "11010519491231002X"}},
    }
    assert personal_paths(doc) == [
        "owner.name",
        "owner.id_number",
        "owner.phone",
        "casualties.0.medical_notes",
        "casualties.1.medical_notes",
        "apprehension.suspect.name",
        "apprehension.suspect.id_number",
    ]


_plain_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_sealed_text = st.builds(
    lambda subject, generation, blob, lookup: str(SealedValue("aesgcm", subject, generation, blob, lookup)),
    st.text("abcdef0123456789-", min_size=1, max_size=10),
    st.integers(1, 3),
    st.binary(max_size=12),
    st.none() | st.text("abcdef0123456789", min_size=1, max_size=10),
)
# Also strings that only look sealed: quoted, escaped, as keys, malformed.
_strings = _plain_text | _sealed_text | st.builds(lambda s, t: f'{t}"{s}\\', _sealed_text, _plain_text)
_json_documents: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.integers() | _strings,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_strings, children, max_size=4),
    max_leaves=16,
)


@given(st.dictionaries(_strings, _json_documents, max_size=4))  # a case document is an object
def test_the_blind_index_read_from_a_documents_json_is_the_one_read_from_the_document(doc: Any) -> None:
    assert lookups_in_json(json.dumps(doc, ensure_ascii=False)) == lookups_in(doc)
    assert lookups_in_json(doc_json(doc)) == lookups_in(doc)
