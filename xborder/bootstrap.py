"""The composition root: settings in, a wired object graph out. Nothing connects before `bootstrap()`.

A province receives only the events of the cases it is involved in. Embedded mode (no
KAFKA_BOOTSTRAP_SERVERS): each province's projection consumer reads the notifications routed to it in the
event store (`xborder.infra.postgres.routes`). Kafka mode: the relays publish each event to the delivery
topic of every province it involves (`xborder.domain.routing.province_topic`), and each province's
consumer reads its own topic only; `KAFKA_NATIONAL_STREAM` also publishes the per-workflow national
topics. The deadline watcher and the process managers are the service's own national consumers: they
read the event store in both modes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from xborder.consumers.deadlines import DeadlineWatcher
from xborder.consumers.janitor import IdempotencyJanitor
from xborder.consumers.listener import APPLIED_CHANNEL, DeliveryListener, applied_payload
from xborder.consumers.projection import ProjectionConsumer
from xborder.consumers.province_feeds import (
    KafkaProvinceFeeds,
    RoutedProvinceFeeds,
    parked_by_topic,
)
from xborder.consumers.province_group import ProvinceGroupConsumer
from xborder.consumers.relay import Relay, RelayPositions
from xborder.consumers.worker import Worker
from xborder.domain.application import CaseApplication
from xborder.domain.calendar import WorkingCalendar, calendar_from_dict
from xborder.domain.cases import DeadlinePolicy
from xborder.domain.holidays_cn import china_calendar
from xborder.domain.provinces import PROVINCES, province_by_code
from xborder.domain.routing import province_topic
from xborder.domain.zones import ZoneBook, default_zone_book, national_terms, zone_book_from_dict
from xborder.infra.clock import Clock, SystemClock
from xborder.infra.feeds import (
    DecodedEnvelopes,
    DeliveryWakeups,
    Feed,
    LogSource,
    NotificationLogFeed,
    NotificationSelector,
    PositionLoader,
    ProvincesWakeup,
    UnreadableHandler,
)
from xborder.infra.idempotency import IdempotencyStore
from xborder.infra.postgres.database import Database, eventsourcing_env
from xborder.infra.postgres.embedded import start_embedded_postgres
from xborder.infra.postgres.migrations import migrate_core, migrate_dead_letters
from xborder.infra.postgres.routes import RoutedNotifications, RoutedTogether, WholeLogs, backfill_routes
from xborder.infra.postgres.tls import connection_url
from xborder.infra.settings import Settings
from xborder.infra.signals import ReadModelSignals
from xborder.infra.tokens import TokenIssuer, issuer_from_settings
from xborder.privacy.audit import AuditLog
from xborder.privacy.configured import Privacy, privacy_from_settings
from xborder.privacy.group_commit import GroupCommit
from xborder.projections import deadlines
from xborder.projections.dead_letters import DeadLetters
from xborder.projections.deadlines import DeadlineTable
from xborder.projections.holds import CatchingUpHolds, HoldsTable
from xborder.projections.positions import load_consumer_positions
from xborder.projections.store import ProvinceReadModels
from xborder.workflow import ProcessManagerContext, ProcessManagerSpec, WorkflowSpec
from xborder.workflows.registry import WORKFLOWS

A = TypeVar("A", bound=CaseApplication[Any])

logger = logging.getLogger("xborder.bootstrap")

# "janitor" deletes expired idempotency records (xborder.consumers.janitor); "listener" hears other
# processes' saves and applied batches (xborder.consumers.listener).
WORKER_KINDS = ("relay", "projection", "deadlines", "processes", "janitor", "listener")


@dataclass
class Container:
    settings: Settings
    clock: Clock
    database_url: str
    db: Database
    applications: dict[str, CaseApplication[Any]]
    readmodels: ProvinceReadModels
    deadlines: DeadlineTable
    idempotency: IdempotencyStore
    issuer: TokenIssuer
    jwt_secret: str
    provinces: list[str]
    wakeups: DeliveryWakeups
    holds: CatchingUpHolds
    dead_letters: DeadLetters
    # The audit log of sensitive reads (xborder.privacy.audit), on the shared database.
    audit: AuditLog
    # Personal data sealed in the events and opened by readers (xborder.privacy).
    privacy: Privacy
    # The audit rows of concurrent answers, committed together (xborder.privacy.group_commit).
    audit_writer: GroupCommit
    workers: list[Worker] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)
    # Envelopes of recently read events, shared by this process's feeds: decoded once, read by each.
    decoded: DecodedEnvelopes = field(default_factory=DecodedEnvelopes)
    # Wakes the API's waiting reads when this process's projection consumers change a read model.
    readmodel_signals: ReadModelSignals = field(default_factory=ReadModelSignals)
    workflows: Sequence[WorkflowSpec] = WORKFLOWS
    _topics_ready: bool = False

    @property
    def calendar(self) -> WorkingCalendar:
        """The working-day calendar every workflow's deadlines are counted with (one policy, shared)."""
        return next(iter(self.applications.values())).policy.calendar

    def application(self, kind: type[A]) -> A:
        """The running Application of a workflow, typed: `container.application(VehicleTransfers)`."""
        app = self.applications[kind.aggregate_type]
        assert isinstance(app, kind)
        return app

    def topic_of(self, aggregate_type: str) -> str:
        return next(spec.topic for spec in self.workflows if spec.aggregate_type == aggregate_type)

    @property
    def kafka_enabled(self) -> bool:
        return self.settings.kafka_enabled

    # ------------------------------------------------------------------ workers
    def start_workers(
        self, kinds: Iterable[str] = WORKER_KINDS, provinces: Iterable[str] | None = None
    ) -> None:
        for worker in self.build_workers(kinds, provinces):
            worker.start()
            self.workers.append(worker)

    def build_workers(self, kinds: Iterable[str], provinces: Iterable[str] | None = None) -> list[Worker]:
        kinds = set(kinds)
        built: list[Worker] = []
        # With a listener beside them, consumers are woken by every save; their own polling is only a
        # safety net (a Kafka poll returns as soon as records arrive, so it keeps the short interval).
        woken = "listener" in kinds and not self.kafka_enabled
        poll = self.settings.idle_poll_seconds if woken else self.settings.poll_interval_seconds
        if "relay" in kinds and self.kafka_enabled:
            built += self._relays()
        if "projection" in kinds:
            codes = list(provinces if provinces is not None else self.provinces)
            together = self._shared_database_provinces(codes)
            if together:
                built.append(self._province_group(together, poll))
            for code in codes:
                self.readmodel_signals.project_here(code)
                if code in together:
                    continue
                built.append(
                    ProjectionConsumer(
                        code,
                        self.province_feed(code),
                        self.readmodels,
                        poll_timeout=poll,
                        on_applied=partial(self.announce_applied, code),
                        announce=(APPLIED_CHANNEL, applied_payload(code)),
                        dead_letters=self.dead_letters,
                    )
                )
        if "deadlines" in kinds:
            built.append(
                DeadlineWatcher(
                    self.feed(
                        "xborder.deadlines",
                        self.deadlines.load_positions,
                        dead_letter_consumer=deadlines.CONSUMER,
                    ),
                    self.deadlines,
                    self.applications,
                    self.clock,
                    tick_seconds=self.settings.deadline_tick_seconds,
                    dead_letters=self.dead_letters,
                )
            )
        if "processes" in kinds:
            for manager in self.process_managers():
                feed = self.feed(
                    f"xborder.{manager.consumer}",
                    partial(load_consumer_positions, self.db, manager.consumer),
                    aggregate_types=manager.listens_to,
                    dead_letter_consumer=manager.consumer,
                )
                context = ProcessManagerContext(
                    feed=feed,
                    db=self.db,
                    applications=self.applications,
                    dead_letters=self.dead_letters,
                    poll_timeout=poll,
                )
                built.append(manager.build(context))
        if "listener" in kinds:
            built.append(DeliveryListener(self.database_url, self.wakeups, self.readmodel_signals))
        if "janitor" in kinds:
            built.append(
                IdempotencyJanitor(
                    self.idempotency,
                    interval_seconds=self.settings.idempotency_cleanup_interval_seconds,
                    batch_size=self.settings.idempotency_cleanup_batch_size,
                )
            )
        return built

    def _shared_database_provinces(self, codes: Sequence[str]) -> list[str]:
        """The provinces one consumer projects together (`ProvinceGroupConsumer`): those whose read
        models share the shared database, when there are two or more."""
        shared = [code for code in codes if code not in self.readmodels.own_databases]
        return shared if len(shared) >= 2 else []

    def _province_group(self, codes: Sequence[str], poll: float) -> ProvinceGroupConsumer:
        feeds = (
            self._kafka_province_feeds(codes) if self.kafka_enabled else self._routed_province_feeds(codes)
        )
        return ProvinceGroupConsumer(
            feeds,
            self.readmodels,
            dead_letters=self.dead_letters,
            poll_timeout=poll,
            on_applied=self.announce_applied,
            announce_channel=APPLIED_CHANNEL,
        )

    def _routed_province_feeds(self, codes: Sequence[str]) -> RoutedProvinceFeeds:
        wakeup = ProvincesWakeup()
        self.wakeups.join(codes, wakeup)
        together = RoutedTogether(codes, self.db.read)
        feeds: dict[str, NotificationLogFeed] = {}
        for code in codes:
            feed = self.province_feed(code, select=together.for_province(code))
            assert isinstance(feed, NotificationLogFeed)  # embedded mode
            feeds[code] = feed
        return RoutedProvinceFeeds(feeds, together, wakeup)

    def _kafka_province_feeds(self, codes: Sequence[str]) -> KafkaProvinceFeeds:
        """One consumer for these provinces' delivery topics; each province's positions and dead
        letters stay its own."""
        topics = {code: province_topic(code) for code in codes}
        loaders = [self._loader(code) for code in codes]
        handlers = {topic: self.dead_letters.handler(f"projection-{code}") for code, topic in topics.items()}
        # Named by its provinces: a process hosting another set is another group (Kafka's committed
        # offsets are never used; each assignment seeks to the provinces' stored positions).
        hosted = "all" if set(codes) == {p.code for p in PROVINCES} else "-".join(sorted(codes))
        feed = self._kafka_feed(
            f"xborder.projection.{hosted}",
            list(topics.values()),
            lambda: {source: n for load in loaders for source, n in load().items()},
            parked_by_topic(handlers),
        )
        return KafkaProvinceFeeds(feed, topics)

    def _kafka_feed(
        self,
        group_id: str,
        topics: list[str],
        load_positions: PositionLoader,
        on_unreadable: UnreadableHandler,
    ) -> Feed:
        """A projection's feed of these delivery topics, with the service's broker and credentials."""
        from xborder.infra.kafka import KafkaFeed, kafka_security

        assert self.settings.kafka_bootstrap_servers
        self._ensure_topics()
        return KafkaFeed(
            self.settings.kafka_bootstrap_servers,
            group_id=group_id,
            topics=topics,
            load_positions=load_positions,
            client_id=f"{self.settings.kafka_client_id}.{group_id}",
            on_unreadable=on_unreadable,
            security=kafka_security(self.settings),
        )

    def announce_applied(self, province: str, announced: bool = False) -> None:
        """A projection consumer of this process changed `province`'s read model: wake the reads
        waiting on it here, and — through the database, unless the batch's own transaction `announced`
        it already — in the API processes elsewhere."""
        self.readmodel_signals.notify(province)
        if announced:
            return
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_notify(%s, %s)", (APPLIED_CHANNEL, applied_payload(province)))

    def process_managers(self) -> list[ProcessManagerSpec]:
        return [manager for spec in self.workflows for manager in spec.process_managers]

    def province_feed(
        self,
        code: str,
        load_positions: PositionLoader | None = None,
        *,
        select: NotificationSelector | None = None,
    ) -> Feed:
        """What one province's projection consumer reads: its delivery topic (Kafka), or the event
        store's notifications routed to it — never another province's cases. Positions: the
        province's stored ones unless given."""
        on_unreadable = self.dead_letters.handler(f"projection-{code}")
        load_positions = load_positions or self._loader(code)
        if self.kafka_enabled:
            return self._kafka_feed(
                f"xborder.projection.{code}", [province_topic(code)], load_positions, on_unreadable
            )
        return NotificationLogFeed(
            self.log_sources(),
            load_positions,
            wakeup=self.wakeups.of(code),
            on_unreadable=on_unreadable,
            province=code,
            select=select if select is not None else RoutedNotifications(code, self.db.read),
            decoded=self.decoded,
        )

    def feed(
        self,
        group_id: str,
        load_positions: PositionLoader,
        *,
        aggregate_types: Iterable[str] | None = None,
        dead_letter_consumer: str | None = None,
    ) -> Feed:
        """A national consumer's feed (every event of these workflows, from the event store, in both
        modes); with `dead_letter_consumer`, records it cannot read are parked under that name and
        reading goes on (without, they stop the consumer). `group_id` names it in logs."""
        types = list(aggregate_types) if aggregate_types is not None else list(self.applications)
        on_unreadable = self.dead_letters.handler(dead_letter_consumer) if dead_letter_consumer else None
        sources = [s for s in self.log_sources() if s.aggregate_type in types]
        return NotificationLogFeed(
            sources,
            load_positions,
            wakeup=self.wakeups.national(s.application.name for s in sources),
            on_unreadable=on_unreadable,
            select=WholeLogs(self.db.read),
            decoded=self.decoded,
        )

    def log_sources(self) -> list[LogSource]:
        return log_sources_of(self.workflows, self.applications)

    def _ensure_topics(self) -> None:
        if self._topics_ready:
            return
        from xborder.infra.kafka import ensure_topics, kafka_security

        assert self.settings.kafka_bootstrap_servers
        for topics, partitions in (
            (_province_topics(), self.settings.kafka_province_partitions),
            (self._national_topics(), self.settings.kafka_partitions),
        ):
            ensure_topics(
                self.settings.kafka_bootstrap_servers,
                topics,
                partitions=partitions,
                replication_factor=self.settings.kafka_replication_factor,
                client_id=self.settings.kafka_client_id,
                security=kafka_security(self.settings),
            )
        self._topics_ready = True

    def delivery_topics(self) -> list[str]:
        """Every province's delivery topic (any of the 31 may be involved in a case, whichever this
        process projects), and the national stream's topics when it is on."""
        return _province_topics() + self._national_topics()

    def _national_topics(self) -> list[str]:
        return [spec.topic for spec in self.workflows] if self.settings.kafka_national_stream else []

    def _relays(self) -> list[Worker]:
        from xborder.infra.kafka import kafka_security, make_producer

        servers = self.settings.kafka_bootstrap_servers
        assert servers
        self._ensure_topics()
        positions = RelayPositions(self.db)
        return [
            Relay(
                source,
                self.topic_of(source.aggregate_type) if self.settings.kafka_national_stream else None,
                make_producer(
                    servers,
                    client_id=f"{self.settings.kafka_client_id}.relay",
                    security=kafka_security(self.settings),
                ),
                positions,
                wakeup=self.wakeups.national([source.application.name]),
                batch_size=self.settings.relay_batch_size,
                poll_interval=self.settings.poll_interval_seconds,
                dead_letters=self.dead_letters,
            )
            for source in self.log_sources()
        ]

    def _loader(self, province: str) -> Callable[[], Mapping[str, int]]:
        return lambda: self.readmodels.load_positions(province)

    def stop_workers(self) -> None:
        # All asked first, then awaited: each may be finishing a batch, and 31 provinces one after
        # another would add their waits up.
        for worker in self.workers:
            worker.signal_stop()
        for worker in self.workers:
            worker.join()
        self.workers.clear()

    def close(self) -> None:
        self.stop_workers()
        for app in self.applications.values():
            app.close()
        self.db.close()
        while self.closers:
            self.closers.pop()()


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> Container:
    clock = clock or SystemClock()
    closers: list[Callable[[], None]] = []
    if settings.database_url:
        # Every connection to it — pools, listener, events — with TLS and liveness parameters.
        url = connection_url(settings.database_url, settings)
    else:
        embedded = start_embedded_postgres(settings.data_dir)
        url = embedded.url
        closers.append(embedded.stop)
    db = Database(url, pool_size=settings.pg_pool_size)
    db.open()
    migrate_core(db)
    readmodel_dbs = _readmodel_databases(settings, url, db, closers)

    provinces = settings.provinces or [p.code for p in PROVINCES]
    for code in provinces:
        province_by_code(code)  # fail fast on a misconfigured list
    readmodels = ProvinceReadModels(
        db, {spec.aggregate_type: spec.case_kind() for spec in WORKFLOWS}, databases=readmodel_dbs
    )
    for code in provinces:
        readmodels.ensure_schema(code)

    privacy, keys_db = privacy_from_settings(settings, db)
    sealer = privacy.sealer if settings.privacy_seal_events else None
    if keys_db is not None:
        closers.append(keys_db.close)
    policy = DeadlinePolicy(calendar=_calendar(settings), zones=_zones(settings))
    wakeups = DeliveryWakeups()
    env = eventsourcing_env(url)
    applications: dict[str, CaseApplication[Any]] = {}
    dead_letters = DeadLetters(db, provinces=readmodel_dbs)
    holds = CatchingUpHolds(
        HoldsTable(db, {spec.aggregate_type: spec.holds for spec in WORKFLOWS if spec.holds is not None}),
        lambda: log_sources_of(WORKFLOWS, applications),
        dead_letters,
        select=WholeLogs(db.read),
    )
    # One process at a time creates the event store's tables: eventsourcing's `CREATE OR REPLACE
    # FUNCTION`s, run by processes starting together (relay, consumers, API), fail with "tuple
    # concurrently updated" (found by tests/faults).
    with db.transaction() as ddl:
        ddl.execute("SELECT pg_advisory_xact_lock(hashtext('xborder.event_store_ddl'))")
        for spec in WORKFLOWS:
            applications[spec.aggregate_type] = spec.application(
                env, policy=policy, holds=holds, on_recorded=wakeups.notify, sealer=sealer
            )
            backfill_routes(applications[spec.aggregate_type])

    issuer = issuer_from_settings(settings, clock)
    audit = AuditLog(db, clock=clock)
    return Container(
        settings=settings,
        clock=clock,
        database_url=url,
        db=db,
        applications=applications,
        readmodels=readmodels,
        deadlines=DeadlineTable(db),
        idempotency=IdempotencyStore(
            db, clock=clock, retention=timedelta(hours=settings.idempotency_retention_hours)
        ),
        issuer=issuer,
        jwt_secret=issuer.terms.secret,
        provinces=provinces,
        wakeups=wakeups,
        holds=holds,
        dead_letters=dead_letters,
        audit=audit,
        privacy=privacy,
        audit_writer=GroupCommit(audit),
        closers=closers,
    )


