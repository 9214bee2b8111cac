"""Parts 2 and 3: CRS round trips, CQL2 filters (incl. S_DWITHIN_M), queryables, properties, sortby."""

from __future__ import annotations

import json

import pytest
from pyproj import Transformer

from tests.ogc.conftest import N_OUTFALLS

ITEMS = "/collections/outfalls/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


def _items(ogc, **params):
    r = ogc.get(ITEMS, params=params)
    assert r.status_code == 200, r.text
    return r


@pytest.mark.parametrize("code", [4326, 4490, 4549, 4528])
def test_crs_round_trip_within_a_decimetre(ogc, code):
    base = _items(ogc, limit=5).json()["features"]
    r = _items(ogc, limit=5, crs=EPSG.format(code))
    assert r.headers["content-crs"] == f"<{EPSG.format(code)}>"
    to_crs = Transformer.from_crs("EPSG:4326", f"EPSG:{code}")  # authority axis order
    for f84, fx in zip(base, r.json()["features"], strict=True):
        lon, lat = f84["geometry"]["coordinates"]
        a, b = to_crs.transform(lat, lon)
        x, y = fx["geometry"]["coordinates"]
        # RFC 7946 geometries carry no ``crs`` member (PostGIS adds one for SRID != 4326
        # unless told not to); the CRS is said once, in Content-Crs
        assert set(fx["geometry"]) == {"type", "coordinates"}
        if code in (4326, 4490):
            assert abs(x - lat) < 1e-6
            assert abs(y - lon) < 1e-6
        else:
            assert abs(x - a) < 0.1
            assert abs(y - b) < 0.1
    # and back: a bbox in that CRS around the first point finds it
    x, y = r.json()["features"][0]["geometry"]["coordinates"]
    d = 1e-5 if code in (4326, 4490) else 1.0
    hit = _items(ogc, bbox=f"{x - d},{y - d},{x + d},{y + d}", **{"bbox-crs": EPSG.format(code)})
    assert [f["id"] for f in hit.json()["features"]] == [base[0]["id"]]
    one = ogc.get(f"{ITEMS}/{base[0]['id']}", params={"crs": EPSG.format(code)})
    assert one.status_code == 200, one.text
    assert set(one.json()["geometry"]) == {"type", "coordinates"}


def test_crs84_is_the_default_and_unknown_crs_is_400(ogc):
    r = _items(ogc, limit=1)
    assert r.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    bad = ogc.get(ITEMS, params={"crs": "EPSG:2000"})
    assert bad.status_code == 400
    assert bad.json()["field"] == "crs"


def test_queryables(ogc):
    r = ogc.get("/collections/outfalls/queryables")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/schema+json"
    props = r.json()["properties"]
    assert props["permitted_flow_m3d"]["type"] == "number"
    assert props["type"]["enum"] == ["入河", "入湖", "入江", "入海"]
    assert "geom" in props


def test_cql2_text_and_json_agree(ogc):
    text = _items(ogc, filter="type = '入河' AND permitted_flow_m3d >= 500", limit=1000).json()
    doc = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "type"}, "入河"]},
            {"op": ">=", "args": [{"property": "permitted_flow_m3d"}, 500]},
        ],
    }
    js = _items(ogc, filter=json.dumps(doc), **{"filter-lang": "cql2-json"}, limit=1000).json()
    ids = [f["id"] for f in text["features"]]
    assert ids == [f["id"] for f in js["features"]]
    assert ids
    assert all(f["properties"]["permitted_flow_m3d"] >= 500 for f in text["features"])
    assert text["numberMatched"] == len(ids)


