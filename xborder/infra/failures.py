"""Telling a poison record from a passing fault, and describing either without personal data.

A consumer that meets a failure must choose: retry (the database restarted, a lock timed out, the
pool is exhausted: the same record will go through in a moment) or park the record (it will never go
through, and everything queued behind it would wait forever). Getting this wrong either way hurts: a
passing fault treated as poison parks good records; poison treated as a passing fault stops a
province. Errors of the infrastructure itself (a missing table, missing privileges) are not poison
either: they would park every record, so they are retried loudly until an operator fixes them.
"""

from __future__ import annotations

from typing import Final

import psycopg
from eventsourcing import persistence

from xborder.infra.logging import redact

# Faults of the connection or the server: retry.
PASSING_FAULTS: Final[tuple[type[Exception], ...]] = (
    psycopg.OperationalError,  # includes connection loss, pool timeouts, deadlocks, serialisation
    psycopg.InterfaceError,
    persistence.OperationalError,
    persistence.InterfaceError,
    persistence.ProgrammingError,
    psycopg.ProgrammingError,  # a missing table or privilege fails every record alike: not this record
    psycopg.InternalError,
    persistence.InternalError,
    ConnectionError,
    TimeoutError,
)

_MAX_DESCRIPTION: Final = 300


def is_passing_fault(error: BaseException) -> bool:
    """True when the same record is expected to succeed if tried again later."""
    return isinstance(error, PASSING_FAULTS)


def describe_failure(error: BaseException) -> str:
    """A one-line description fit for a log line or a dead letter.

    PostgreSQL's messages carry DETAIL and CONTEXT lines that quote the offending data (a JSON
    fragment with a name in it); only the class, the SQLSTATE and the primary message are kept.
    Other messages are cut short and pass through the log redaction (ID and phone numbers masked).
    """
    kind = type(error).__name__
    if isinstance(error, psycopg.Error):
        primary = error.diag.message_primary
        if primary is None:  # raised by the driver or the pool, not the server: no data in it
            primary = str(error).splitlines()[0] if str(error) else ""
        state = f" (SQLSTATE {error.sqlstate})" if error.sqlstate else ""
        return f"{kind}{state}: {redact(primary)[:_MAX_DESCRIPTION]}"
    cause = error.__cause__
    if isinstance(cause, psycopg.Error):  # eventsourcing wraps the driver's errors
        return f"{kind}: {describe_failure(cause)}"
    text = str(error)
    first_line = text.splitlines()[0] if text else ""
    return f"{kind}: {redact(first_line)[:_MAX_DESCRIPTION]}" if first_line else kind
