"""The rules every identifier kind shares (`xborder.domain.identifiers`), and the domain errors' codes.

Each kind's own rules are tested beside it (test_plates, test_vins, test_id_numbers, test_phones_money);
these say that the shared skeleton holds for all four alike, so one kind cannot drift from the others.
"""

from __future__ import annotations

import copy
import pickle

import pytest

from xborder.domain.errors import DomainError, InvalidValue, RuleViolation, VehicleBlocked
from xborder.domain.id_numbers import IdNumber
from xborder.domain.identifiers import Identifier
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.vins import Vin

# kind, a valid value, its error code and field
KINDS: list[tuple[type[Identifier], str, str, str]] = [
    (Plate, "川A12345", "plate.invalid", "plate"),
    (Vin, "1M8GDM9AXKP042788", "vin.invalid", "vin"),
    (IdNumber, "11010519491231002X", "id_number.invalid", "id_number"),
    (Phone, "13812345678", "phone.invalid", "phone"),
]
IDS = [kind.__name__ for kind, *_ in KINDS]


@pytest.mark.parametrize(("kind", "value", "code", "field"), KINDS, ids=IDS)
def test_parse_trims_and_upper_cases_and_refuses_what_is_not_text(
    kind: type[Identifier], value: str, code: str, field: str
) -> None:
    assert kind.parse(f"  {value.lower()}\t") == kind(value)
    for raw in (None, 17, [value]):
        with pytest.raises(InvalidValue) as caught:
            kind.parse(raw)  # type: ignore[arg-type]
        assert (caught.value.code, caught.value.field) == (code, field)
        assert caught.value.detail == f"expected text, got {type(raw).__name__}"


@pytest.mark.parametrize(("kind", "value", "code", "field"), KINDS, ids=IDS)
def test_a_value_is_checked_on_construction_too(
    kind: type[Identifier], value: str, code: str, field: str
) -> None:
    """An identifier rebuilt from an event, not parsed, is held to the same rules."""
    for bad in (value[:-1], 7):
        with pytest.raises(InvalidValue) as caught:
            kind(bad)  # type: ignore[arg-type]
        assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.parametrize(("kind", "value", "code", "field"), KINDS, ids=IDS)
def test_an_identifier_is_a_frozen_value(kind: type[Identifier], value: str, code: str, field: str) -> None:
    identifier = kind(value)
    assert str(identifier) == value
    assert identifier == kind(value) and hash(identifier) == hash(kind(value))
    assert pickle.loads(pickle.dumps(identifier)) == identifier == copy.deepcopy(identifier)
    with pytest.raises(AttributeError):
        identifier.value = value  # type: ignore[misc]
    assert not hasattr(identifier, "__dict__")


def test_only_personal_identifiers_are_masked_in_their_repr() -> None:
    assert repr(IdNumber("11010519491231002X")) == "IdNumber('1101**********002X')"
    assert repr(Phone("13812345678")) == "Phone('138****5678')"
    assert repr(Vin("1M8GDM9AXKP042788")) == "Vin(value='1M8GDM9AXKP042788')"
    assert repr(Plate("川A12345")) == "Plate(value='川A12345')"


def test_a_fixed_length_kind_says_its_length() -> None:
    with pytest.raises(InvalidValue, match=r"^VIN must have 17 characters, got 3$"):
        Vin("1M8")
    with pytest.raises(InvalidValue, match=r"^ID number must have 18 characters, got 3$"):
        IdNumber("110")


def test_every_domain_error_family_declares_its_own_code() -> None:
    assert (RuleViolation.code, VehicleBlocked.code, InvalidValue.code) == (
        "rule.violated",
        "transfer.vehicle_blocked",
        "value.invalid",
    )
    assert VehicleBlocked("held", holds=()).code == "transfer.vehicle_blocked"
    assert RuleViolation("no", code="refusal.reasons_required").code == "refusal.reasons_required"
    with pytest.raises(TypeError):
        type("Unnamed", (DomainError,), {})
