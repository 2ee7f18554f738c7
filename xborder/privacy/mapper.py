"""The event store's mapper with personal values sealed on the way in (as Axon's data-protection
serializer does): everything downstream of the store — the relay, Kafka, the feeds, every province's
read model, a rebuild — carries the same ciphertext, and only a reader holding the subject's key, at
the moment it shows the value, opens it. Nothing is opened on the way out: an aggregate reloaded from
the store holds sealed values, which no decision of the domain reads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from xborder.privacy.sealing import Sealer


class SealingMapper(Mapper[UUID]):
    def __init__(self, *args: Any, sealer: Sealer, aggregate_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sealer = sealer
        self.aggregate_type = aggregate_type

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        event_state = self.sealer.seal_state(
            event_state, aggregate_type=self.aggregate_type, case_id=originator_id
        )
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        stored_state = self.transcoder.encode(event_state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(domain_event.__class__),
            state=stored_state,
        )
