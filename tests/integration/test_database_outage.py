"""When the service cannot reach its database, clients are told to retry (503 + Retry-After), not
that the service broke (500)."""

from __future__ import annotations

from tests.integration.conftest import MakeService
from tests.support.service import YU


def test_an_unreachable_database_answers_503_with_retry_after(make_service: MakeService) -> None:
    service = make_service(workers=False)
    headers = service.auth("clerk", YU, "vehicle_admin")
    assert service.client.get("/v1/transfers", headers=headers).status_code == 200
    service.container.db.pool.close()  # as if the server went away: every checkout now fails

    response = service.client.get("/v1/transfers", headers=headers)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "service.unavailable"
    assert service.client.get("/readyz").status_code == 503