def _readmodel_databases(
    settings: Settings, shared_url: str, shared: Database, closers: list[Callable[[], None]]
) -> dict[str, Database]:
    """The provinces whose read model has a database of its own (`READMODEL_URL_<code>`), opened once
    per distinct URL (the shared URL means the shared database) and closed with the container. Each gets
    the dead-letter table: its projection parks records in the transaction of its rows and positions.
    Every province mapped is opened, not only those this process projects: the API reads any caller's."""
    opened: dict[str, Database] = {shared_url: shared}
    databases: dict[str, Database] = {}
    for code, given in sorted(settings.readmodel_urls.items()):
        url = connection_url(given, settings)  # compared with the shared URL, which has them too
        if url not in opened:
            own = Database(url, pool_size=settings.readmodel_pool_size, name=f"xborder-readmodel-{code}")
            own.open()
            closers.append(own.close)
            migrate_dead_letters(own)
            opened[url] = own
        databases[code] = opened[url]
    return databases


def log_sources_of(
    workflows: Sequence[WorkflowSpec], applications: Mapping[str, CaseApplication[Any]]
) -> list[LogSource]:
    """Each running workflow's notification log, with the contract its envelopes are built from: the
    only place feeds and relays learn which schemas an aggregate type's events are published under."""
    return [
        LogSource(spec.aggregate_type, applications[spec.aggregate_type], spec.events)
        for spec in workflows
        if spec.aggregate_type in applications
    ]


def _calendar(settings: Settings) -> WorkingCalendar:
    """The national calendar, the holidays file (if any) adding or replacing whole years of it."""
    if settings.holidays_file is None:
        return china_calendar()
    return china_calendar(calendar_from_dict(json.loads(settings.holidays_file.read_text(encoding="utf-8"))))


def _zones(settings: Settings) -> ZoneBook:
    national = national_terms(*(spec.terms for spec in WORKFLOWS))
    if settings.zones_file is None:
        return default_zone_book(national)
    return zone_book_from_dict(json.loads(settings.zones_file.read_text(encoding="utf-8")), national)


def _province_topics() -> list[str]:
    """Every province's delivery topic: any of the 31 may be involved in a case."""
    return [province_topic(p.code) for p in PROVINCES]
