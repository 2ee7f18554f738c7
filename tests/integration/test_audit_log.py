"""The audit log of sensitive reads on a real PostgreSQL (`xborder.privacy.audit`): concurrent writers
form valid chains; tampering — possible only with the trigger out of the way, as a superuser — is found
by `verify` and by `xborder audit verify`, naming the row; the service's own connection cannot update,
delete or truncate; `GET /v1/audit` shows a province's auditor its own chain only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, YU
from xborder import cli
from xborder.infra.clock import SettableClock
from xborder.infra.postgres.database import Database
from xborder.infra.postgres.migrations import migrate_core
from xborder.privacy.audit import (
    AUDIT_TABLE,
    HASH_MISMATCH,
    NATIONAL_CHAIN,
    PREV_MISMATCH,
    AuditEntry,
    AuditLog,
    canonical_json,
    chain_hash,
)

START = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, pool_size=10)
    database.open()
    migrate_core(database)
    try:
        yield database
    finally:
        database.close()


def read_of(sub: str, province: str | None, case_id: UUID | None = None, **overrides: object) -> AuditEntry:
    values: dict[str, object] = {
        "sub": sub,
        "role": "vehicle_admin",
        "org": None,
        "province": province,
        "case_id": case_id or uuid4(),
        "fields": ("owner.id_number", "owner.phone"),
        "path": "/v1/transfers/x",
    }
    values.update(overrides)
    return AuditEntry(**values)  # type: ignore[arg-type]


def superuser_sql(url: str, *statements: str) -> None:
    """What only an operator with superuser rights can do: write with the triggers switched off."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        for statement in statements:
            conn.execute(statement)  # the test's own constant SQL


def rows(db: Database, chain: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        return conn.execute(
            f"SELECT seq, entry, prev_hash, hash FROM {AUDIT_TABLE} WHERE chain = %s ORDER BY seq",
            (chain,),
        ).fetchall()


def test_concurrent_writers_form_valid_chains(db: Database) -> None:
    log = AuditLog(db, clock=SettableClock(START))
    threads, per_thread, errors = 8, 25, []

    def write(n: int) -> None:
        try:
            for i in range(per_thread):
                # Two chains in one call, in either order: the locks are taken in one order anyway.
                pair = [read_of(f"t{n}-{i}", CHUAN), read_of(f"t{n}-{i}", YU if n % 2 else None)]
                log.record(pair if i % 2 else pair[::-1])
                if i % 5 == 0:  # several rows of one chain in one call
                    log.record([read_of(f"t{n}-{i}-{k}", "530000") for k in range(3)])
        except Exception as error:
            errors.append(error)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors

    result = log.verify()
    assert result.intact, result.broken
    counts = {report.chain: report.rows for report in result.chains}
    assert counts == {CHUAN: 200, YU: 100, NATIONAL_CHAIN: 100, "530000": 8 * 5 * 3}
    # PostgreSQL's hash is the documented rule, row after row.
    previous = b"\x00" * 32
    for row in rows(db, CHUAN):
        assert bytes(row["prev_hash"]) == previous
        previous = chain_hash(previous, str(row["entry"]))
        assert bytes(row["hash"]) == previous
    assert log.verify(YU).chains[0].rows == 100 and len(log.verify(YU).chains) == 1


def test_entries_are_stamped_by_the_logs_clock_unless_they_carry_a_time(db: Database) -> None:
    log = AuditLog(db, clock=SettableClock(START))
    given = START - timedelta(days=1)
    unstamped, stamped = read_of("a", CHUAN), read_of("b", CHUAN, at=given)
    log.record([unstamped, stamped])
    log.record([])  # nothing to do, nothing sent
    stored = [str(row["entry"]) for row in rows(db, CHUAN)]
    assert stored == [canonical_json(replace(unstamped, at=START)), canonical_json(stamped)]


def test_the_service_cannot_update_delete_or_truncate(db: Database) -> None:
    log = AuditLog(db, clock=SettableClock(START))
    log.record([read_of("a", CHUAN), read_of("b", CHUAN)])
    for statement in (
        f"UPDATE {AUDIT_TABLE} SET entry = '{{}}' WHERE seq = 1",
        f"DELETE FROM {AUDIT_TABLE} WHERE seq = 1",
        f"TRUNCATE {AUDIT_TABLE}",
    ):
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
            db.transaction() as conn,
        ):
            conn.execute(statement)
    assert len(rows(db, CHUAN)) == 2 and log.verify().intact


