"""`page` and `page_size` out of range get 422 naming the field on all four lists, never a 500 (a page
number past PostgreSQL's bigint once answered "bigint out of range"); a page past the data is empty."""

from __future__ import annotations

import pytest

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN
from xborder.api.routes import MAX_PAGE

LISTS = ["/v1/transfers", "/v1/objections", "/v1/hit-and-runs", "/v1/rescues"]
BAD = {
    "huge": "10000000000000000000000",
    "just over the bound": str(MAX_PAGE + 1),
    "zero": "0",
    "negative": "-1",
    "very negative": "-10000000000000000000000",
    "not a number": "abc",
    "a fraction": "1.5",
    "empty": "",
}


@pytest.mark.parametrize("path", LISTS)
def test_out_of_range_pages_are_422_naming_the_field(make_service: MakeService, path: str) -> None:
    service = make_service("embedded", workers=False)
    headers = service.auth("chuan-clerk", CHUAN, "vehicle_admin")
    answers = {
        (parameter, name): service.client.get(path, params={parameter: value}, headers=headers)
        for parameter in ("page", "page_size")
        for name, value in BAD.items()
    }
    wrong = {
        case: (r.status_code, r.text)
        for case, r in answers.items()
        if (r.status_code, r.headers["content-type"], r.json().get("code"), r.json().get("field"))
        != (422, "application/problem+json", "field.invalid", case[0])
    }
    assert not wrong, wrong


def test_a_page_past_the_data_is_empty(make_service: MakeService) -> None:
    service = make_service("embedded", workers=False)
    headers = service.auth("chuan-clerk", CHUAN, "vehicle_admin")
    for path in LISTS:
        for page in (1, 2, MAX_PAGE):
            response = service.client.get(path, params={"page": page, "page_size": 200}, headers=headers)
            assert response.status_code == 200, (path, page, response.text)
            assert response.json() == {"items": [], "next_page": None}, (path, page)
