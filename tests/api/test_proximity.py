"""POST /queries/proximity: features near other features, geodesic, filtered, sorted."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source

GEOD = Geod(ellps="WGS84")


def load(session, collection, rows):
    geoms = [r.pop("geometry") for r in rows]
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    return import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection=collection, release="prox", valid_from=date(2020, 1, 1)),
        label="test",
    ).release_id


@pytest.fixture
def layers(db_session):
    def east(m):
        return Point(*GEOD.fwd(119.0, 32.2, 90.0, m)[:2])

    load(
        db_session,
        "water_bodies",
        [
            {
                "name": "长江",
                "yangtze_class": "mainstem",
                "geometry": LineString([(119.0, 32.0), (119.0, 32.5)]),
            },
            {
                "name": "小河",
                "yangtze_class": "tributary",
                "geometry": LineString([(119.02, 32.0), (119.02, 32.5)]),
            },
        ],
    )
    load(
        db_session,
        "enterprises",
        [
            {"name": "甲化工", "industry_category": "化工", "geometry": east(300)},
            {"name": "乙化工", "industry_category": "化工", "geometry": east(900)},
            {"name": "丙化工", "industry_category": "化工", "geometry": east(5000)},
            {"name": "戊化工", "industry_category": "化工", "geometry": east(1200)},
            {"name": "丁食品", "industry_category": "食品", "geometry": east(100)},
        ],
    )


def query(**kw):
    body = {
        "features": {"collection": "enterprises", "filter": "industry_category = '化工'"},
        "near": {"collection": "water_bodies", "filter": "name = '长江'"},
        "distance_m": 1000,
        "as_of": "2025-06-30",
    }
    body.update(kw)
    return body


def test_proximity_returns_sorted_features_with_distance(client, layers):
    response = client.post("/queries/proximity", json=query())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    names = [f["properties"]["name"] for f in data["features"]]
    assert names == ["甲化工", "乙化工"]
    first = data["features"][0]["properties"]
    assert abs(first["distance_m"] - 300.0) < 1.0
    assert first["near_name"] == "长江"
    assert first["near_id"]


def test_proximity_without_target_filter_uses_nearest_target(client, layers):
    data = client.post("/queries/proximity", json=query(near={"collection": "water_bodies"})).json()
    by_name = {f["properties"]["name"]: f["properties"] for f in data["features"]}
    # 小河 runs 0.02° (≈1,886 m) east of 长江: 戊 (1,200 m from 长江) is ≈686 m from 小河
    assert by_name["戊化工"]["near_name"] == "小河"
    assert abs(by_name["戊化工"]["distance_m"] - 686) < 5
    assert by_name["乙化工"]["near_name"] == "长江"
    assert "丙化工" not in by_name


def test_proximity_reads_a_view_of_one_geometry_type(client, layers):
    # the river lines are water_lines, none is a water area
    lines = client.post("/queries/proximity", json=query(near={"collection": "water_lines"}))
    assert lines.status_code == 200, lines.text
    names = [f["properties"]["name"] for f in lines.json()["features"]]
    assert names == ["甲化工", "戊化工", "乙化工"]  # by distance: 300, 686 (小河), 900 m
    areas = client.post("/queries/proximity", json=query(near={"collection": "water_areas"}))
    assert areas.status_code == 200
    assert areas.json()["features"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"features": {"collection": "enterprises", "filter": "colour = 'red'"}}, "filter"),
        ({"features": {"collection": "nowhere"}}, "collection"),
        ({"near": {"collection": "water_bodies", "filter": "name = "}}, "filter"),
        ({"distance_m": 60000}, "distance_m"),
    ],
)
def test_proximity_bad_input_is_problem(client, layers, change, field):
    response = client.post("/queries/proximity", json=query(**change))
    assert 400 <= response.status_code < 500
    problem = response.json()
    named = problem.get("field") or " ".join(
        ".".join(map(str, e["loc"])) for e in problem.get("errors", [])
    )
    assert field in named
    if field == "filter" and "colour" in str(change):
        assert "colour" in problem["detail"]


def test_filter_values_are_bound_not_spliced(client, layers):
    evil = "name = '长江''; DROP TABLE releases; --'"
    response = client.post(
        "/queries/proximity", json=query(near={"collection": "water_bodies", "filter": evil})
    )
    assert response.status_code in (200, 422)
    assert client.get("/collections/water_bodies").status_code == 200
