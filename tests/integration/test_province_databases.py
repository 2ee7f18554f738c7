"""Per-province read-model databases (`READMODEL_URL_<code>`): 四川 and 重庆 keep their read models in
databases of their own, 上海 stays on the shared one. A 川→渝 transfer and a hit-and-run that 上海 joins
late end with the same document in every involved province, each row physically in its province's
database and nowhere else; the API reads a 川 officer's cases from 川's database; a rebuild of 川 works
against 川's database; and what 川's projection parks lives there and is still seen and handled by the
operator's commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.integration.conftest import MakeService
from tests.integration.test_hit_and_run_scenario import CASE_BODY
from tests.support.postgres import fresh_database
from tests.support.service import CHUAN, HU, TRANSFER_BODY, YU, Service
from tests.unit.domain.objection_builders import DRIVER, filing, violation
from xborder import cli
from xborder.projections.rebuild import rebuild_province
from xborder.workflows.objection.application import ViolationObjections

MODES = [pytest.param("kafka", marks=pytest.mark.kafka), "embedded"]
JWT_SECRET = "integration-test-secret-of-at-least-32-bytes"


@pytest.fixture
def province_urls(pg_admin_url: str) -> Iterator[dict[str, str]]:
    """Two extra databases on the test server: 四川's and 重庆's read models."""
    with fresh_database(pg_admin_url, "xbt_chuan") as chuan, fresh_database(pg_admin_url, "xbt_yu") as yu:
        yield {CHUAN: chuan, YU: yu}


def _query(url: str, statement: str, params: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
    """Straight to a database, bypassing the service's pools: where do the rows physically live?"""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(statement, params).fetchall()


def _rows_everywhere(urls: dict[str, str]) -> set[tuple[str, str, str]]:
    """(database label, schema, case id) of every read-model row in every database."""
    found: set[tuple[str, str, str]] = set()
    for label, url in urls.items():
        schemas = _query(
            url,
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'cases'"
            " AND table_schema LIKE 'province\\_%'",
        )
        for row in schemas:
            schema = row["table_schema"]
            for case in _query(url, f'SELECT id FROM "{schema}".cases'):
                found.add((label, schema, str(case["id"])))
    return found


def _docs(url: str, province: str) -> dict[str, Any]:
    rows = _query(url, f'SELECT id, doc FROM "province_{province}".cases')
    return {str(r["id"]): r["doc"] for r in rows}


