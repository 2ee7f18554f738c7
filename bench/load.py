"""Load against a live service over HTTP: closed-loop throughput and open-loop command-to-visible lag.

Closed loop (`command_throughput`): N clients, each with its own keep-alive connection, post transfer
applications back to back for a warm-up and then a fixed duration. What it finds is the service's
capacity with N users pushing as hard as they can.

Open loop (`visibility_lag`): applications are sent at a fixed rate whatever the service does (a user
does not wait for someone else's answer before applying), each one followed by two reads, one per
involved province, that wait on the server for the case's version (`?min_version=N&wait=S`, the API's
read-your-writes). The time from sending the command to both answers is how long a user waits before
both provinces see the case. A closed loop would hide a slow service by sending less (coordinated
omission); the open loop keeps offering the rate and reports the rate actually achieved.

Nothing here asserts on a timing; failures are counted, with the first one kept for the report.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import deque
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from bench.bodies import Application, ApplicationFactory, Callers
from bench.http_client import Client, HttpError, Response, TransportError
from bench.machine import CpuMeter, load_average
from bench.serve import Served
from bench.stats import Samples
from xborder.domain.provinces import Province

_READ_WAIT_S = 10  # the API's maximum `wait`
_VISIBLE_LIMIT_S = 30.0  # give up on a case not visible in both provinces after this long
_CATCH_UP_LIMIT_S = 120.0  # and on a province's projection catching up after the throughput load


@dataclass
class _ClientLog:
    """What one client saw during the measured window."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None
    # The latest accepted application involving each province, and its answer: after the load stops,
    # reading these tells when every province's projection has caught up with it.
    latest: dict[str, tuple[Application, Response]] = field(default_factory=dict)


def command_throughput(
    url: str,
    factory: ApplicationFactory,
    callers: Callers,
    *,
    clients: int,
    warmup_s: float,
    duration_s: float,
    meter: CpuMeter,
    catch_up: bool,
) -> dict[str, Any]:
    """`clients` concurrent users POST /v1/transfers back to back, each on a keep-alive connection of
    its own; commands/s and latency over `duration_s` after `warmup_s` (requests started in the
    warm-up are not counted). With `catch_up`, then how long after the load stopped every province's
    read model held its latest case."""
    logs = [_ClientLog() for _ in range(clients)]
    load_before = load_average()

    async def client(http: Client, log: _ClientLog, measure_from: float, until: float) -> None:
        while (sent := time.perf_counter()) < until:
            application = factory.next()
            response: Response | None = None
            try:
                response = await http.post(
                    "/v1/transfers", json=application.body, headers=callers.owner(application)
                )
                status = response.status_code
                detail = response.text if status != 201 else ""
            except HttpError as error:
                status, detail = 0, str(error)
            answered = time.perf_counter()
            if sent < measure_from:
                continue
            log.statuses[str(status)] = log.statuses.get(str(status), 0) + 1
            if response is not None and status == 201:
                log.latencies.append(answered - sent)
                log.latest[application.origin.code] = (application, response)
                log.latest[application.destination.code] = (application, response)
            else:
                log.errors += 1
                if log.first_error is None:
                    log.first_error = f"{status} {detail[:300]}"

    async def metered(measure_from: float) -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        meter.start()

    async def load() -> float:
        async with AsyncExitStack() as stack:
            https = [await stack.enter_async_context(Client(url, connections=1, timeout=60)) for _ in logs]
            measure_from = time.perf_counter() + warmup_s
            until = measure_from + duration_s
            await asyncio.gather(
                metered(measure_from),
                *(client(http, log, measure_from, until) for http, log in zip(https, logs, strict=True)),
            )
        return time.perf_counter()

    stopped = asyncio.run(load())

    samples = Samples("POST /v1/transfers")
    statuses: dict[str, int] = {}
    for log in logs:
        samples.latencies += log.latencies
        samples.errors += log.errors
        samples.first_error = samples.first_error or log.first_error
        for status, n in log.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    ok = len(samples.latencies)
    cpu = meter.stop(ok)  # includes the drain of the last in-flight requests: at most one per client
    caught_up = _catch_up(url, callers, logs, stopped) if catch_up else None
    summary = samples.summary()
    summary.pop("wall_s", None)
    return {
        "clients": clients,
        "warmup_s": warmup_s,
        "duration_s": duration_s,
        "commands": ok,
        "commands_per_s": round(ok / duration_s, 1),
        "latency": summary,
        "errors": samples.errors,
        "first_error": samples.first_error,
        "statuses": statuses,
        "cpu": cpu,
        "catch_up": caught_up,
        "load_average_1m": {"start": load_before, "end": load_average()},
    }


