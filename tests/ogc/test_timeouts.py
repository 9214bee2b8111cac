"""Statement timeouts per route class and pool exhaustion: 503 (or 422) problems, never 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from layers.store.db import DatabaseSettings

#: A real heavy read on the seeded data: every water body against every other at 1,000 km.
HEAVY_FILTER = "S_DWITHIN_M(geom, COLLECTION('water_bodies'), 1000000)"


def _client(seeded_url: str, **db: Any) -> TestClient:
    app = create_app(
        ApiSettings(_env_file=None), DatabaseSettings(url=seeded_url, _env_file=None, **db)
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def tight(seeded_url: str) -> Iterator[TestClient]:
    """An app whose route-class timeouts are 1 ms and whose pools wait 0.2 s."""
    with _client(
        seeded_url,
        read_timeout_ms=1,
        screening_timeout_ms=1,
        proximity_timeout_ms=1,
        pool_timeout_s=0.2,
        read_pool_min_size=1,
        read_pool_max_size=1,
    ) as client:
        yield client


def _assert_retry_problem(response: Any, type_: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Retry-After"].isdigit()
    assert response.json()["type"] == f"/problems/{type_}"


def test_read_cancelled_by_its_timeout_is_503(tight: TestClient) -> None:
    response = tight.get("/collections/water_bodies/items", params={"filter": HEAVY_FILTER})
    _assert_retry_problem(response, "query-timeout")


def test_the_same_read_passes_under_the_default_timeout(ogc: TestClient) -> None:
    response = ogc.get(
        "/collections/water_bodies/items", params={"filter": HEAVY_FILTER, "limit": 5}
    )
    assert response.status_code == 200
    assert response.json()["numberReturned"] == 5


def test_screening_cancelled_by_its_timeout_is_503(tight: TestClient) -> None:
    ring = [[119.0, 31.0], [119.2, 31.0], [119.2, 31.2], [119.0, 31.2], [119.0, 31.0]]
    body = {
        "name": "timeout",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "industry": "化工",
        "kind": "新建",
        "buffer_m": 50000,
    }
    _assert_retry_problem(tight.post("/screenings", json=body), "query-timeout")


def test_proximity_cancelled_by_its_timeout_is_422_naming_distance(tight: TestClient) -> None:
    body = {
        "features": {"collection": "control_units"},
        "near": {"collection": "water_bodies"},
        "distance_m": 50000,
    }
    response = tight.post("/queries/proximity", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "distance_m"
    assert "smaller distance_m" in response.json()["detail"]


def test_exhausted_read_pool_is_503_busy(tight: TestClient) -> None:
    pool = tight.app.state.reader.pool  # type: ignore[attr-defined]
    assert tight.portal is not None
    held = tight.portal.call(pool.getconn)  # the pool's only connection
    try:
        response = tight.get("/collections/outfalls/items", params={"limit": 1})
        _assert_retry_problem(response, "server-busy")
    finally:
        tight.portal.call(pool.putconn, held)
