"""`xborder` — the service's command line: serve, token, and the workers as separate processes."""

from __future__ import annotations

import argparse
import os
import signal
import ssl
import sys
import threading
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from xborder.domain.actors import Role
from xborder.infra.settings import Settings

_ROLES = [r.value for r in Role if r is not Role.SYSTEM]
_LETTER_KEY_HELP = "as `dead-letters list` prints it: 7, or 510000:7 for a province's own read-model database"


def _letter_key(text: str) -> str:
    """A dead letter's key, checked before anything connects (argparse reports a bad one)."""
    from xborder.projections.dead_letters import parse_letter_key

    try:
        parse_letter_key(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text.strip()


def _demo_cases(text: str) -> int:
    """`--cases`, checked before anything connects: fewer than one case per plan cannot show every status."""
    from xborder.demo import MIN_CASES

    try:
        cases = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if cases < MIN_CASES:
        raise argparse.ArgumentTypeError(f"at least {MIN_CASES} (one of each kind of case the demo makes)")
    return cases


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xborder", description="Cross-province traffic-police cooperation")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="API + relay + projections + deadline watcher in one process")
    serve.add_argument("--host", default=None, help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="listen port (default 8000)")

    token = commands.add_parser("token", help="print a signed development JWT")
    token.add_argument("--sub", required=True, help="account id")
    token.add_argument("--province", required=True, help="6-digit province code, e.g. 500000")
    token.add_argument("--role", required=True, choices=_ROLES)
    token.add_argument("--org", default=None, help="organisation (insurers: the insurer's name)")

    commands.add_parser(
        "work", help="every worker (relay, projections, deadlines, processes...) without the API"
    )
    commands.add_parser("relay", help="publish the event store to Kafka")
    project = commands.add_parser("project", help="build provinces' read models")
    which = project.add_mutually_exclusive_group(required=True)
    which.add_argument("--province", action="append", help="province code (repeatable)")
    which.add_argument("--all", action="store_true", help="every configured province")
    commands.add_parser("watch-deadlines", help="record ...Overdue events when deadlines pass")
    commands.add_parser("processes", help="process managers (a fled-driver rescue opens a hit-and-run case)")
    projections = commands.add_parser("projections", help="maintain the provinces' read models")
    projection_commands = projections.add_subparsers(dest="projections_command", required=True)
    rebuild = projection_commands.add_parser("rebuild", help="replay the event store into a fresh read model")
    rebuild.add_argument("--province", required=True, action="append", help="province code (repeatable)")

    status = commands.add_parser("status", help="each consumer's lag and parked records (dead letters)")
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    letters = commands.add_parser("dead-letters", help="records a consumer could not apply")
    letter_commands = letters.add_subparsers(dest="letters_command", required=True)
    listing = letter_commands.add_parser("list", help="the parked letters (all with --all)")
    listing.add_argument("--all", action="store_true", help="retried and discarded ones too")
    listing.add_argument("--consumer", default=None, help="only this consumer's, e.g. projection-510000")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    retry = letter_commands.add_parser("retry", help="apply the letter's case again, from the event store")
    retry.add_argument("id", type=_letter_key, help=_LETTER_KEY_HELP)
    discard = letter_commands.add_parser("discard", help="mark a letter as dealt with by an operator")
    discard.add_argument("id", type=_letter_key, help=_LETTER_KEY_HELP)

    calendar = commands.add_parser("calendar", help="the working-day calendar's known years and its horizon")
    calendar_commands = calendar.add_subparsers(dest="calendar_command", required=True)
    calendar_commands.add_parser(
        "show", help="the years the holiday calendar knows, and whether it ends soon"
    )
    calendar_commands.add_parser(
        "apply",
        help="after a year's holiday schedule is added: recount provisional deadlines of open cases "
        "(records DeadlineRevised where a due time changes; running it again changes nothing)",
    )

    audit = commands.add_parser("audit", help="the audit log of sensitive reads")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="recompute the hash chains; name the first broken row of each (exit 1 if any)"
    )
    verify.add_argument("--chain", default=None, help="only this chain: a province code, or national")

    _add_privacy(commands)

    demo = commands.add_parser(
        "demo", help="seed demo cases in every workflow and status (each run adds another batch)"
    )
    # Defaults None: xborder.demo's own (300 cases, seed 2026), without importing it for every command.
    demo.add_argument("--cases", type=_demo_cases, default=None, help="how many cases (default 300)")
    demo.add_argument("--seed", type=int, default=None, help="the same seed, the same cases (default 2026)")

    contracts = commands.add_parser(
        "contracts", help="write the AsyncAPI document of every topic and event type (docs/asyncapi.yaml)"
    )
    contracts.add_argument("--output", default="docs/asyncapi.yaml", help="where to write it ('-': stdout)")
    contracts.add_argument("--check", action="store_true", help="fail if the file is not what it would write")

    return parser