def test_a_restart_enables_a_trigger_an_operator_disabled(db: Database, database_url: str) -> None:
    superuser_sql(database_url, f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER ALL")
    migrate_core(db)  # what every start does
    AuditLog(db).record([read_of("a", CHUAN)])
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction() as conn:
        conn.execute(f"DELETE FROM {AUDIT_TABLE}")


def _cli(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: object, *args: str) -> int:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PROVINCES", CHUAN)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JWT_SECRET", "integration-test-secret-of-at-least-32-bytes")
    return cli.main(list(args))


def test_an_edited_entry_is_named_by_verify_and_by_the_command(
    db: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    log = AuditLog(db, clock=SettableClock(START))
    for n in range(5):
        log.record([read_of(f"u{n}", CHUAN), read_of(f"u{n}", YU)])
    assert _cli(monkeypatch, database_url, tmp_path, "audit", "verify") == 0
    out = capsys.readouterr().out
    assert f"chain {CHUAN}: 5 rows checked, intact" in out and f"chain {YU}: 5 rows checked, intact" in out

    target = int(rows(db, CHUAN)[2]["seq"])
    superuser_sql(
        database_url,
        f"UPDATE {AUDIT_TABLE} SET entry = replace(entry, 'u2', 'someone-else') WHERE seq = {target}",
    )
    result = log.verify()
    assert not result.intact
    (broken,) = result.broken
    assert (broken.chain, broken.seq, broken.why) == (CHUAN, target, HASH_MISMATCH)
    assert log.verify(YU).intact, "the other chain is untouched"

    assert _cli(monkeypatch, database_url, tmp_path, "audit", "verify") == 1
    out = capsys.readouterr().out
    assert f"BROKEN at seq {target} (chain {CHUAN}): {HASH_MISMATCH}" in out
    assert f"chain {YU}: 5 rows checked, intact" in out
    assert _cli(monkeypatch, database_url, tmp_path, "audit", "verify", "--chain", YU) == 0


def test_a_deleted_row_breaks_the_next_rows_link(db: Database, database_url: str) -> None:
    log = AuditLog(db, clock=SettableClock(START))
    log.record([read_of(f"u{n}", CHUAN) for n in range(5)])
    seqs = [int(row["seq"]) for row in rows(db, CHUAN)]
    superuser_sql(database_url, f"DELETE FROM {AUDIT_TABLE} WHERE seq = {seqs[2]}")
    (broken,) = log.verify().broken
    assert (broken.seq, broken.why, broken.previous_seq) == (seqs[3], PREV_MISMATCH, seqs[1])
    assert log.verify().chains[0].rows == 4


def test_an_empty_log_verifies(db: Database) -> None:
    result = AuditLog(db).verify()
    assert result.intact and result.chains == ()


def test_the_append_function_refuses_chains_and_entries_that_do_not_pair_up(db: Database) -> None:
    """`xborder_audit_append` is the one way rows are written: called with a chain missing for an
    entry, it writes nothing rather than guess."""
    before = read_of("before", CHUAN)
    AuditLog(db, clock=SettableClock(START)).record([before])
    with db.read() as conn, pytest.raises(psycopg.errors.RaiseException, match="1 chains for 2 entries"):
        conn.execute(
            "SELECT xborder_audit_append(%s::text[], %s::text[], %s::bytea)",
            ([CHUAN], ['{"a":1}', '{"b":2}'], bytes(32)),
        )
    assert [row["entry"] for row in rows(db, CHUAN)] == [canonical_json(replace(before, at=START))]


# ------------------------------------------------------------------ GET /v1/audit


def test_an_auditor_reads_its_own_provinces_chain(make_service: MakeService) -> None:
    service = make_service(workers=False)
    log = service.container.audit
    case_a, case_b = uuid4(), uuid4()
    clock = service.clock
    assert isinstance(clock, SettableClock)
    for n in range(7):
        clock.advance(timedelta(minutes=1))
        log.record(
            [
                read_of("chuan-clerk" if n % 2 else "chuan-police", CHUAN, case_a if n < 4 else case_b),
                read_of("yu-clerk", YU, case_a),
            ]
        )
    auditor = service.auth("chuan-auditor", CHUAN, "auditor")

    everything = service.client.get("/v1/audit", headers=auditor)
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert body["next"] is None and len(body["items"]) == 7
    seqs = [item["seq"] for item in body["items"]]
    assert seqs == sorted(seqs, reverse=True), "newest first"
    assert {item["province"] for item in body["items"]} == {CHUAN}
    assert "yu-clerk" not in everything.text
    first = body["items"][-1]
    assert set(first) == {
        "seq",
        "at",
        "sub",
        "role",
        "org",
        "province",
        "case_id",
        "fields",
        "path",
        "action",
    }
    assert first["fields"] == ["owner.id_number", "owner.phone"] and first["action"] == "read"

    # Pages: `next` is the `after` of the following page.
    page = service.client.get("/v1/audit", params={"limit": 3}, headers=auditor).json()
    assert [i["seq"] for i in page["items"]] == seqs[:3] and page["next"] == seqs[2]
    page = service.client.get("/v1/audit", params={"limit": 3, "after": page["next"]}, headers=auditor).json()
    assert [i["seq"] for i in page["items"]] == seqs[3:6] and page["next"] == seqs[5]
    page = service.client.get("/v1/audit", params={"limit": 3, "after": page["next"]}, headers=auditor).json()
    assert [i["seq"] for i in page["items"]] == seqs[6:] and page["next"] is None

    # Filters.
    def listed(**params: object) -> list[dict[str, object]]:
        answer = service.client.get("/v1/audit", params=params, headers=auditor)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, object]] = answer.json()["items"]
        return items

    assert len(listed(case_id=str(case_b))) == 3
    assert {i["sub"] for i in listed(sub="chuan-clerk")} == {"chuan-clerk"} and len(
        listed(sub="chuan-clerk")
    ) == 3
    third = START + timedelta(minutes=3)
    assert len(listed(since=third.isoformat())) == 5
    assert len(listed(until=third.isoformat())) == 2
    assert len(listed(since=third.isoformat(), until=(third + timedelta(minutes=2)).isoformat())) == 2
    assert listed(case_id=str(case_b), sub="chuan-police") == [
        i for i in listed(case_id=str(case_b)) if i["sub"] == "chuan-police"
    ]

    # Instants at the ends of the calendar are accepted (in UTC, they fall outside it).
    assert len(listed(since="0001-01-01T00:00:00+01:00", until="9999-12-31T23:59:59-01:00")) == 7
    assert listed(since="9999-12-31T23:59:59-01:00") == []
    assert listed(until="0001-01-01T00:00:00+01:00") == []

    # 重庆's auditor sees 重庆's chain only.
    yu = service.client.get("/v1/audit", headers=service.auth("yu-auditor", YU, "auditor")).json()
    assert {i["sub"] for i in yu["items"]} == {"yu-clerk"} and len(yu["items"]) == 7


