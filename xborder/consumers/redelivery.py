"""`xborder dead-letters retry ID`: apply a parked case again, from the event store.

A dead letter holds no payload, and the feed it came from (a Kafka partition) may have moved on or
hold an unreadable copy; the event store holds every event of the case. Retrying therefore reads the
case's events from the event store — with the catch-up replays a late-joining province receives, so
the envelopes are exactly those a feed delivers — and applies them with the consumer's own code, which
skips by version what it already has. Then the case's letters up to the versions applied are marked
retried. A consumer that parked a newer event of the case meanwhile (it still saw the case parked) is
caught by the next round, so nothing is marked retried that was not applied.

A letter of a province with its own read-model database lives there; its case is applied to that
database and its letters resolved there, in the database that holds the letter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from xborder.domain.application import CaseApplication
from xborder.infra.contracts import EventSchemas, envelopes_for
from xborder.infra.failures import describe_failure, is_passing_fault
from xborder.infra.feeds import FeedRecord, prior_events_of
from xborder.projections.dead_letters import PROJECTION_PREFIX, DeadLetter, DeadLetters
from xborder.projections.deadlines import CONSUMER as DEADLINES
from xborder.projections.deadlines import OVERDUE_CONSUMER, DeadlineTable
from xborder.projections.holds import CONSUMER as HOLDS
from xborder.projections.holds import HoldsTable
from xborder.projections.store import ProvinceReadModels

_ROUNDS = 5


class CannotRetry(Exception):
    """The letter cannot be retried (it names no case, it is not parked, its consumer is unknown);
    the message says what to do instead."""


@dataclass
class Redelivery:
    letters: DeadLetters
    applications: Mapping[str, CaseApplication[Any]]
    # aggregate type -> its workflow's integration-event contract (`WorkflowSpec.events`)
    contracts: Mapping[str, EventSchemas]
    readmodels: ProvinceReadModels
    holds: HoldsTable
    deadlines: DeadlineTable
    # process manager consumer -> applies records again (its own idempotent handling)
    process_managers: Mapping[str, Callable[[Sequence[FeedRecord]], object]]

    def retry(self, letter_id: str | int) -> str:
        """Apply the letter's case again for its consumer; a sentence saying what was done.
        `letter_id`: the letter's key (`7`, `510000:7`: see `DeadLetter.key`)."""
        letter = self.letters.get(letter_id)
        if letter is None:
            raise CannotRetry(f"there is no dead letter {letter_id}")
        if letter.status != "parked":
            raise CannotRetry(f"dead letter {letter_id} is already {letter.status}")
        if letter.aggregate_id is None:
            raise CannotRetry(
                f"dead letter {letter_id} names no case (its record could not be read at all): there is "
                "nothing to apply again. Find the record at its source and position, then discard the letter."
            )
        if letter.consumer == OVERDUE_CONSUMER:
            return self._retry_overdue(letter)
        apply = self._applier(letter.consumer)
        if apply is None:
            raise CannotRetry(
                f"dead letters of {letter.consumer} cannot be retried from here: a stored event the relay "
                "could not read needs the code that reads it (an upcaster), then "
                "`xborder projections rebuild` for the provinces of the case"
            )
        applied_up_to = 0
        for _ in range(_ROUNDS):
            records = self._records_of(letter.aggregate_type, letter.aggregate_id)
            try:
                apply(records)
            except Exception as error:
                if is_passing_fault(error):
                    raise
                raise CannotRetry(
                    f"case {letter.aggregate_id} still cannot be applied by {letter.consumer} "
                    f"({describe_failure(error)}); its letters stay parked"
                ) from None
            applied_up_to = max((r.envelope.version for r in records), default=0)
            resolved = self._resolve(letter, applied_up_to)
            if not self._still_parked(letter):
                return (
                    f"{letter.consumer}: case {letter.aggregate_id} applied up to version {applied_up_to}; "
                    f"{resolved} dead letter(s) marked retried"
                )
        raise CannotRetry(
            f"{letter.consumer} keeps parking newer events of case {letter.aggregate_id}; retry again"
        )

    # ------------------------------------------------------------------ per consumer
    def _applier(self, consumer: str) -> Callable[[Sequence[FeedRecord]], object] | None:
        if consumer.startswith(PROJECTION_PREFIX):
            province = consumer.removeprefix(PROJECTION_PREFIX)
            return lambda records: self.readmodels.apply(province, records)
        if consumer == HOLDS:
            return self.holds.apply
        if consumer == DEADLINES:
            return self.deadlines.apply
        return self.process_managers.get(consumer)

    def _retry_overdue(self, letter: DeadLetter) -> str:
        assert letter.aggregate_id is not None
        name = letter.source.removeprefix("deadline:")
        self.deadlines.reopen(letter.aggregate_id, name)
        with self.letters.transaction_of(letter) as conn:
            DeadLetters.resolve_case(conn, letter.consumer, letter.aggregate_id, "retried")
        return f"deadline {name} of case {letter.aggregate_id} is watched again"

    def _records_of(self, aggregate_type: str | None, case_id: UUID) -> list[FeedRecord]:
        for name, app in self.applications.items():
            if aggregate_type not in (None, name):
                continue
            events = list(app.events.get(case_id))
            if not events:
                continue
            prior = prior_events_of(app)
            return [
                FeedRecord(envelope, source="", next_position=0)
                for event in events
                for envelope in envelopes_for(name, event, prior, self.contracts[name])
            ]
        raise CannotRetry(f"the event store holds no case {case_id}")

    def _resolve(self, letter: DeadLetter, up_to: int) -> int:
        assert letter.aggregate_id is not None
        with self.letters.transaction_of(letter) as conn:
            return DeadLetters.resolve_case(
                conn, letter.consumer, letter.aggregate_id, "retried", up_to_version=up_to
            )

    def _still_parked(self, letter: DeadLetter) -> bool:
        assert letter.aggregate_id is not None
        with self.letters.transaction_of(letter) as conn:
            return bool(DeadLetters.parked_cases(conn, letter.consumer, [letter.aggregate_id]))
