"""GET /collections/{id}/releases/{a}/diff/{b}: added, removed, changed, areas per division, 只增不减."""

from __future__ import annotations

from datetime import date

import pytest
from pyproj import Geod
from shapely.geometry import Point, box, shape

from tests.diff_fixture import (
    COUNTIES,
    HX1_NEW,
    HX1_OLD,
    HX2,
    HX5,
    HX6,
    NO_CODE,
    load_diff_fixture,
    load_release,
)

GEOD = Geod(ellps="WGS84")


def _area(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


@pytest.fixture
def loaded(db_session):
    load_diff_fixture(db_session)


def _diff(client, a: str, b: str, **params):
    response = client.get(f"/collections/red_lines/releases/{a}/diff/{b}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _by_code(body) -> dict:
    return {f["properties"]["code"]: f for f in body["features"]["features"]}


def test_moved_removed_and_added(client, loaded):
    body = _diff(client, "RL-2020", "RL-2023")
    assert body["from"]["name"] == "RL-2020" and body["to"]["name"] == "RL-2023"
    assert body["summary"]["added"] == 1
    assert body["summary"]["removed"] == 1
    assert body["summary"]["changed"] == 2  # HX-1 moved, the code-less feature renamed
    assert body["summary"]["geometry_changed"] == 1
    features = _by_code(body)
    assert set(features) == {"HX-1", "HX-2", "HX-5", None}  # HX-3 is unchanged: not listed
    assert features["HX-2"]["properties"]["change"] == "removed"
    assert features["HX-5"]["properties"]["change"] == "added"
    assert features["HX-5"]["properties"]["area_m2"] == pytest.approx(_area(HX5), rel=1e-6)

    moved = features["HX-1"]["properties"]
    assert moved["change"] == "changed" and moved["geometry_changed"] is True
    assert moved["changed_attributes"] == {}
    (c0, c1) = (HX1_OLD.centroid, HX1_NEW.centroid)
    distance = GEOD.inv(c0.x, c0.y, c1.x, c1.y)[2]
    assert moved["moved_m"] == pytest.approx(distance, abs=0.01)
    assert 7000 < moved["moved_m"] < 8000  # 0.08° of longitude at 32°N
    assert moved["area_difference_m2"] == pytest.approx(_area(HX1_NEW) - _area(HX1_OLD), abs=1)
    assert shape(features["HX-1"]["geometry"]).bounds == pytest.approx(HX1_NEW.bounds)

    renamed = features[None]["properties"]
    assert renamed["matched_by"] == "geometry" and renamed["geometry_changed"] is False
    assert renamed["changed_attributes"]["name"] == ["无编码", "无编码（更名）"]


def test_area_gained_and_lost_per_division(client, loaded):
    area = _diff(client, "RL-2020", "RL-2023")["area"]
    gained = _area(HX1_NEW) + _area(HX5)
    lost = _area(HX1_OLD) + _area(HX2)
    assert area["gained_m2"] == pytest.approx(gained, rel=1e-6)
    assert area["lost_m2"] == pytest.approx(lost, rel=1e-6)
    assert area["net_m2"] == pytest.approx(gained - lost, abs=0.01)
    assert area["divisions"] == {
        "collection": "admin_divisions",
        "release": "admin-diff",
        "level": "county",
    }
    by = {d["adcode"]: d for d in area["by_division"]}
    assert set(by) == set(COUNTIES)
    west = HX1_NEW.intersection(COUNTIES["321102"])
    east = HX1_NEW.intersection(COUNTIES["321111"])
    assert west.area > 0 and east.area > 0
    assert by["321102"]["gained_m2"] == pytest.approx(_area(west), rel=1e-6)
    assert by["321102"]["lost_m2"] == pytest.approx(lost, rel=1e-6)
    assert by["321111"]["gained_m2"] == pytest.approx(_area(east) + _area(HX5), rel=1e-6)
    assert by["321111"]["lost_m2"] == 0
    assert by["321102"]["name"] == "县321102"


def test_red_line_only_grows_check(client, loaded):
    check = _diff(client, "RL-2020", "RL-2023")["only_grows"]
    assert check["rule"] == "只增不减" and check["only_grows"] is False
    assert check["lost_m2"] == pytest.approx(_area(HX1_OLD) + _area(HX2), rel=1e-6)
    assert [d["adcode"] for d in check["by_division"]] == ["321102"]
    pieces = check["lost_pieces"]["features"]
    assert [p["properties"]["adcode"] for p in pieces] == ["321102"]
    assert pieces[0]["geometry"]["type"] == "MultiPolygon"
    assert len(pieces[0]["geometry"]["coordinates"]) == 2  # old HX-1 and HX-2

    # read the other way round, the older release is still RL-2020: the same verdict
    reverse = _diff(client, "RL-2023", "RL-2020")
    assert reverse["summary"]["added"] == 1 and reverse["summary"]["removed"] == 1
    assert reverse["only_grows"]["older"] == "RL-2020"
    assert reverse["only_grows"]["lost_m2"] == pytest.approx(check["lost_m2"], rel=1e-9)

    grows = _diff(client, "RL-2023", "RL-2024")
    assert grows["summary"] == {
        "added": 1,
        "removed": 0,
        "changed": 0,
        "geometry_changed": 0,
        "features_from": 4,
        "features_to": 5,
    }
    assert grows["only_grows"]["only_grows"] is True
    assert grows["only_grows"]["lost_m2"] == 0
    assert grows["only_grows"]["lost_pieces"]["features"] == []
    assert grows["area"]["gained_m2"] == pytest.approx(_area(HX6), rel=1e-6)


def test_geojson_form(client, loaded):
    response = client.get(
        "/collections/red_lines/releases/RL-2020/diff/RL-2023", params={"f": "geojson"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert sorted(f["properties"]["change"] for f in body["features"]) == [
        "added",
        "changed",
        "changed",
        "removed",
    ]


def test_overlapping_code_less_polygons_match_by_overlap(client, db_session, loaded):
    shifted = box(119.301, 32.05, 119.321, 32.07)  # IoU ≈ 0.9 with NO_CODE
    load_release(
        db_session,
        "red_lines",
        "RL-2025",
        date(2025, 1, 1),
        [{"code": None, "name": "无编码（更名）", "geometry": shifted}],
    )
    body = _diff(client, "RL-2023", "RL-2025")
    matched = [f for f in body["features"]["features"] if f["properties"]["code"] is None]
    assert len(matched) == 1
    props = matched[0]["properties"]
    assert props["change"] == "changed" and props["matched_by"] == "geometry"
    assert props["geometry_changed"] is True
    assert props["moved_m"] == pytest.approx(
        GEOD.inv(NO_CODE.centroid.x, 32.06, shifted.centroid.x, 32.06)[2], abs=0.01
    )
    assert body["summary"]["removed"] == 3  # HX-1, HX-3, HX-5


@pytest.mark.parametrize(
    ("path", "status", "named"),
    [
        ("/collections/red_lines/releases/RL-2020/diff/RL-1999", 404, "RL-1999"),
        ("/collections/red_lines/releases/NOPE/diff/RL-2023", 404, "NOPE"),
        ("/collections/red_lines/releases/RL-2020/diff/RL-2020", 400, "RL-2020"),
        ("/collections/red_lines/releases/ES-2020/diff/RL-2023", 404, "ES-2020"),
        ("/collections/nowhere/releases/A/diff/B", 404, "nowhere"),
    ],
)
def test_bad_requests(client, loaded, path, status, named):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert named in response.json()["detail"]


def test_points_are_matched_by_code_and_have_no_areas(client, db_session):
    old = [("S1", "甲站", Point(119.1, 32.1)), ("S2", "乙站", Point(119.2, 32.2))]
    new = [("S1", "甲站", Point(119.101, 32.1)), ("S3", "丙站", Point(119.3, 32.3))]
    for name, valid_from, rows in [
        ("ST-1", date(2020, 1, 1), old),
        ("ST-2", date(2021, 1, 1), new),
    ]:
        load_release(
            db_session,
            "monitoring_stations",
            name,
            valid_from,
            [{"code": c, "name": n, "medium": "air", "geometry": g} for c, n, g in rows],
        )
    response = client.get("/collections/monitoring_stations/releases/ST-1/diff/ST-2")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["summary"]["added"], body["summary"]["removed"], body["summary"]["changed"]) == (
        1,
        1,
        1,
    )
    assert "area" not in body and "only_grows" not in body
    moved = _by_code(body)["S1"]["properties"]
    assert moved["moved_m"] == pytest.approx(GEOD.inv(119.1, 32.1, 119.101, 32.1)[2], abs=0.01)
    assert "area_difference_m2" not in moved


def test_the_same_survey_in_another_crs_is_not_a_change(client, db_session):
    """A boundary imported from a Gauss-Krüger zone and from lon/lat differs in the 9th
    decimal: the same geometry (within SAME_WITHIN_DEG), not a changed feature; a move of
    a few centimetres still is one."""
    square = box(119.1, 32.1, 119.11, 32.11)
    noisy = shape(
        {
            "type": "Polygon",
            "coordinates": [[(x + 3e-9, y - 4e-9) for x, y in square.exterior.coords]],
        }
    )
    moved = shape(
        {
            "type": "Polygon",
            "coordinates": [[(x + 5e-7, y) for x, y in square.exterior.coords]],  # ~5 cm
        }
    )
    for name, valid_from, rows in [
        ("W-4490", date(2020, 1, 1), [("A", square), ("B", square)]),
        ("W-4528", date(2021, 1, 1), [("A", noisy), ("B", moved)]),
    ]:
        load_release(
            db_session,
            "red_lines",
            name,
            valid_from,
            [{"code": c, "name": c, "geometry": g} for c, g in rows],
        )
    body = client.get("/collections/red_lines/releases/W-4490/diff/W-4528").json()
    assert body["summary"]["changed"] == 1 and set(_by_code(body)) == {"B"}
