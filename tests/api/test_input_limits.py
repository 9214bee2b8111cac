"""Bounded request input: project geometries, CRSs, names, tags, ids and control characters."""

from __future__ import annotations

import numpy as np
from pyproj import Geod

from layers.screening import MAX_EXTENT_M, MAX_PARTS, MAX_VERTICES

GEOD = Geod(ellps="WGS84")


def screening(**kw):
    base = {
        "name": "limits",
        "geometry": {"type": "Point", "coordinates": [119.0, 32.2]},
        "industry": "化工",
        "kind": "新建",
        "as_of": "2025-06-30",
    }
    base.update(kw)
    return base


def _problem(response, status: int, field: str, *words: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem.get("field") == field or field in str(problem.get("errors")), problem
    for word in words:
        assert word in problem["detail"], problem["detail"]
    return problem


# --- project geometries -------------------------------------------------------------


def test_the_9999_point_multipoint_over_china_is_422_naming_parts(client):
    rng = np.random.default_rng(1)
    points = np.column_stack([rng.uniform(75, 134, 9_999), rng.uniform(18, 53, 9_999)])
    geometry = {"type": "MultiPoint", "coordinates": points.round(5).tolist()}
    response = client.post("/screenings", json=screening(geometry=geometry))
    _problem(response, 422, "geometry", f"at most {MAX_PARTS:,}")
    assert response.elapsed.total_seconds() < 2


def test_a_project_spanning_more_than_1000_km_is_422(client):
    lon, lat, _ = GEOD.fwd(110.0, 30.0, 45.0, MAX_EXTENT_M + 50_000)
    line = {"type": "LineString", "coordinates": [[110.0, 30.0], [lon, lat]]}
    response = client.post("/screenings", json=screening(geometry=line))
    _problem(response, 422, "geometry", "1,000 km", "Split it")


def test_a_long_pipeline_within_the_limits_is_screened(client):
    lon, lat, _ = GEOD.fwd(110.0, 30.0, 45.0, 900_000)
    xs, ys = np.linspace(110.0, lon, 5_000), np.linspace(30.0, lat, 5_000)
    line = {"type": "LineString", "coordinates": np.column_stack([xs, ys]).tolist()}
    response = client.post("/screenings", json=screening(geometry=line, buffer_m=0))
    assert response.status_code == 201, response.text


def test_more_vertices_than_the_limit_is_422(client):
    ring = [[119 + i * 1e-6, 32.0] for i in range(MAX_VERTICES)] + [[119.0, 32.01], [119, 32]]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    _problem(client.post("/screenings", json=screening(geometry=polygon)), 422, "geometry")
