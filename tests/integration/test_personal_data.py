"""Personal data end to end through the service: sealed in the read models, shown in clear only to the
roles that may see it (each such answer audited), found by keyed hash, and erased by destroying the
subject's key — refused with the reason while a legal hold stands."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from tests.integration.conftest import MakeService
from tests.support.postgres import fresh_database
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, Service
from xborder import cli
from xborder.projections.rebuild import rebuild_province
from xborder.projections.schema import schema_name

OWNER = TRANSFER_BODY["owner"]
ERASED_OWNER = {"name": None, "id_number": None, "phone": None}
OWNER_FIELDS = ["owner.id_number", "owner.name", "owner.phone"]


def _registered_transfer(service: Service) -> str:
    owner = service.auth("alice", YU, "owner")
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    case_id: str = service.client.post("/v1/transfers", json=TRANSFER_BODY, headers=owner).json()["id"]
    steps = [
        (chuan, "archive-release", {"archive_ref": "ARC-510-2026-0001"}),
        (yu, "archive-verification", {"accepted": True, "reason": ""}),
        (yu, "inspection", {"passed": True, "reasons": [], "evidence": ["VIN-1"]}),
        (yu, "registration", {"new_plate": "渝A88888"}),
    ]
    for headers, action, body in steps:
        response = service.client.post(f"/v1/transfers/{case_id}/{action}", json=body, headers=headers)
        assert response.status_code == 200, response.text
    service.wait_for_version(CHUAN, case_id, 6)
    service.wait_for_version(YU, case_id, 6)
    return case_id


def _audit_rows(service: Service, province: str) -> list[dict[str, Any]]:
    response = service.client.get("/v1/audit?limit=500", headers=service.auth("auditor", province, "auditor"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return sorted(items, key=lambda item: item["seq"])


def _erase(service: Service, body: dict[str, Any]) -> Any:
    return service.client.post(
        "/v1/privacy/erasures", json=body, headers=service.auth("dpo", YU, "privacy_officer")
    )


def test_read_models_hold_sealed_values_and_the_roles_that_may_see_them_see_them(
    make_service: MakeService,
) -> None:
    service = make_service()
    case_id = service.apply_for_transfer("川A12345")["id"]
    stored = service.wait_for_version(CHUAN, case_id, 2)
    assert str(stored["owner"]["id_number"]).startswith("xb:sealed:1:aes256gcm:p-")
    assert OWNER["id_number"] not in str(stored)

    admin = service.client.get(f"/v1/transfers/{case_id}", headers=service.auth("c", CHUAN, "vehicle_admin"))
    assert admin.json()["owner"] == OWNER
    police = service.client.get(
        f"/v1/transfers/{case_id}", headers=service.auth("p", CHUAN, "traffic_police")
    )
    assert police.json()["owner"] == {
        "name": "张*",
        "id_number": "1101**********002X",
        "phone": "138****5678",
    }


def test_reads_produce_exactly_the_expected_audit_rows(make_service: MakeService) -> None:
    service = make_service()
    case_id = service.apply_for_transfer("川A12345")["id"]
    service.wait_for_version(CHUAN, case_id, 2)
    service.wait_for_version(YU, case_id, 2)
    path = f"/v1/transfers/{case_id}"

    assert (
        service.client.get(path, headers=service.auth("chuan-admin", CHUAN, "vehicle_admin")).status_code
        == 200
    )
    assert (
        service.client.get(path, headers=service.auth("police", CHUAN, "traffic_police")).status_code == 200
    )
    assert service.client.get(path, headers=service.auth("alice", YU, "owner")).status_code == 200
    listing = service.client.get("/v1/transfers", headers=service.auth("yu-admin", YU, "vehicle_admin"))
    assert listing.status_code == 200 and len(listing.json()["items"]) == 1
    assert service.client.get(path, headers=service.auth("hu", HU, "vehicle_admin")).status_code == 404

    def summary(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [
            (r["sub"], r["role"], r["province"], r["case_id"], r["fields"], r["path"], r["action"])
            for r in rows
        ]

    # 四川's vehicle administration saw the owner in clear; its police saw them masked: no row.
    assert summary(_audit_rows(service, CHUAN)) == [
        ("chuan-admin", "vehicle_admin", CHUAN, case_id, OWNER_FIELDS, path, "read"),
    ]
    # 重庆: the owner read their own case, then its vehicle administration listed the province's cases.
    assert summary(_audit_rows(service, YU)) == [
        ("alice", "owner", YU, case_id, OWNER_FIELDS, path, "read"),
        ("yu-admin", "vehicle_admin", YU, case_id, OWNER_FIELDS, "/v1/transfers", "read"),
    ]
    assert _audit_rows(service, HU) == []
    assert service.container.audit.verify().intact


def test_cases_are_found_by_a_keyed_hash_of_an_id_number_or_phone(make_service: MakeService) -> None:
    service = make_service()
    case_id = service.apply_for_transfer("川A12345")["id"]
    service.wait_for_version(CHUAN, case_id, 2)
    officer = service.auth("c", CHUAN, "vehicle_admin")
    for path, query in (
        ("/v1/people/cases", {"id_number": OWNER["id_number"]}),
        ("/v1/people/cases/by-phone", {"phone": OWNER["phone"]}),
    ):
        found = service.client.post(path, json=query, headers=officer)
        assert found.status_code == 200, found.text
        assert [item["id"] for item in found.json()["items"]] == [case_id]
    other = service.client.post("/v1/people/cases", json={"id_number": "110105198001010016"}, headers=officer)
    assert other.json()["items"] == []
    # the read model's index holds hashes only
    with service.container.db.read() as conn:
        query = sql.SQL("SELECT lookups FROM {}.cases").format(sql.Identifier(schema_name(CHUAN)))
        (lookups,) = [row["lookups"] for row in conn.execute(query)]
    assert len(lookups) == 2 and all(lookup[:2] in ("p-", "t-") for lookup in lookups)
    assert OWNER["phone"] not in str(lookups)
    # the owner cannot search people
    owner = service.client.post(
        "/v1/people/cases", json={"id_number": OWNER["id_number"]}, headers=service.auth("alice", YU, "owner")
    )
    assert owner.status_code == 403
    both = service.client.post(
        "/v1/people/cases", json={"id_number": OWNER["id_number"], "phone": OWNER["phone"]}, headers=officer
    )
    assert both.status_code == 422


def test_an_erasure_is_refused_while_the_case_is_open_then_erases_everywhere(
    make_service: MakeService,
) -> None:
    service = make_service()
    case_id = service.apply_for_transfer("川A12345")["id"]
    service.wait_for_version(YU, case_id, 2)
    request = {"id_number": OWNER["id_number"], "reason": "the owner withdrew consent (PIPL Art. 47)"}

    refused = _erase(service, request)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "privacy.legal_hold"
    assert refused.json()["reasons"] == [
        f"transfer case {case_id} is still open (archive_requested): its offices need the data"
    ]
    admin = service.auth("c", CHUAN, "vehicle_admin")
    assert service.client.get(f"/v1/transfers/{case_id}", headers=admin).json()["owner"] == OWNER

    service.client.post(
        f"/v1/transfers/{case_id}/withdrawal",
        json={"reason": "moving later"},
        headers=service.auth("alice", YU, "owner"),
    ).raise_for_status()
    withdrawn = service.wait_for_version(CHUAN, case_id, 3)
    events_before = service.event_count()

    erased = _erase(service, request)
    assert erased.status_code == 200, erased.text
    assert erased.json()["outcome"] == "erased" and erased.json()["keys_destroyed"] == 1

    for province, role in ((CHUAN, "vehicle_admin"), (YU, "vehicle_admin"), (YU, "owner")):
        view = service.client.get(
            f"/v1/transfers/{case_id}", headers=service.auth("alice", province, role)
        ).json()
        assert view["owner"] == ERASED_OWNER, (province, role)
        assert view["erased_fields"] == OWNER_FIELDS
        assert view["status"] == "withdrawn" and len(view["history"]) == 3  # the history is whole
    assert service.event_count() == events_before  # no event removed or rewritten

    # a rebuild from the event store shows the same
    rebuild_province(service.container.readmodels, service.container.log_sources(), CHUAN)
    assert service.doc(CHUAN, case_id) == withdrawn
    view = service.client.get(f"/v1/transfers/{case_id}", headers=admin).json()
    assert view["owner"] == ERASED_OWNER

    # the erasure is recorded (by the subject's hash) and audited
    with service.container.db.read() as conn:
        rows = conn.execute(
            "SELECT subject, outcome, ground, actor FROM xborder_erasures ORDER BY id"
        ).fetchall()
    assert [(r["outcome"], r["ground"]) for r in rows] == [
        ("refused", request["reason"]),
        ("erased", request["reason"]),
    ]
    assert OWNER["id_number"] not in str(rows)
    actions = [row["action"] for row in _audit_rows(service, YU)]
    assert actions.count("erase_refused") == 1 and actions.count("erase") == 1


def test_a_registered_transfer_erases_and_a_new_case_gets_a_new_key(make_service: MakeService) -> None:
    service = make_service()
    case_id = _registered_transfer(service)
    assert _erase(service, {"id_number": OWNER["id_number"], "reason": "purpose achieved"}).status_code == 200
    admin = service.auth("c", CHUAN, "vehicle_admin")
    assert service.client.get(f"/v1/transfers/{case_id}", headers=admin).json()["owner"] == ERASED_OWNER

    # the same person applying again is a new processing: a new key, readable
    again = service.apply_for_transfer("川B12345")["id"]
    service.wait_for_version(YU, again, 2)
    yu = service.auth("y", YU, "vehicle_admin")
    assert service.client.get(f"/v1/transfers/{again}", headers=yu).json()["owner"] == OWNER
    assert service.client.get(f"/v1/transfers/{case_id}", headers=yu).json()["owner"] == ERASED_OWNER


def test_only_the_privacy_officer_erases_and_a_bad_request_names_the_field(make_service: MakeService) -> None:
    service = make_service()
    body = {"id_number": OWNER["id_number"], "reason": "x"}
    officer = service.client.post(
        "/v1/privacy/erasures", json=body, headers=service.auth("c", CHUAN, "vehicle_admin")
    )
    assert officer.status_code == 403
    bad = _erase(service, {"id_number": "110105194912310021", "reason": "x"})
    assert bad.status_code == 422 and "id_number" in bad.text
    neither = _erase(service, {"reason": "x"})
    assert neither.status_code == 422 and neither.json()["field"] == "id_number"
    with service.container.db.read() as conn:
        assert conn.execute("SELECT count(*) AS n FROM xborder_erasures").fetchone()["n"] == 0  # type: ignore[index]


def test_a_rotated_master_key_still_opens_every_subject(make_service: MakeService, database_url: str) -> None:
    import base64
    import os

    old, new = base64.b64encode(os.urandom(32)).decode(), base64.b64encode(os.urandom(32)).decode()
    service = make_service(privacy_master_keys=f"k1:{old}", privacy_master_key_id="k1")
    case_id = service.apply_for_transfer("川A12345")["id"]
    service.wait_for_version(CHUAN, case_id, 2)
    service.container.close()

    rotated = make_service(
        privacy_master_keys=f"k1:{old},k2:{new}", privacy_master_key_id="k2", workers=False
    )
    assert rotated.container.privacy.keys.rewrap() == 1
    rotated.container.close()

    only_new = make_service(privacy_master_keys=f"k2:{new}", privacy_master_key_id="k2", workers=False)
    doc = only_new.doc(CHUAN, case_id)
    assert doc is not None
    assert only_new.container.privacy.opener.open(doc).doc["owner"] == OWNER
    assert UUID(case_id)


def test_the_erase_command_says_why_it_refuses_and_then_erases(
    make_service: MakeService,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = make_service()
    case_id = service.apply_for_transfer("川A12345")["id"]
    service.wait_for_version(CHUAN, case_id, 2)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PROVINCES", CHUAN)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JWT_SECRET", "integration-test-secret-of-at-least-32-bytes")
    erase = ["privacy", "erase", "--subject", OWNER["id_number"], "--reason", "consent withdrawn"]

    assert cli.main(erase) == 1
    out = capsys.readouterr().out
    assert (
        out.startswith("refused: the data of subject p-") and f"transfer case {case_id} is still open" in out
    )
    assert OWNER["id_number"] not in out

    assert cli.main(["privacy", "erase", "--subject", "110105194912310021", "--reason", "x"]) == 2
    assert "ID number" in capsys.readouterr().err

    service.client.post(
        f"/v1/transfers/{case_id}/withdrawal",
        json={"reason": "later"},
        headers=service.auth("alice", YU, "owner"),
    ).raise_for_status()
    service.wait_for_version(CHUAN, case_id, 3)
    assert cli.main(erase) == 0
    assert "1 key(s) destroyed" in capsys.readouterr().out
    view = service.client.get(f"/v1/transfers/{case_id}", headers=service.auth("c", CHUAN, "vehicle_admin"))
    assert view.json()["owner"] == ERASED_OWNER


def test_the_keys_may_live_in_a_database_of_their_own(make_service: MakeService, pg_admin_url: str) -> None:
    with fresh_database(pg_admin_url, prefix="xbkeys") as keys_url:
        service = make_service(privacy_database_url=keys_url)
        case_id = service.apply_for_transfer("川A12345")["id"]
        service.wait_for_version(CHUAN, case_id, 2)
        admin = service.auth("c", CHUAN, "vehicle_admin")
        assert service.client.get(f"/v1/transfers/{case_id}", headers=admin).json()["owner"] == OWNER
        with psycopg.connect(keys_url) as conn:
            assert conn.execute("SELECT count(*) FROM xborder_subject_keys").fetchone() == (1,)
        with service.container.db.read() as conn:
            shared = conn.execute("SELECT to_regclass('xborder_subject_keys') AS t").fetchone()
        assert shared is not None and shared["t"] is None  # nothing of the keys beside the events
        service.container.close()


def test_values_stored_in_clear_are_audited_all_the_same(make_service: MakeService) -> None:
    """Events recorded before sealing (here: sealing off) are shown, and audited, by the same rule."""
    service = make_service(privacy_seal_events=False)
    case_id = service.apply_for_transfer("川A12345")["id"]
    assert service.wait_for_version(CHUAN, case_id, 2)["owner"] == OWNER  # stored in clear
    admin = service.auth("c", CHUAN, "vehicle_admin")
    assert service.client.get(f"/v1/transfers/{case_id}", headers=admin).json()["owner"] == OWNER
    assert [row["fields"] for row in _audit_rows(service, CHUAN)] == [OWNER_FIELDS]
