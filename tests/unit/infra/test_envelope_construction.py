"""`envelope_from_event` builds its models without pydantic's `model_construct` walk
(`contracts._trusted`) and its event ids without `uuid.uuid5`'s general path: what it makes must be
exactly what those would have made — the same fields in the same order, the same fields set, the same
JSON — and the models must stay of the kind that shortcut is for."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from tests.unit.test_event_contract import SPECS, samples
from xborder.infra import contracts
from xborder.infra.contracts import DeadlineChanges, Envelope, envelope_from_event, event_id_for


def _as_model_construct_makes(envelope: Envelope) -> Envelope:
    """The same envelope made the documented way, from the values `envelope_from_event` gives."""
    given_fields = {name: getattr(envelope, name) for name in contracts._ENVELOPE_GIVEN}
    given_fields["deadlines"] = DeadlineChanges.model_construct(**dict(envelope.deadlines.__dict__))
    return Envelope.model_construct(**given_fields)


def _state(model: BaseModel) -> tuple[Any, ...]:
    return (
        list(model.__dict__.items()),
        model.model_fields_set,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


@pytest.mark.parametrize("model", [Envelope, DeadlineChanges])
def test_the_models_are_of_the_kind_the_shortcut_is_for(model: type[BaseModel]) -> None:
    assert model.__pydantic_post_init__ is None
    assert not model.__private_attributes__
    assert model.model_config.get("extra") != "allow"
    assert not model.__pydantic_root_model__


def test_every_sampled_event_makes_the_envelope_model_construct_would() -> None:
    seen = 0
    for aggregate_type, event in samples():
        made = envelope_from_event(aggregate_type, event, SPECS[aggregate_type].contract.events)
        reference = _as_model_construct_makes(made)
        assert list(made.__dict__) == list(Envelope.model_fields)
        assert list(made.deadlines.__dict__) == list(DeadlineChanges.model_fields)
        assert _state(made) == _state(reference)
        assert _state(made.deadlines) == _state(reference.deadlines)
        assert made == reference
        assert made.to_json_bytes() == reference.to_json_bytes()
        copied = made.model_copy(update={"provinces": ["500000"], "catch_up": True})
        assert copied.catch_up and copied.provinces == ["500000"] and made.catch_up is False
        seen += 1
    assert seen > 50


@given(st.uuids(), st.integers(min_value=1, max_value=2**31 - 1))
def test_event_ids_are_the_uuid5_of_the_case_and_version(case_id: UUID, version: int) -> None:
    expected = uuid5(contracts.EVENT_ID_NAMESPACE, f"{case_id}:{version}")
    made = event_id_for(case_id, version)
    assert made == expected and str(made) == str(expected) and hash(made) == hash(expected)
    assert (made.version, made.variant) == (expected.version, expected.variant)
    assert made.is_safe == expected.is_safe