def served_throughput(
    served: Served,
    database_url: str,
    factory: ApplicationFactory,
    callers: Callers,
    args: argparse.Namespace,
    *,
    catch_up: bool,
) -> dict[str, Any]:
    """`command_throughput` against a running `xborder serve` with a program's `--clients`,
    `--warmup` and `--duration`, its CPU metered with the phase's database."""
    return command_throughput(
        served.url,
        factory,
        callers,
        clients=args.clients,
        warmup_s=args.warmup,
        duration_s=args.duration,
        meter=CpuMeter(served.pid, database_url),
        catch_up=catch_up,
    )


def _catch_up(url: str, callers: Callers, logs: list[_ClientLog], stopped: float) -> dict[str, Any]:
    """Seconds from the end of the load until each province answered its latest case at that case's
    version (read concurrently, waiting on the server): the projection backlog the load left behind."""
    latest: dict[str, tuple[Application, Response]] = {}
    for log in logs:
        for code, (application, response) in log.latest.items():
            if code not in latest or latest[code][0].serial < application.serial:
                latest[code] = (application, response)

    async def province(http: Client, code: str) -> float | str:
        application, response = latest[code]
        answer = response.json()
        which = application.origin if application.origin.code == code else application.destination
        seen = await _visible(
            http,
            callers,
            application,
            which,
            answer["id"],
            int(answer["version"]),
            stopped,
            limit_s=_CATCH_UP_LIMIT_S,
        )
        return seen if isinstance(seen, str) else round(seen - stopped, 3)

    async def all_provinces() -> list[float | str]:
        async with Client(url, connections=len(latest) + 1, timeout=_READ_WAIT_S + 20.0) as http:
            return list(await asyncio.gather(*(province(http, code) for code in sorted(latest))))

    results = dict(zip(sorted(latest), asyncio.run(all_provinces()), strict=True))
    seconds = [v for v in results.values() if isinstance(v, float)]
    failed = {code: v for code, v in results.items() if isinstance(v, str)}
    return {
        "provinces": len(results),
        "all_caught_up_s": max(seconds) if seconds and not failed else None,
        "first_caught_up_s": min(seconds) if seconds else None,
        "failed": failed,
    }


# ------------------------------------------------------------------------------------- open loop
@dataclass
class _Outcome:
    """One measured application: seconds from its scheduled send to each milestone it reached."""

    late: float = 0.0  # queued - scheduled: the client keeping its schedule
    queued: float = 0.0  # picked up by a user - scheduled: waiting for a free user
    answered: float | None = None
    origin: float | None = None
    destination: float | None = None
    error: str | None = None
    refused: bool = False  # the command was answered 503 (the service shedding load): not retried


@dataclass
class _Counters:
    reads: int = 0  # GETs sent (a 202 after `wait` sends another)
    in_flight: int = 0
    in_flight_max: int = 0
    last_answered: float | None = None  # perf_counter time of the last measured 201


