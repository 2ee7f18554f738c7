"""The checks the network, database and delivery fault scenarios make against the event store (a small
oracle of their own; the process-kill suite has its own in tests/faults/oracle.py).

- `store_cases`: every case in the event store, its latest version and the provinces it involves.
- `read_model`: a province's read model as stored (`province_<code>.cases`: id, version, doc).
- `read_model_problems`: what is wrong with the read models of `provinces` against the store — a case
  missing or extra, a version behind or ahead, a history that is not 1..n, a document that differs
  between the provinces involved. Empty when all is well.
- `settle`: waits, within a bound, for `read_model_problems` to be empty, and fails naming them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from tests.faults.oracle import Counts
from tests.support.command_load import CommandLoad, LoadResults
from tests.support.waiting import wait_until
from xborder.bootstrap import Container
from xborder.domain.cases import CaseEvent


@dataclass(frozen=True, slots=True)
class StoredCase:
    aggregate_type: str
    version: int
    provinces: frozenset[str]


def store_cases(container: Container) -> dict[UUID, StoredCase]:
    cases: dict[UUID, StoredCase] = {}
    for aggregate_type, app in container.applications.items():
        start = 1
        while True:
            notifications = app.recorder.select_notifications(start=start, limit=1000)
            if not notifications:
                break
            for notification in notifications:
                event = app.mapper.to_domain_event(notification)
                assert isinstance(event, CaseEvent)
                known = cases.get(event.originator_id)
                if known is None or event.originator_version > known.version:
                    cases[event.originator_id] = StoredCase(
                        aggregate_type, event.originator_version, frozenset(event.provinces)
                    )
            start = notifications[-1].id + 1
    return cases


def event_count(container: Container) -> int:
    return sum(app.recorder.max_notification_id() or 0 for app in container.applications.values())


def read_model(url: str, province: str, schema: str | None = None) -> dict[UUID, tuple[int, dict[str, Any]]]:
    query = sql.SQL("SELECT id, version, doc FROM {}.cases").format(
        sql.Identifier(schema or f"province_{province}")
    )
    with psycopg.connect(url, row_factory=dict_row, connect_timeout=10) as conn:
        return {row["id"]: (int(row["version"]), row["doc"]) for row in conn.execute(query)}


def read_model_problems(
    cases: Mapping[UUID, StoredCase],
    models: Mapping[str, Mapping[UUID, tuple[int, dict[str, Any]]]],
) -> list[str]:
    problems: list[str] = []
    for province, model in models.items():
        expected = {case_id: case.version for case_id, case in cases.items() if province in case.provinces}
        for case_id in expected.keys() - model.keys():
            problems.append(f"{province}: missing {case_id} (v{expected[case_id]} in the store)")
        for case_id in model.keys() - expected.keys():
            problems.append(f"{province}: holds {case_id}, which the store does not route to it")
        for case_id in expected.keys() & model.keys():
            version, doc = model[case_id]
            if version != expected[case_id]:
                problems.append(f"{province}: {case_id} at v{version}, the store at v{expected[case_id]}")
            if doc.get("version") != version:
                problems.append(f"{province}: {case_id} doc says v{doc.get('version')}, the row v{version}")
            history = [entry["version"] for entry in doc.get("history", [])]
            if history != list(range(1, version + 1)):
                problems.append(f"{province}: {case_id} history versions {history}")
    for case_id, case in cases.items():
        docs = {p: models[p][case_id][1] for p in case.provinces if p in models and case_id in models[p]}
        first = next(iter(docs.values()), None)
        if any(doc != first for doc in docs.values()):
            problems.append(f"{case_id}: documents differ between {sorted(docs)}")
    return problems


def settle(
    container: Container, url: str, provinces: Iterable[str], *, timeout: float = 60.0
) -> tuple[dict[UUID, StoredCase], dict[str, dict[UUID, tuple[int, dict[str, Any]]]]]:
    """The store's cases and the read models once they agree (or an AssertionError naming what does
    not, after `timeout` seconds)."""
    provinces = list(provinces)
    deadline = time.monotonic() + timeout
    while True:
        cases = store_cases(container)
        models = {code: read_model(url, code) for code in provinces}
        problems = read_model_problems(cases, models)
        if not problems:
            return cases, models
        if time.monotonic() > deadline:
            shown = "; ".join(problems[:20])
            workers = "; ".join(
                f"{w['name']}: running={w['running']} failures={w['failures']} error={w['error']}"
                for w in (worker.status() for worker in container.workers)
            )
            raise AssertionError(
                f"read models disagree with the store after {timeout}s ({len(problems)}): {shown}"
                f" -- workers: {workers}"
            )
        time.sleep(0.5)


def applied_per_province(models: Mapping[str, Mapping[UUID, tuple[int, dict[str, Any]]]]) -> dict[str, int]:
    """Events behind each province's read model (a case at version n: n events applied)."""
    return {code: sum(version for version, _ in model.values()) for code, model in models.items()}


def embedded_counts(
    container: Container,
    cases: Mapping[UUID, StoredCase],
    models: Mapping[str, Mapping[UUID, tuple[int, dict[str, Any]]]],
    results: LoadResults,
) -> Counts:
    """The summary table's row of an embedded-mode scenario (no topics: "delivered" is what the store
    routes to each province, which its consumer reads)."""
    routed = {code: sum(case.version for case in cases.values() if code in case.provinces) for code in models}
    applied = applied_per_province(models)
    return Counts(
        written=event_count(container),
        delivered=routed,
        applied=applied,
        duplicates={},
        losses=sum(max(0, routed[code] - applied[code]) for code in models),
        commands=len(results.attempts),
        answered=len(results.answered),
        unanswered=len(results.attempts) - len(results.answered),
    )


def wait_delivered(container: Container, load: CommandLoad, timeout: float = 60) -> None:
    """The newest answered command's case is in both provinces it involves (every route of the load
    involves two of the three): delivery is moving at this point of a scenario."""
    case_id = UUID(list(load.results.answered.values())[-1])
    provinces = container.provinces

    def both() -> bool:
        return sum(bool(container.readmodels.versions(code, [case_id])) for code in provinces) == 2

    wait_until(both, timeout=timeout, interval=0.1, what=f"{case_id} in both its provinces")
