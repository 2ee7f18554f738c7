"""Operator commands on a wired container: `xborder status` and `xborder dead-letters ...`.

Part of the composition root (like `bootstrap` and `cli`): it reaches into consumers and projections
to answer from PostgreSQL and the broker, so it works from a shell while `xborder serve` runs. Letters
are named by their key: the id for the shared database, `<province>:<id>` for a province's own
read-model database (ids are per database), as `dead-letters list` prints them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from functools import partial
from typing import Any

from xborder.bootstrap import Container, bootstrap
from xborder.consumers.redelivery import CannotRetry, Redelivery
from xborder.consumers.status import ConsumerStatus, broker_lag, consumer_statuses, routed_lag
from xborder.domain.routing import province_topic
from xborder.infra.feeds import FeedRecord
from xborder.infra.settings import Settings
from xborder.workflow import Applications, ProcessManagerSpec

logger = logging.getLogger("xborder.operations")


def statuses(container: Container) -> list[ConsumerStatus]:
    relay_positions: dict[str, int] | None = None
    projection_lag = routed_lag(container.db, container.applications)
    if container.kafka_enabled:
        with container.db.transaction() as conn:
            rows = conn.execute("SELECT application, last_notification_id FROM xborder_relay_positions")
            relay_positions = {r["application"]: int(r["last_notification_id"]) for r in rows}
        projection_lag = broker_lag(_broker_heads(container))
    return consumer_statuses(
        applications=container.applications,
        readmodels=container.readmodels,
        db=container.db,
        provinces=container.provinces,
        letters=container.dead_letters,
        hold_sources=list(container.holds.table.rules),
        process_managers={m.consumer: m.listens_to for m in container.process_managers()},
        relay_positions=relay_positions,
        projection_lag=projection_lag,
    )


def _broker_heads(container: Container) -> dict[str, dict[str, tuple[int, int]]] | None:
    """Each projected province's delivery topic (what its consumer reads), by province."""
    from xborder.infra.kafka import kafka_security, topic_heads

    servers = container.settings.kafka_bootstrap_servers
    assert servers
    try:
        return topic_heads(
            servers,
            {code: province_topic(code) for code in container.provinces},
            client_id=f"{container.settings.kafka_client_id}.status",
            security=kafka_security(container.settings),
        )
    except Exception as error:  # noqa: BLE001 — an unreachable broker is something to report, not a crash
        logger.warning("the broker did not answer: %s", type(error).__name__)
        return None


def redelivery(container: Container) -> Redelivery:
    return Redelivery(
        letters=container.dead_letters,
        applications=container.applications,
        contracts={spec.aggregate_type: spec.events for spec in container.workflows},
        readmodels=container.readmodels,
        holds=container.holds.table,
        deadlines=container.deadlines,
        process_managers={
            manager.consumer: partial(_handle_each, manager, container.applications)
            for manager in container.process_managers()
        },
    )


def _handle_each(
    manager: ProcessManagerSpec, applications: Applications, records: Sequence[FeedRecord]
) -> None:
    for record in records:
        manager.handle(record.envelope, applications)


def print_status(settings: Settings, *, as_json: bool) -> int:
    container = bootstrap(settings)
    try:
        rows = [status.as_dict() for status in statuses(container)]
        letters = [letter.as_dict() for letter in container.dead_letters.list()]
    finally:
        container.close()
    if as_json:
        print(json.dumps({"consumers": rows, "dead_letters": letters}, ensure_ascii=False, indent=2))
        return 0
    mode = "kafka" if settings.kafka_enabled else "embedded"
    print(f"mode: {mode}")
    print(f"{'consumer':<34} {'lag':>8} {'parked':>7}")
    for row in rows:
        shown = "?" if row["lag"] is None else str(row["lag"])
        print(f"{row['consumer']:<34} {shown:>8} {row['parked']:>7}")
    _print_letters(letters)
    return 0


def dead_letters_command(settings: Settings, args: argparse.Namespace) -> int:
    container = bootstrap(settings)
    try:
        if args.letters_command == "list":
            found = container.dead_letters.list(consumer=args.consumer, status=None if args.all else "parked")
            letters = [letter.as_dict() for letter in found]
            if args.json:
                print(json.dumps(letters, ensure_ascii=False, indent=2))
            else:
                _print_letters(letters, empty="no dead letters")
            return 0
        if args.letters_command == "retry":
            try:
                print(redelivery(container).retry(args.id))
            except (CannotRetry, ValueError) as error:
                print(f"xborder dead-letters retry: {error}", file=sys.stderr)
                return 1
            return 0
        try:
            discarded = container.dead_letters.discard(args.id)
        except ValueError as error:
            print(f"xborder dead-letters discard: {error}", file=sys.stderr)
            return 1
        if discarded:
            print(f"dead letter {args.id} discarded")
            return 0
        print(f"xborder dead-letters discard: no parked dead letter {args.id}", file=sys.stderr)
        return 1
    finally:
        container.close()


def _print_letters(letters: list[dict[str, Any]], *, empty: str = "") -> None:
    if not letters:
        if empty:
            print(empty)
        return
    print()
    for letter in letters:
        case = (
            f"{letter['aggregate_type'] or '?'} {letter['aggregate_id'] or '?'} v{letter['version'] or '?'}"
        )
        print(
            f"#{letter['key']} [{letter['status']}] {letter['consumer']} at {letter['source']}"
            f"@{letter['position']} {case} ({letter['event_type'] or 'unreadable'}), "
            f"parked {letter['parked_at']}: {letter['error']}"
        )