def visibility_lag(
    url: str,
    factory: ApplicationFactory,
    callers: Callers,
    *,
    rate: float,
    warmup_s: float,
    duration_s: float,
    users: int,
    meter: CpuMeter,
) -> dict[str, Any]:
    """Offer `rate` applications a second for `warmup_s` + `duration_s`; for those scheduled after the
    warm-up, the time from their scheduled send to the 201 and to the case being visible in each
    involved province. An application not visible in both within `_VISIBLE_LIMIT_S` of its scheduled
    send is abandoned and counted as timed out, so an overloaded service ends the phase on time."""
    load_before = load_average()
    outcomes, counters, first_scheduled, cpu = asyncio.run(
        _open_loop(url, factory, callers, rate, warmup_s, duration_s, users, meter)
    )
    answered = [o.answered for o in outcomes if o.answered is not None]
    both = [
        max(o.origin, o.destination) for o in outcomes if o.origin is not None and o.destination is not None
    ]
    # Answers over the time from the first measured send to the last answer: the offered rate when the
    # service keeps up, less when a backlog built up and took longer than the schedule to clear.
    span = counters.last_answered - first_scheduled if counters.last_answered is not None else None
    errors = [o.error for o in outcomes if o.error]
    admitted = [o for o in outcomes if not o.refused]
    return {
        "offered_per_s": rate,
        "duration_s": duration_s,
        "warmup_s": warmup_s,
        "users": users,
        "limit_s": _VISIBLE_LIMIT_S,
        "offered": len(outcomes),
        "commands_answered": len(answered),
        "achieved_commands_per_s": round(len(answered) / span, 1) if span else None,
        "answer_span_s": round(span, 3) if span is not None else None,
        "visible_in_both": len(both),
        "not_visible_in_both": len(outcomes) - len(both),
        "first_error": errors[0] if errors else None,
        "command": _open_summary(answered, len(outcomes)),
        "visible_origin": _open_summary([o.origin for o in outcomes if o.origin is not None], len(outcomes)),
        "visible_destination": _open_summary(
            [o.destination for o in outcomes if o.destination is not None], len(outcomes)
        ),
        "visible_both": _open_summary(both, len(outcomes)),
        # The service refused these commands at once (503 service.overloaded: load shed); the
        # percentiles below are over the applications it admitted, each missing one slower than all.
        "commands_refused": len(outcomes) - len(admitted),
        "admitted_command": _open_summary(
            [o.answered for o in admitted if o.answered is not None], len(admitted)
        ),
        "admitted_visible_both": _open_summary(
            [
                max(o.origin, o.destination)
                for o in admitted
                if o.origin is not None and o.destination is not None
            ],
            len(admitted),
        ),
        "schedule_late": Samples("late", latencies=[o.late for o in outcomes]).summary(),
        "queued_for_user": Samples("queued", latencies=[o.queued for o in outcomes]).summary(),
        "reads_sent": counters.reads,
        "in_flight_max": counters.in_flight_max,
        "cpu": cpu,
        "load_average_1m": {"start": load_before, "end": load_average()},
    }


def _open_summary(seconds: list[float], offered: int) -> dict[str, Any]:
    """Percentiles over every offered application, one that never got there counting as slower than
    any that did: when more than 5 % are missing, p95 is reported as None ("over the limit") rather
    than as the p95 of the lucky ones."""
    summary = Samples("", latencies=seconds).summary()
    missing = offered - len(seconds)
    summary["missing"] = missing
    if missing and seconds:
        ordered = sorted(s * 1000.0 for s in seconds)
        for q in (50, 95, 99):
            rank = (offered - 1) * q / 100.0
            summary[f"p{q}_ms"] = round(ordered[int(rank)], 3) if rank <= len(ordered) - 1 else None
        summary["max_ms"] = summary["mean_ms"] = None
    return summary


@dataclass
class _User:
    """One simulated user: a connection for commands and two for the reads that follow them."""

    commands: Client
    reads: Client


_Job = tuple[Application, float, _Outcome]