def test_only_auditors_read_it_and_bad_parameters_are_named(make_service: MakeService) -> None:
    service = make_service(workers=False)
    for role in ("vehicle_admin", "traffic_police", "owner", "investigator"):
        refused = service.client.get("/v1/audit", headers=service.auth("x", CHUAN, role))
        assert refused.status_code == 403, role
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "auth.forbidden"
    assert service.client.get("/v1/audit").status_code == 401

    auditor = service.auth("chuan-auditor", CHUAN, "auditor")
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"after": 0}, "after"),
        ({"case_id": "not-a-uuid"}, "case_id"),
        ({"since": "2026-11-20T15:00:00"}, "since"),  # no offset: which instant?
        ({"until": "yesterday"}, "until"),
        ({"sub": "a\x00b"}, "sub"),
    ):
        answer = service.client.get("/v1/audit", params=params, headers=auditor)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["field"] == field, answer.json()


def test_an_auditor_sees_no_case(make_service: MakeService) -> None:
    service = make_service()
    created = service.apply_for_transfer("川A12345")
    service.wait_for_version(YU, created["id"], created["version"])
    auditor = service.auth("yu-auditor", YU, "auditor")
    assert service.client.get(f"/v1/transfers/{created['id']}", headers=auditor).status_code == 404
    inbox = service.client.get("/v1/inbox", headers=auditor)
    assert inbox.status_code == 200 and inbox.json()["items"] == []