def test_like_in_between_null_date_and_spatial(ogc):
    assert _items(ogc, filter="name LIKE '排污口1%'").json()["numberReturned"] > 0
    assert _items(ogc, filter="status IN ('排查','销号')").json()["numberReturned"] == 48
    assert _items(ogc, filter="permitted_flow_m3d BETWEEN 0 AND 90").json()["numberReturned"] == 10
    assert _items(ogc, filter="receiving_water IS NULL").json()["numberMatched"] == N_OUTFALLS
    assert _items(ogc, filter="deadline < DATE('2025-02-01')").json()["numberReturned"] == 10
    inter = "S_INTERSECTS(geom, POLYGON((119 31, 119.15 31, 119.15 31.02, 119 31.02, 119 31)))"
    assert _items(ogc, filter=inter).json()["numberReturned"] == 2
    # cql2-text's BBOX literal (basic-spatial-functions), the same box as the polygon
    box = _items(ogc, filter="S_INTERSECTS(geom, BBOX(119, 31, 119.15, 31.02))").json()
    assert box["numberReturned"] == 2
    # CASEI on both sides of LIKE (case-insensitive-comparison)
    lower = _items(ogc, filter="CASEI(code) LIKE CASEI('pwk001%')").json()
    assert lower["numberReturned"] == 10  # PWK0010 … PWK0019
    assert _items(ogc, filter="code LIKE 'pwk001%'").json()["numberReturned"] == 0


def test_s_dwithin_m_is_metric(ogc):
    # outfall 0 is at (119.001, 31.003): ~95 m from (119.0, 31.003)
    near = _items(ogc, filter="S_DWITHIN_M(geom, POINT(119.0 31.003), 100)").json()
    far = _items(ogc, filter="S_DWITHIN_M(geom, POINT(119.0 31.003), 90)").json()
    assert near["numberReturned"] == 1
    assert far["numberReturned"] == 0


def test_s_dwithin_m_against_another_collection(ogc):
    # outfalls within 2 km of the Yangtze (water body 7, a line from 119.35 to 119.386 at 31.0)
    f = "S_DWITHIN_M(geom, COLLECTION('water_bodies', 'name = ''长江'''), 2000)"
    body = _items(ogc, filter=f).json()
    assert body["numberReturned"] >= 1
    everything = _items(ogc, filter="S_DWITHIN_M(geom, COLLECTION('water_bodies'), 2000)").json()
    assert everything["numberReturned"] > body["numberReturned"]
    doc = {
        "op": "s_dwithin_m",
        "args": [
            {"property": "geom"},
            {"op": "collection", "args": ["water_bodies", "name = '长江'"]},
            2000,
        ],
    }
    js = _items(ogc, filter=json.dumps(doc), **{"filter-lang": "cql2-json"}).json()
    assert [x["id"] for x in js["features"]] == [x["id"] for x in body["features"]]


@pytest.mark.parametrize(
    "bad",
    [
        "name = 'x'; DROP TABLE outfalls; --",
        "name = 'x' OR 1=1",
        "props = '{}'",
        "release_id = 1",
        "pg_sleep(10) = true",
        "name = 1",
        "permitted_flow_m3d > 'abc'",
        "S_DWITHIN_M(geom, POINT(1 2), -1)",
        "S_DWITHIN_M(geom, COLLECTION('pg_catalog.pg_user'), 10)",
        "S_DWITHIN_M(geom, COLLECTION('water_bodies', 'secret = 1'), 10)",
        "\"name\" = 'a' UNION SELECT 1",
        "S_INTERSECTS(geom, POINT(1))",
    ],
)
def test_filter_injection_and_mistakes_are_400(ogc, bad):
    r = ogc.get(ITEMS, params={"filter": bad})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["field"] == "filter"
    assert r.headers["content-type"] == "application/problem+json"


def test_quote_in_value_is_bound_not_spliced(ogc):
    assert _items(ogc, filter="name = 'x'' OR ''1''=''1'").json()["numberReturned"] == 0


def test_properties_and_sortby(ogc):
    body = _items(ogc, properties="code,type", sortby="-permitted_flow_m3d", limit=3).json()
    f = body["features"][0]
    assert set(f["properties"]) == {"code", "type"}
    assert f["properties"]["code"] == f"PWK{N_OUTFALLS - 1:04d}"
    asc = _items(ogc, sortby="+name,id", limit=2).json()["features"]
    assert asc[0]["properties"]["name"] <= asc[1]["properties"]["name"]
    assert ogc.get(ITEMS, params={"properties": "nope"}).status_code == 400
    assert ogc.get(ITEMS, params={"sortby": "geom"}).status_code == 400
