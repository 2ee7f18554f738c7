"""The fault suite's oracle: the event store is the truth, and everything downstream must agree with it.

E: the events recorded (every workflow's events table), each routed to the provinces the store's
routing table (`xborder_routes`, written in the events' transaction) names; a province that holds a
case holds all of it, so what province p must hold of a case is versions 1..n, n the highest version
routed to p. K: the records on each province's delivery topic `xborder.province.<code>.v1`, read raw
from the beginning. P: each province's read model (`province_<code>.cases`: id, version, document).

`Oracle.check()` judges one snapshot and returns what is wrong (nothing: it holds); `Oracle.settle()`
waits, within a bound, until it holds after a fault and its recovery, and returns the counts for the
summary table. Duplicates on the topics are allowed (publishing is at least once) and counted.

Commands (tests/faults/load.py `Command`): every one answered 2xx is in E (its case at least at the
answered version, and the service's idempotency record for its key names the same case); one that
failed or timed out is either absent or present once: every case in E was opened by exactly one
opening command's idempotency record, never two, and no case exists that no command opened.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from kafka import KafkaConsumer, TopicPartition
from psycopg import sql
from psycopg.rows import dict_row

from tests.faults.load import Command
from tests.support.waiting import wait_until
from xborder.domain.routing import province_topic

Case = UUID
Event = tuple[UUID, int]  # (case id, version)


@dataclass(frozen=True)
class Counts:
    """One row of the summary table."""

    written: int  # events in the store
    delivered: dict[str, int]  # distinct events on each province's topic
    applied: dict[str, int]  # events applied by each province (the sum of its cases' versions)
    duplicates: dict[str, int]  # extra copies on each province's topic (at least once)
    losses: int  # events of E missing from K or P when the oracle gave its verdict
    commands: int = 0
    answered: int = 0
    unanswered: int = 0


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    counts: Counts | None = None

    @property
    def holds(self) -> bool:
        return not self.problems


class TopicReader:
    """Every record of the delivery topics, read incrementally with a raw consumer (no group, no
    committed offsets): the multiset of (case, version) each topic carries."""

    def __init__(self, bootstrap_servers: str, provinces: Sequence[str]) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id="xborder-fault-oracle",
            enable_auto_commit=False,
            group_id=None,
            request_timeout_ms=15000,
        )
        self.provinces = tuple(provinces)
        self.seen: dict[str, Counter[Event]] = {p: Counter() for p in self.provinces}
        self.malformed: list[str] = []
        self._assigned: set[TopicPartition] = set()

    def _assign(self) -> list[TopicPartition]:
        partitions = set(self._assigned)
        for code in self.provinces:
            for p in self._consumer.partitions_for_topic(province_topic(code)) or ():
                partitions.add(TopicPartition(province_topic(code), p))
        if partitions != self._assigned:
            self._consumer.assign(sorted(partitions))
            for tp in partitions - self._assigned:
                self._consumer.seek_to_beginning(tp)
            self._assigned = partitions
        return sorted(partitions)

    def end_offsets(self, code: str) -> int:
        """The sum of the ends of `code`'s topic partitions (how many records it holds)."""
        partitions = [tp for tp in self._assign() if tp.topic == province_topic(code)]
        return sum(int(v) for v in self._consumer.end_offsets(partitions).values())

    def read_to_end(self) -> None:
        partitions = self._assign()
        if not partitions:
            return
        ends = self._consumer.end_offsets(partitions)
        while any(self._consumer.position(tp) < ends[tp] for tp in partitions):
            for tp, messages in self._consumer.poll(timeout_ms=500, max_records=5000).items():
                code = tp.topic.split(".")[2]
                for message in messages:
                    try:
                        envelope = json.loads(message.value)
                        event = (UUID(envelope["aggregate_id"]), int(envelope["version"]))
                    except (ValueError, KeyError, TypeError) as error:
                        self.malformed.append(f"{tp.topic}:{tp.partition}@{message.offset}: {error}")
                        continue
                    self.seen[code][event] += 1

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class Oracle:
    def __init__(self, database_url: str, bootstrap_servers: str, provinces: Sequence[str]) -> None:
        self.database_url = database_url
        self.provinces = tuple(provinces)
        self.topics = TopicReader(bootstrap_servers, provinces)

    def close(self) -> None:
        self.topics.close()

    # ------------------------------------------------------------------ reading E and P
    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        return psycopg.connect(self.database_url, row_factory=dict_row, autocommit=True)

    def store(self) -> tuple[int, dict[Case, int], dict[str, dict[Case, int]]]:
        """E: how many events, each case's version in the store, and each province's cases with the
        highest version routed to it."""
        with self._connect() as conn:
            tables = [
                row["table_name"]
                for row in conn.execute(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = 'public' AND table_name LIKE '%%\\_events' ORDER BY 1"
                )
            ]
            total = 0
            versions: dict[Case, int] = {}
            routed: dict[str, dict[Case, int]] = {p: {} for p in self.provinces}
            for table in tables:
                application = conn.execute(
                    "SELECT DISTINCT application FROM xborder_routes WHERE lower(application) = %s",
                    (table.removesuffix("_events"),),
                ).fetchall()
                rows = conn.execute(
                    sql.SQL(
                        "SELECT originator_id, count(*) AS n, max(originator_version) AS v,"
                        " min(originator_version) AS lo FROM {} GROUP BY originator_id"
                    ).format(sql.Identifier(table))
                ).fetchall()
                for row in rows:
                    total += int(row["n"])
                    versions[row["originator_id"]] = int(row["v"])
                for app in application:
                    for row in conn.execute(
                        sql.SQL(
                            "SELECT r.province, e.originator_id, max(e.originator_version) AS v"
                            " FROM xborder_routes r JOIN {} e ON e.notification_id = r.notification_id"
                            " WHERE r.application = %s AND r.province = ANY(%s)"
                            " GROUP BY r.province, e.originator_id"
                        ).format(sql.Identifier(table)),
                        (app["application"], list(self.provinces)),
                    ):
                        routed[row["province"]][row["originator_id"]] = int(row["v"])
            return total, versions, routed

    def applied(self) -> dict[str, dict[Case, tuple[int, dict[str, Any]]]]:
        """P: each province's cases, version and document."""
        with self._connect() as conn:
            return {
                code: {
                    row["id"]: (int(row["version"]), row["doc"])
                    for row in conn.execute(
                        sql.SQL("SELECT id, version, doc FROM {}.cases").format(
                            sql.Identifier(f"province_{code}")
                        )
                    )
                }
                for code in self.provinces
            }

    def idempotency(self) -> dict[tuple[str, str], dict[str, Any]]:
        with self._connect() as conn:
            return {
                (row["caller"], row["key"]): row["response"]
                for row in conn.execute("SELECT caller, key, response FROM xborder_idempotency")
            }

    # ------------------------------------------------------------------ the verdict
    def check(self, commands: Sequence[Command] = ()) -> Verdict:
        verdict = Verdict()
        problems = verdict.problems
        total, versions, routed = self.store()
        self.topics.read_to_end()
        applied = self.applied()
        losses = 0

        # The store itself: every case's versions 1..n, none missing.
        if total != sum(versions.values()):
            problems.append(f"E: {total} events but the cases' versions add up to {sum(versions.values())}")

        for code in self.provinces:
            expected = routed[code]
            on_topic = self.topics.seen[code]
            # K: every event of E that involves the province is on its topic, nothing else is.
            missing_k = [
                (c, v) for c, n in expected.items() for v in range(1, n + 1) if (c, v) not in on_topic
            ]
            foreign = [e for e in on_topic if e[0] not in expected]
            beyond = [e for e in on_topic if e[0] in expected and e[1] > versions.get(e[0], 0)]
            losses += len(missing_k)
            if missing_k:
                problems.append(
                    f"K {code}: {len(missing_k)} events of E not on its topic, e.g. {missing_k[:3]}"
                )
            if foreign:
                problems.append(
                    f"K {code}: {len(foreign)} events of cases not routed to it, e.g. {foreign[:3]}"
                )
            if beyond:
                problems.append(f"K {code}: {len(beyond)} events not in the store, e.g. {beyond[:3]}")
            # P: exactly the cases routed to the province, each at the store's version for it, each
            # event applied once (its history counts 1..n without a repeat or a hole).
            held = applied[code]
            absent = [c for c in expected if c not in held]
            extra = [c for c in held if c not in expected]
            behind = [(c, held[c][0], n) for c, n in expected.items() if c in held and held[c][0] != n]
            losses += sum(n for c, n in expected.items() if c not in held)
            losses += sum(max(0, n - held[c][0]) for c, n in expected.items() if c in held)
            if absent:
                problems.append(f"P {code}: {len(absent)} cases of E missing, e.g. {absent[:3]}")
            if extra:
                problems.append(f"P {code}: {len(extra)} cases that are not its own, e.g. {extra[:3]}")
            if behind:
                problems.append(
                    f"P {code}: {len(behind)} cases at another version (case, P, E): {behind[:3]}"
                )
            for case, (version, doc) in held.items():
                history = [entry.get("version") for entry in doc.get("history", [])]
                if history != list(range(1, version + 1)) or doc.get("version") != version:
                    problems.append(
                        f"P {code}: case {case} at version {version} has history {history}"
                        f" (doc version {doc.get('version')}): an event applied twice or skipped"
                    )
        if self.topics.malformed:
            problems.append(f"K: unreadable records {self.topics.malformed[:3]}")

        # The same version and document in every involved province.
        by_case: dict[Case, list[tuple[str, int, dict[str, Any]]]] = {}
        for code, held in applied.items():
            for case, (version, doc) in held.items():
                by_case.setdefault(case, []).append((code, version, doc))
        for case, copies in by_case.items():
            first_code, first_version, first_doc = copies[0]
            for code, version, doc in copies[1:]:
                if version != first_version or doc != first_doc:
                    problems.append(
                        f"case {case}: {first_code} holds version {first_version}, {code} {version}"
                        + ("" if version != first_version else " with another document")
                    )

        answered = self._check_commands(commands, versions, problems) if commands else 0
        verdict.counts = Counts(
            written=total,
            delivered={code: len(self.topics.seen[code]) for code in self.provinces},
            applied={code: sum(v for v, _ in applied[code].values()) for code in self.provinces},
            duplicates={
                code: sum(self.topics.seen[code].values()) - len(self.topics.seen[code])
                for code in self.provinces
            },
            losses=losses,
            commands=len(commands),
            answered=answered,
            unanswered=len(commands) - answered,
        )
        return verdict

    def _check_commands(
        self, commands: Sequence[Command], versions: Mapping[Case, int], problems: list[str]
    ) -> int:
        records = self.idempotency()
        answered = 0
        opened: Counter[Case] = Counter()
        for command in commands:
            record = records.get((command.caller, command.key))
            if command.answer is not None:
                answered += 1
                case = UUID(command.answer["id"])
                if versions.get(case, 0) < int(command.answer["version"]):
                    problems.append(
                        f"command {command.key} answered {command.answer} but E has {versions.get(case)}"
                    )
                if record is None or record.get("id") != command.answer["id"]:
                    problems.append(f"command {command.key} answered {command.answer}, recorded {record}")
            if record is not None:
                case = UUID(record["id"])
                if case not in versions:
                    problems.append(f"command {command.key} recorded {record} but its case is not in E")
                if command.opens:
                    opened[case] += 1
        twice = [case for case, n in opened.items() if n > 1]
        if twice:
            problems.append(f"{len(twice)} cases opened by two commands, e.g. {twice[:3]}")
        orphans = [case for case in versions if case not in opened]
        if orphans:
            problems.append(
                f"{len(orphans)} cases in E that no command's idempotency record names: {orphans[:3]}"
            )
        return answered

    def settle(self, commands: Sequence[Command] = (), *, timeout: float = 90) -> Counts:
        """Wait (bounded) until the oracle holds; fail with what is still wrong."""
        last: list[Verdict] = []

        def holds() -> bool:
            verdict = self.check(commands)
            last[:] = [verdict]
            return verdict.holds

        try:
            wait_until(holds, timeout=timeout, interval=0.5, what="the oracle to hold")
        except AssertionError as error:
            details = "\n  ".join(last[0].problems[:20]) if last else "no verdict"
            raise AssertionError(f"{error}; still wrong:\n  {details}") from None
        counts = last[0].counts
        assert counts is not None
        return counts