def _post(service: Service, path: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = service.client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def _same_everywhere(service: Service, case_id: str, version: int, provinces: list[str]) -> dict[str, Any]:
    docs = [service.wait_for_version(p, case_id, version) for p in provinces]
    for doc in docs[1:]:
        assert doc == docs[0], "every involved province holds the identical document"
    return docs[0]


def _transfer(service: Service) -> str:
    owner = service.auth("alice", YU, "owner")
    chuan = service.auth("chuan-admin", CHUAN, "vehicle_admin")
    yu = service.auth("yu-admin", YU, "vehicle_admin")
    case_id: str = _post(service, "/v1/transfers", owner, TRANSFER_BODY)["id"]
    path = f"/v1/transfers/{case_id}"
    _post(service, f"{path}/archive-release", chuan, {"archive_ref": "ARC-510-2026-0001"})
    _post(service, f"{path}/archive-verification", yu, {"accepted": True, "reason": ""})
    _post(service, f"{path}/inspection", yu, {"passed": True, "reasons": [], "evidence": ["VIN-RUBBING-1"]})
    assert _post(service, f"{path}/registration", yu, {"new_plate": "渝A88888"})["version"] == 6
    doc = _same_everywhere(service, case_id, 6, [CHUAN, YU])
    assert doc["status"] == "registered"
    return case_id


def _hit_and_run(service: Service) -> str:
    """川 asks 渝; 上海 (on the shared database) is added later and receives the whole history."""
    chuan, yu, hu = (service.auth(f"inv-{p}", p, "investigator") for p in (CHUAN, YU, HU))
    case_id: str = _post(service, "/v1/hit-and-runs", chuan, CASE_BODY)["id"]
    path = f"/v1/hit-and-runs/{case_id}"
    _post(service, f"{path}/assistance-requests", chuan, {"targets": [YU], "ack_within_hours": 12})
    _post(service, f"{path}/acknowledgements", yu, {})
    _same_everywhere(service, case_id, 3, [CHUAN, YU])
    _post(service, f"{path}/assistance-requests", chuan, {"targets": [HU]})
    assert _post(service, f"{path}/acknowledgements", hu, {})["version"] == 5
    doc = _same_everywhere(service, case_id, 5, [CHUAN, YU, HU])
    assert [h["version"] for h in doc["history"]] == [1, 2, 3, 4, 5]
    return case_id


def _cli(monkeypatch: pytest.MonkeyPatch, service: Service, urls: dict[str, str], *args: str) -> int:
    """The operator's command in this process, configured only through the environment, as in a shell."""
    container = service.container
    monkeypatch.setenv("DATABASE_URL", container.database_url)
    monkeypatch.setenv("PROVINCES", ",".join(container.provinces))
    monkeypatch.setenv("DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)  # a rebuild reads the event store
    for code, url in urls.items():
        monkeypatch.setenv(f"READMODEL_URL_{code}", url)
    return cli.main(list(args))


@pytest.mark.parametrize("mode", MODES)
def test_provinces_in_databases_of_their_own_agree_with_the_shared_one(
    make_service: MakeService,
    province_urls: dict[str, str],
    mode: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = make_service(mode, provinces=[CHUAN, YU, HU], readmodel_urls=province_urls)
    shared = service.container.database_url
    databases = {"shared": shared, CHUAN: province_urls[CHUAN], YU: province_urls[YU]}

    transfer = _transfer(service)
    case = _hit_and_run(service)

    # Each province's rows live in its own database, and nowhere else (上海's on the shared one).
    assert _rows_everywhere(databases) == {
        (CHUAN, f"province_{CHUAN}", transfer),
        (CHUAN, f"province_{CHUAN}", case),
        (YU, f"province_{YU}", transfer),
        (YU, f"province_{YU}", case),
        ("shared", f"province_{HU}", case),
    }
    # So do its input positions: the consumer stores them with its rows.
    assert _query(province_urls[CHUAN], f"SELECT count(*) AS n FROM province_{CHUAN}.positions")[0]["n"] > 0
    for label, url in databases.items():
        schemas = {r["nspname"] for r in _query(url, "SELECT nspname FROM pg_namespace")}
        expected = {"shared": {f"province_{HU}"}, CHUAN: {f"province_{CHUAN}"}, YU: {f"province_{YU}"}}[label]
        assert {s for s in schemas if s.startswith("province_")} == expected, label
    # Holds, deadlines and the event store stay national: only the shared database has them.
    for code in (CHUAN, YU):
        assert _query(province_urls[code], "SELECT to_regclass('xborder_vehicle_holds') AS t")[0]["t"] is None
        assert _query(province_urls[code], "SELECT to_regclass('xborder_deadlines') AS t")[0]["t"] is None

    # A 川 officer reads from 川's database (the shared one has no 川 schema to read from).
    chuan_docs = _docs(province_urls[CHUAN], CHUAN)
    seen = service.client.get(f"/v1/hit-and-runs/{case}", headers=service.auth("inv", CHUAN, "investigator"))
    assert seen.status_code == 200, seen.text
    assert (seen.json()["version"], seen.json()["status"]) == (
        chuan_docs[case]["version"],
        chuan_docs[case]["status"],
    )
    listed = service.client.get("/v1/transfers", headers=service.auth("chuan-admin", CHUAN, "vehicle_admin"))
    assert [item["id"] for item in listed.json()["items"]] == [transfer]
    hu_listed = service.client.get("/v1/transfers", headers=service.auth("hu-admin", HU, "vehicle_admin"))
    assert hu_listed.json()["items"] == []

    # `xborder projections rebuild` of 川 replays into 川's database and equals the live read model.
    capsys.readouterr()
    assert _cli(monkeypatch, service, province_urls, "projections", "rebuild", "--province", CHUAN) == 0
    # Every event of the two cases is 川's: 6 of the transfer, 5 of the hit-and-run.
    assert capsys.readouterr().out.strip().endswith("(11 applied)")
    assert _docs(province_urls[CHUAN], CHUAN) == chuan_docs
    assert _rows_everywhere(databases) == {
        (CHUAN, f"province_{CHUAN}", transfer),
        (CHUAN, f"province_{CHUAN}", case),
        (YU, f"province_{YU}", transfer),
        (YU, f"province_{YU}", case),
        ("shared", f"province_{HU}", case),
    }
    # Its bulk shared among forked processes, each with connections of its own to 渝's database.
    yu_docs = _docs(province_urls[YU], YU)
    container = service.container
    rebuilt = rebuild_province(container.readmodels, container.log_sources(), YU, batch_size=2, processes=2)
    assert rebuilt.processes == 2
    assert rebuilt.applied == sum(doc["version"] for doc in yu_docs.values())  # every event of its cases
    assert _docs(province_urls[YU], YU) == yu_docs
    # The live consumer carries on in the rebuilt schema.
    _post(
        service,
        f"/v1/hit-and-runs/{case}/clues",
        service.auth("inv-yu", YU, "investigator"),
        {"hit": True, "details": "綦江收费站卡口抓拍到疑似车辆"},
    )
    _same_everywhere(service, case, 6, [CHUAN, YU, HU])


def test_a_province_parks_in_its_own_database_and_the_operator_sees_it(
    make_service: MakeService,
    province_urls: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = make_service(provinces=[CHUAN, YU, HU], readmodel_urls=province_urls)
    consumer = f"projection-{CHUAN}"
    poisoned = replace(filing(), violation=violation(record_number="3301062026\x00082800123"))
    objection = service.container.application(ViolationObjections).file(
        poisoned, actor=DRIVER, at=service.clock.now()
    )
    letters = service.parked_letters(consumer, count=2)  # filed, and forwarded behind it

    # 川's letter lives in 川's database, parked in the transaction of its positions.
    in_chuan = _query(
        province_urls[CHUAN],
        "SELECT id, consumer, aggregate_id, version FROM xborder_dead_letters ORDER BY id",
    )
    assert [(r["consumer"], r["aggregate_id"], r["version"]) for r in in_chuan] == [
        (consumer, objection.id, 1),
        (consumer, objection.id, 2),
    ]
    in_shared = _query(service.container.database_url, "SELECT DISTINCT consumer FROM xborder_dead_letters")
    assert consumer not in {r["consumer"] for r in in_shared}
    assert _query(province_urls[YU], "SELECT count(*) AS n FROM xborder_dead_letters")[0]["n"] == 0
    letter, behind = letters
    assert [(x.home, x.key) for x in letters] == [(CHUAN, f"{CHUAN}:{row['id']}") for row in in_chuan]
    assert service.container.dead_letters.parked_counts()[consumer] == 2

    # The operator's commands see it and act on it by its key.
    capsys.readouterr()
    assert _cli(monkeypatch, service, province_urls, "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert {row["consumer"]: row["parked"] for row in status["consumers"]}[consumer] == 2
    assert {letter.key, behind.key} <= {entry["key"] for entry in status["dead_letters"]}
    assert _cli(monkeypatch, service, province_urls, "dead-letters", "list", "--consumer", consumer) == 0
    assert f"#{letter.key} [parked] {consumer}" in capsys.readouterr().out
    assert _cli(monkeypatch, service, province_urls, "dead-letters", "retry", letter.key) == 1  # unstorable
    assert service.container.dead_letters.get(letter.key).status == "parked"  # type: ignore[union-attr]
    assert _cli(monkeypatch, service, province_urls, "dead-letters", "discard", letter.key) == 0
    assert service.container.dead_letters.get(letter.key).status == "discarded"  # type: ignore[union-attr]
    assert _query(province_urls[CHUAN], "SELECT status FROM xborder_dead_letters ORDER BY id") == [
        {"status": "discarded"},
        {"status": "parked"},
    ]
    assert service.container.dead_letters.parked_counts()[consumer] == 1
    # A key naming a province without a database of its own is refused, never read as a shared id.
    assert _cli(monkeypatch, service, province_urls, "dead-letters", "discard", f"{HU}:1") == 1