async def _open_loop(
    url: str,
    factory: ApplicationFactory,
    callers: Callers,
    rate: float,
    warmup_s: float,
    duration_s: float,
    users: int,
    meter: CpuMeter,
) -> tuple[list[_Outcome], _Counters, float, dict[str, Any]]:
    """The schedule hands each application to an idle user, or queues it when all `users` are busy;
    a user that finishes takes the oldest queued application. Queued time is still on the clock: an
    application's times run from when it was scheduled.

    Each user has its own connections (`bench.http_client`), not one shared pool: a pool that
    reassigns every queued request to a connection on each request's start and end (httpx's did) makes
    the client's own CPU grow with the square of the requests in flight, and then it, not the service,
    sets the pace. Idle users are
    a stack (the one that finished last goes first), so at low rates a few users stay busy on warm
    connections instead of every user's connection expiring between its turns."""
    counters = _Counters()
    outcomes: list[_Outcome] = []
    backlog: deque[_Job] = deque()
    tasks: list[asyncio.Task[None]] = []

    def client(connections: int) -> Client:
        return Client(url, connections=connections, timeout=_READ_WAIT_S + 5.0)

    async def serve(user: _User, job: _Job | None) -> None:
        while job is not None:
            application, scheduled, outcome = job
            counters.in_flight += 1
            counters.in_flight_max = max(counters.in_flight_max, counters.in_flight)
            outcome.queued = time.perf_counter() - scheduled
            try:
                await asyncio.wait_for(
                    _command_then_reads(
                        user.commands, user.reads, callers, application, scheduled, outcome, counters
                    ),
                    timeout=max(0.0, scheduled + _VISIBLE_LIMIT_S - time.perf_counter()),
                )
            except TimeoutError:
                outcome.error = (
                    outcome.error or f"not visible in both provinces within {_VISIBLE_LIMIT_S:.0f}s"
                )
            finally:
                counters.in_flight -= 1
            job = backlog.popleft() if backlog else None
        idle.append(user)

    async with AsyncExitStack() as stack:
        idle = [
            _User(
                commands=await stack.enter_async_context(client(1)),
                reads=await stack.enter_async_context(client(2)),
            )
            for _ in range(users)
        ]
        total = int(rate * (warmup_s + duration_s))
        first_measured = int(rate * warmup_s)
        begin = time.perf_counter() + 0.05
        first_scheduled = begin + first_measured / rate
        for i in range(total):
            if i == first_measured:
                meter.start()
            scheduled = begin + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            outcome = _Outcome()
            if i >= first_measured:
                outcomes.append(outcome)
            job = (factory.next(), scheduled, outcome)
            if idle:
                tasks.append(asyncio.create_task(serve(idle.pop(), job)))
            else:
                backlog.append(job)
            outcome.late = time.perf_counter() - scheduled
        # The schedule is over: CPU from here on is the tail of the last commands, not the offered rate.
        cpu = meter.stop(total - first_measured)
        await asyncio.gather(*tasks)
    return outcomes, counters, first_scheduled, cpu


async def _command_then_reads(
    commands: Client,
    reads: Client,
    callers: Callers,
    application: Application,
    scheduled: float,
    outcome: _Outcome,
    counters: _Counters,
) -> None:
    try:
        response = await commands.post(
            "/v1/transfers", json=application.body, headers=callers.owner(application)
        )
    except HttpError as error:
        outcome.error = str(error)
        return
    if response.status_code != 201:
        outcome.error = f"{response.status_code} {response.text[:300]}"
        outcome.refused = response.status_code == 503
        return
    now = time.perf_counter()
    outcome.answered = now - scheduled
    counters.last_answered = max(counters.last_answered or now, now)
    answer = response.json()
    case_id, version = answer["id"], int(answer["version"])

    async def seen(province: Province) -> float | str:
        return await _visible(reads, callers, application, province, case_id, version, scheduled, counters)

    origin, destination = await asyncio.gather(seen(application.origin), seen(application.destination))
    if isinstance(origin, float):
        outcome.origin = origin - scheduled
    if isinstance(destination, float):
        outcome.destination = destination - scheduled
    for problem in (origin, destination):
        if isinstance(problem, str):
            outcome.error = outcome.error or problem


async def _visible(
    http: Client,
    callers: Callers,
    application: Application,
    province: Province,
    case_id: str,
    version: int,
    sent: float,
    counters: _Counters | None = None,
    limit_s: float = _VISIBLE_LIMIT_S,
) -> float | str:
    """When `province`'s read model answered with `version` (a perf_counter time), or what went wrong."""
    query = f"/v1/transfers/{case_id}?min_version={version}&wait={_READ_WAIT_S}"
    headers = callers.reader(province, application.serial)
    while time.perf_counter() - sent < limit_s:
        if counters is not None:
            counters.reads += 1
        try:
            response = await http.get(query, headers=headers)
        except TransportError:
            try:  # a read is safe to send again, as any client would on a dropped connection
                response = await http.get(query, headers=headers)
            except HttpError as error:
                return f"{province.code}: {error}"
        except HttpError as error:
            return f"{province.code}: {error}"
        if response.status_code == 200 and int(response.json()["version"]) >= version:
            return time.perf_counter()
        if response.status_code in (429, 503):  # too many waiting reads, or load shed: a read is retried
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
        elif response.status_code != 202:
            return f"{province.code}: {response.status_code} {response.text[:300]}"
    return f"{province.code}: not visible after {limit_s:.0f}s"