def _add_privacy(commands: Any) -> None:
    privacy = commands.add_parser("privacy", help="data subjects' keys: erasure and master-key rotation")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)
    erase = privacy_commands.add_parser(
        "erase",
        help="destroy a data subject's key (crypto-shredding) unless a legal hold keeps the data; "
        "exit 1 with the reasons if refused",
    )
    erase.add_argument("--subject", help="the person's resident ID number")
    erase.add_argument("--casualty", metavar="CASE_ID:REF", help="a rescue's casualty, by case and reference")
    erase.add_argument("--reason", required=True, help="the request's ground (PIPL Art. 47), recorded")
    erase.add_argument("--operator", default="operator", help="who runs it, recorded (default: operator)")
    privacy_commands.add_parser(
        "rewrap", help="rewrap every subject key with the current master key (PRIVACY_MASTER_KEY_ID)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "contracts":  # needs no settings: it reads the workflow registry only
        return _contracts(args.output, check=args.check)
    try:
        settings = Settings()
    except ValidationError as error:  # e.g. production without TLS: say what to set, without a traceback
        for detail in error.errors(include_url=False):
            cause = detail.get("ctx", {}).get("error")
            where = ".".join(map(str, detail["loc"]))
            message = str(cause) if cause is not None else detail["msg"]
            print(f"xborder: {where + ': ' if where else ''}{message}", file=sys.stderr)
        return 2
    if args.command == "token":
        return _token(settings, args)
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "projections":
        return _rebuild(settings, args.province)
    if args.command == "demo":
        return _demo(settings, cases=args.cases, seed=args.seed)
    if args.command == "calendar":
        return _calendar(settings, args.calendar_command)
    if args.command == "audit":
        return _audit_verify(settings, args.chain)
    if args.command == "privacy":
        return _privacy(settings, args)
    if args.command == "status":
        from xborder.operations import print_status

        return print_status(settings, as_json=args.json)
    if args.command == "dead-letters":
        from xborder.operations import dead_letters_command

        return dead_letters_command(settings, args)
    kinds = {
        "work": list(_all_worker_kinds()),
        "relay": ["relay"],
        "project": ["projection"],
        "watch-deadlines": ["deadlines"],
        "processes": ["processes"],
    }[args.command]
    provinces = None if args.command != "project" or args.all else args.province
    if args.command != "work":
        kinds.append("listener")  # woken by other processes' saves at once, not at the next poll
    return _run_workers(settings, kinds, provinces)


def _contracts(output: str, *, check: bool) -> int:
    """Write (or, with `check`, compare) the AsyncAPI document generated from the registry."""
    from pathlib import Path

    from xborder.asyncapi import render
    from xborder.workflows.registry import WORKFLOWS

    text = render(WORKFLOWS)
    if output == "-":
        sys.stdout.write(text)
        return 0
    path = Path(output)
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run `make contracts`", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    from xborder.infra.clock import SystemClock
    from xborder.infra.tokens import issuer_from_settings

    issuer = issuer_from_settings(settings, SystemClock())
    try:
        jwt = issuer.mint(sub=args.sub, province=args.province, role=args.role, org=args.org)
    except ValueError as error:
        print(f"xborder token: {error}", file=sys.stderr)
        return 2
    print(f"# {args.role} {args.sub} @ {args.province}, valid {settings.token_ttl_seconds}s", file=sys.stderr)
    print(jwt)
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from xborder.infra.logging import configure_logging

    configure_logging(settings.log_level)
    host = args.host or settings.host
    port = args.port or settings.port
    tls = _uvicorn_tls(settings)
    scheme = "https" if tls else "http"
    print(
        f"xborder: API on {scheme}://{host}:{port} (docs at /docs). Get a development token with e.g.\n"
        "  .venv/bin/xborder token --sub alice --province 500000 --role owner",
        flush=True,
    )
    if settings.dev_signin:
        print(
            f"xborder: console on {scheme}://{host}:{port}/ — sign in at {scheme}://{host}:{port}/signin "
            "(development sign-in; its page seeds demo data in one click)",
            flush=True,
        )
    if not (settings.run_workers and settings.serve_workers_apart):
        uvicorn.run("xborder.service:create_app", factory=True, host=host, port=port, log_config=None, **tls)
        return 0
    from xborder.workers_apart import WorkersApart

    # uvicorn re-raises the signal that stopped it once it has shut down; as an exception here, it
    # leaves through `WorkersApart.__exit__`, which stops the workers' process and the embedded database.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with WorkersApart(settings):
        uvicorn.run("xborder.service:create_app", factory=True, host=host, port=port, log_config=None, **tls)
    return 0


def _uvicorn_tls(settings: Settings) -> dict[str, Any]:
    """uvicorn's TLS arguments from TLS_CERTFILE/TLS_KEYFILE (none: plain HTTP), and with
    TLS_CLIENT_CA_FILE a client certificate that CA issued is required (mutual TLS)."""
    if settings.tls_certfile is None or settings.tls_keyfile is None:
        return {}
    tls: dict[str, Any] = {
        "ssl_certfile": str(settings.tls_certfile),
        "ssl_keyfile": str(settings.tls_keyfile),
    }
    if settings.tls_client_ca_file is not None:
        tls |= {"ssl_ca_certs": str(settings.tls_client_ca_file), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    return tls


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _rebuild(settings: Settings, provinces: list[str]) -> int:
    from xborder.bootstrap import bootstrap
    from xborder.domain.provinces import province_by_code
    from xborder.infra.logging import configure_logging
    from xborder.projections.rebuild import rebuild_province

    configure_logging(settings.log_level)
    for code in provinces:
        province_by_code(code)
    container = bootstrap(settings)
    try:
        for code in provinces:
            result = rebuild_province(
                container.readmodels, container.log_sources(), code, dead_letters=container.dead_letters
            )
            print(f"{code}: rebuilt from {result.events_read} events ({result.applied} applied)")
    finally:
        container.close()
    return 0


def _demo(settings: Settings, *, cases: int | None, seed: int | None) -> int:
    """Seed the demo through the Applications of this settings' container and print its summary; the
    read models, overdue marks and follow-up cases come from the workers, whenever they run."""
    from xborder.bootstrap import bootstrap
    from xborder.demo import DEFAULT_CASES, DEFAULT_SEED, seed_demo
    from xborder.infra.logging import configure_logging

    configure_logging(settings.log_level)
    container = bootstrap(settings)
    try:
        summary = seed_demo(
            container,
            cases=DEFAULT_CASES if cases is None else cases,
            seed=DEFAULT_SEED if seed is None else seed,
        )
    finally:
        container.close()
    print("\n".join(summary.lines()))
    return 0


def _calendar(settings: Settings, command: str) -> int:
    """`calendar show`: the calendar's years and horizon; `calendar apply`: revise provisional deadlines."""
    from xborder.bootstrap import bootstrap
    from xborder.calendar_apply import apply_calendar
    from xborder.domain.calendar import CST
    from xborder.infra.logging import configure_logging

    configure_logging(settings.log_level)
    container = bootstrap(settings)
    try:
        calendar = container.calendar
        if command == "show":
            years = sorted(calendar.known_years or ())
            print(f"known years: {', '.join(map(str, years))}; horizon: {calendar.horizon}")
            warning = calendar.horizon_warning(container.clock.now().astimezone(CST).date())
            if warning:
                print(f"warning: {warning}")
            return 0
        revised = apply_calendar(container)
    finally:
        container.close()
    for revision in revised:
        print(f"revised: {revision.aggregate_type} {revision.case_id}")
    print(f"{len(revised)} case(s) revised")
    return 0


def _privacy(settings: Settings, args: argparse.Namespace) -> int:
    """`privacy erase`: erase a subject or say why not; `privacy rewrap`: rotate the master key."""
    from uuid import UUID

    from xborder.bootstrap import bootstrap
    from xborder.domain.actors import Actor, Role
    from xborder.domain.errors import InvalidValue
    from xborder.infra.logging import configure_logging
    from xborder.privacy.erasure import casualty_subject, erase, person_subject

    configure_logging(settings.log_level)
    container = bootstrap(settings)
    try:
        privacy = container.privacy
        if args.privacy_command == "rewrap":
            print(f"{privacy.keys.rewrap()} key(s) rewrapped with master key {privacy.keys.master.current}")
            return 0
        if (args.subject is None) == (args.casualty is None):
            print("xborder: give --subject ID_NUMBER or --casualty CASE_ID:REF", file=sys.stderr)
            return 2
        try:
            if args.subject is not None:
                subject = person_subject(privacy, args.subject)
            else:
                case_id, _, ref = args.casualty.partition(":")
                subject = casualty_subject(privacy, UUID(case_id), ref)
        except (InvalidValue, ValueError) as error:
            print(f"xborder: {error}", file=sys.stderr)
            return 2
        operator = Actor(sub=args.operator, province=None, role=Role.PRIVACY_OFFICER)
        outcome = erase(
            privacy,
            container.applications,
            container.audit,
            subject,
            operator,
            ground=args.reason,
            path="cli:privacy erase",
        )
    finally:
        container.close()
    if outcome.erased:
        print(
            f"erased subject {outcome.subject}: {outcome.keys_destroyed} key(s) destroyed, "
            f"{outcome.cases} case(s) now show its fields as erased (record {outcome.record_id})"
        )
        return 0
    print(f"refused: the data of subject {outcome.subject} must be kept (record {outcome.record_id}):")
    for reason in outcome.reasons:
        print(f"  - {reason}")
    return 1


def _audit_verify(settings: Settings, chain: str | None) -> int:
    """`audit verify`: each chain's rows checked and head, "intact" or its first broken row; 1 if any."""
    from xborder.bootstrap import bootstrap
    from xborder.infra.logging import configure_logging

    configure_logging(settings.log_level)
    container = bootstrap(settings)
    try:
        result = container.audit.verify(chain)
    finally:
        container.close()
    if not result.chains:
        print(f"chain {chain}: no rows" if chain else "no audit rows recorded")
    for report in result.chains:
        head = f"head seq {report.head_seq} sha256 {report.head_hash.hex()}" if report.head_hash else "empty"
        if report.broken is None:
            print(f"chain {report.chain}: {report.rows} rows checked, intact ({head})")
        else:
            broken = report.broken
            print(
                f"chain {report.chain}: {report.rows} rows checked, BROKEN at seq {broken.seq} "
                f"(chain {broken.chain}): {broken.why}"
            )
    return 0 if result.intact else 1


def _all_worker_kinds() -> tuple[str, ...]:
    from xborder.bootstrap import WORKER_KINDS

    return WORKER_KINDS


def _run_workers(settings: Settings, kinds: list[str], provinces: list[str] | None) -> int:
    from pathlib import Path

    from xborder.bootstrap import bootstrap
    from xborder.consumers.status_file import STATUS_FILE_ENV, StatusWriter
    from xborder.infra.collector import settle_after_start
    from xborder.infra.logging import configure_logging

    configure_logging(settings.log_level)
    container = bootstrap(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    container.start_workers(kinds, provinces)
    settle_after_start()
    parent = os.environ.get("XBORDER_SERVE_PID")  # run by `xborder serve`: end with it, never orphaned
    status_file = os.environ.get(STATUS_FILE_ENV)  # and tell its /readyz how the workers stand
    writer = None
    if status_file:
        writer = StatusWriter(Path(status_file), lambda: [w.status() for w in container.workers])
        writer.start()
    try:
        while not stop.wait(1.0):
            if parent is not None and str(os.getppid()) != parent:
                return 0
            failed = [w for w in container.workers if w.error]
            if failed:
                print(f"xborder: worker stopped: {failed[0].name}: {failed[0].error}", file=sys.stderr)
                return 1
    finally:
        if writer is not None:
            writer.stop()
        container.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
