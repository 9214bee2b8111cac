"""Bounded request input: project geometries, CRSs, names, tags, ids and control characters."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from gis.project_geometry import MAX_EXTENT_M, MAX_PARTS, MAX_VERTICES

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
    _problem(client.post("/screenings", json=screening(geometry=geometry)), 422, "geometry")
    # again, with the rule set loaded: refused before any work on the parts
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


# --- crs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "crs",
    [
        "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m",
        'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]]]',
        "EPSG:4610",  # a real CRS, but not one the service offers
        "EPSG:" + "4" * 200,
        "x" * 1_000_000,
    ],
)
def test_a_screening_crs_must_be_an_offered_code(client, crs):
    response = client.post("/screenings", json=screening(crs=crs))
    assert response.status_code in (400, 422), response.text
    assert response.json()["field"] == "crs"
    assert response.elapsed.total_seconds() < 2


@pytest.mark.parametrize(
    "crs", ["EPSG:4490", "4326", "CGCS2000", "http://www.opengis.net/def/crs/EPSG/0/4490"]
)
def test_offered_crs_spellings_are_screened(client, crs):
    assert client.post("/screenings", json=screening(crs=crs)).status_code == 201


# --- names and tags -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "field"),
    [(["x" * 51], "tags.0"), ([f"t{i}" for i in range(21)], "tags"), (["x" * 1_000_000], "tags.0")],
)
def test_tags_are_capped(client, tags, field):
    _problem(client.post("/screenings", json=screening(tags=tags)), 422, field)


def test_tags_of_the_vocabulary_are_stored_and_others_are_422(client):
    # a tag that withdraws another (不排放污染物) contradicts it: the test below
    vocabulary = [t["name"] for t in client.get("/industries").json()["tags"] if not t["withdraws"]]
    tags = vocabulary[:20]
    response = client.post("/screenings", json=screening(tags=tags))
    assert response.status_code == 201, response.text
    assert response.json()["project"]["tags"] == tags
    tags = [f"{i:02d}" + "x" * 48 for i in range(20)]
    problem = _problem(client.post("/screenings", json=screening(tags=tags)), 422, "tags")
    assert "Unknown tag" in problem["detail"]


def test_a_project_that_discharges_nothing_cannot_declare_emissions(client):
    withdrawing = [t for t in client.get("/industries").json()["tags"] if t["withdraws"]]
    assert [t["name"] for t in withdrawing] == ["不排放污染物"]
    body = screening(tags=["不排放污染物"], emissions={"VOCs": 2.5})
    problem = _problem(client.post("/screenings", json=body), 422, "tags")
    assert "VOCs" in problem["detail"] and "不排放污染物" in problem["detail"]
    body = screening(tags=["不排放污染物", "排放污染物"])
    assert "排放污染物" in _problem(client.post("/screenings", json=body), 422, "tags")["detail"]
    assert client.post("/screenings", json=screening(tags=["不排放污染物"])).status_code == 201


# --- control characters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "a\x00b"), ("industry", "化\x00工"), ("name", "bell\x07"), ("crs", "EPSG:4490\x00")],
)
def test_control_characters_in_a_screening_body_are_422_naming_the_field(client, field, value):
    problem = _problem(client.post("/screenings", json=screening(**{field: value})), 422, field)
    assert "control characters" in problem["detail"]


def test_nul_in_a_tag_is_422(client):
    _problem(client.post("/screenings", json=screening(tags=["ok", "a\x00"])), 422, "tags.1")


def test_tab_and_newline_in_a_name_are_kept(client):
    response = client.post("/screenings", json=screening(name="line one\nline\ttwo"))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/web/search", "q"),
        ("/collections/water_bodies/items", "filter"),
        ("/collections/water_bodies/items", "sortby"),
        ("/collections/water_bodies/items", "properties"),
        ("/collections/water_bodies/items", "name"),
        ("/collections", "datetime"),
        ("/screenings", "limit"),
    ],
)
def test_nul_in_a_query_parameter_is_400_naming_it(client, path, param):
    response = client.get(path, params={param: "a\x00b"})
    problem = _problem(response, 400, param, "control characters")
    assert problem["type"] == "/problems/invalid-parameter"


def test_nul_in_a_path_is_400(client):
    _problem(client.get("/collections/water%00bodies/items"), 400, "path")


def test_a_control_character_in_a_proximity_filter_is_422(client):
    body = {
        "features": {"collection": "water_bodies", "filter": "name = 'a\x00'"},
        "near": {"collection": "outfalls"},
        "distance_m": 10,
    }
    _problem(client.post("/queries/proximity", json=body), 422, "features.filter")


# --- integers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/collections/water_bodies/items/{2**63}", "feature_id"),
        (f"/collections/water_bodies/items/{10**40}", "feature_id"),
        (f"/screenings/{2**63}", "screening_id"),
        (f"/screenings?offset={2**63}", "offset"),
        (f"/collections/water_bodies/items?offset={2**63}", "offset"),
        (f"/collections/water_bodies/items?limit={2**63}", "limit"),
        (f"/collections/water_bodies/items?rank={2**63}", "rank"),
        (f"/queries/proximity?limit={2**63}", "limit"),
    ],
)
def test_an_integer_beyond_bigint_is_400_naming_it(client, path, field):
    if path.startswith("/queries"):
        body = {
            "features": {"collection": "water_bodies"},
            "near": {"collection": "outfalls"},
            "distance_m": 10,
        }
        response = client.post(path, json=body)
    else:
        response = client.get(path)
    _problem(response, 400, field)


def test_a_non_numeric_feature_id_is_a_4xx_problem(client):
    response = client.get("/collections/water_bodies/items/abc")
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_largest_bigint_feature_id_is_404(client):
    response = client.get(f"/collections/water_bodies/items/{2**63 - 1}")
    assert response.status_code == 404
