"""A command's body fields are its Application method's arguments by name: a body and a method that
do not agree are refused when the router is declared (at import), never as a 500 on a request."""

from __future__ import annotations

import pytest

from xborder.api.fields import StrictBody
from xborder.api.routes import CaseCommands
from xborder.domain.money import Money
from xborder.workflows.hit_and_run.aggregate import HitAndRunStatus
from xborder.workflows.hit_and_run.application import HitAndRunCases
from xborder.workflows.hit_and_run.router import ClueIn


def _commands() -> CaseCommands[HitAndRunCases]:
    return CaseCommands(HitAndRunCases, "/v1/test", "test", kind="hit_and_run", statuses=HitAndRunStatus)


class MisnamedClueIn(StrictBody):
    hit: bool
    detail: str = ""  # the method's argument is `details`


class HalfAClueIn(StrictBody):
    hit: bool


def test_a_field_the_method_does_not_take_is_refused() -> None:
    with pytest.raises(TypeError, match=r"no argument for \['detail'\], no field for \['details'\]"):
        _commands().on_case("/clues", HitAndRunCases.report_clue, MisnamedClueIn)


def test_an_argument_no_field_gives_is_refused() -> None:
    with pytest.raises(TypeError, match=r"no field for \['details'\]"):
        _commands().on_case("/clues", HitAndRunCases.report_clue, HalfAClueIn)


def test_a_conversion_of_no_field_is_refused() -> None:
    with pytest.raises(TypeError, match=r"no argument for \['amount'\]"):
        _commands().on_case("/clues", HitAndRunCases.report_clue, ClueIn, convert={"amount": Money})


def test_a_body_that_agrees_is_a_route_named_after_the_method_unless_named() -> None:
    commands = _commands()
    assert commands.body_of("/clues", HitAndRunCases.report_clue)(ClueIn) is ClueIn
    commands.on_case("/solution", HitAndRunCases.solve, name="solve_case")
    names = {getattr(route, "name", None) for route in commands.router.routes}
    assert names == {"list_hit_and_run", "get_hit_and_run", "report_clue", "solve_case"}
