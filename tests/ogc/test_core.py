"""OGC API Features Part 1 core + GeoJSON: the assertions of the CITE ATS, by hand."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from layers.store.catalog import PUBLISHED
from tests.ogc.conftest import N_OUTFALLS, N_RIVERS

F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf"


def _rels(body):
    return {lk["rel"] for lk in body["links"]}


def test_landing_page_links(ogc):
    r = ogc.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert {"self", "service-desc", "conformance", "data"} <= _rels(body)
    for lk in body["links"]:
        assert {"href", "rel", "type"} <= lk.keys()
    assert body["read_policy"] == "public"
    assert "读取公开" in body["description"]


def test_landing_page_html_on_request(ogc):
    r = ogc.get("/?f=html")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "/map" in r.text
    assert "/collections" in r.text


def test_browser_at_root_gets_the_map(ogc):
    r = ogc.get("/", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "leaflet.js" in r.text


def test_conformance_declares_core_geojson_and_the_custom_function(ogc):
    body = ogc.get("/conformance").json()
    for cls in ("core", "geojson", "oas30", "html"):
        assert f"{F1}/{cls}" in body["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in body["conformsTo"]
    assert body["functions"][0]["name"] == "S_DWITHIN_M"


def test_api_is_openapi3_and_documents_the_function(ogc):
    r = ogc.get("/api")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    items = doc["paths"]["/collections/{collection_id}/items"]["get"]
    # limit is a component (QGIS and GDAL read its maximum there), referenced by the path
    assert {"$ref": "#/components/parameters/limit"} in items["parameters"]
    params = {p["name"]: p for p in items["parameters"] if "name" in p}
    limit = doc["components"]["parameters"]["limit"]
    assert (limit["name"], limit["in"]) == ("limit", "query")
    assert limit["schema"]["maximum"] == 10_000
    assert limit["schema"]["default"] == 100
    assert "S_DWITHIN_M" in params["filter"]["description"]


def test_collections_lists_every_collection(ogc):
    body = ogc.get("/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == [c.id for c in PUBLISHED]
    for c in body["collections"]:
        assert any(lk["rel"] == "items" for lk in c["links"])
        assert c["extent"]["spatial"]["bbox"]
        assert "http://www.opengis.net/def/crs/OGC/1.3/CRS84" in c["crs"]


def test_collection_unknown_is_404_problem(ogc):
    r = ogc.get("/collections/nope")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/collection-not-found"


def test_items_are_geojson_with_links_and_counts(ogc):
    r = ogc.get("/collections/water_bodies/items", params={"limit": 10})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == 10 == len(body["features"])
    assert body["numberMatched"] == N_RIVERS
    assert "timeStamp" in body
    assert {"self", "next"} <= _rels(body)
    f = body["features"][0]
    assert f["type"] == "Feature"
    assert isinstance(f["id"], int)
    assert f["geometry"]["type"] in ("LineString", "Polygon")
    assert f["properties"]["release"] == "2024"


def test_default_limit_is_100(ogc):
    body = ogc.get("/collections/water_bodies/items").json()
    assert body["numberReturned"] == 100


@pytest.mark.parametrize("limit", ["0", "10001", "abc", "-1"])
def test_invalid_limit_is_400(ogc, limit):
    r = ogc.get("/collections/water_bodies/items", params={"limit": limit})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert "limit" in r.json()["detail"]


def test_paging_walks_every_feature_exactly_once(ogc):
    seen: list[int] = []
    url = "/collections/water_bodies/items?limit=37"
    prev_seen = False
    while url:
        body = ogc.get(url).json()
        seen += [f["id"] for f in body["features"]]
        nxt = [lk["href"] for lk in body["links"] if lk["rel"] == "next"]
        prev_seen = prev_seen or any(lk["rel"] == "prev" for lk in body["links"])
        url = urlsplit(nxt[0])._replace(scheme="", netloc="").geturl() if nxt else None
    assert len(seen) == N_RIVERS == len(set(seen))
    assert prev_seen


def test_bbox_selects_and_rejects(ogc):
    body = ogc.get("/collections/outfalls/items", params={"bbox": "119.0,31.0,119.15,31.02"}).json()
    assert body["numberReturned"] == 2
    assert body["numberMatched"] == 2
    for bad in ("1,2,3", "a,b,c,d", "10,10,5,5", "0,-100,1,1"):
        r = ogc.get("/collections/outfalls/items", params={"bbox": bad})
        assert r.status_code == 400, bad
        assert r.json()["field"] == "bbox"


def test_datetime_selects_release(ogc):
    old = ogc.get("/collections/water_bodies/items", params={"datetime": "2021-06-30"}).json()
    assert old["numberMatched"] == 5
    assert old["release"]["name"] == "2020"
    none = ogc.get("/collections/water_bodies/items", params={"datetime": "2019-01-01"}).json()
    assert none["features"] == []
    assert none["numberMatched"] == 0
    r = ogc.get("/collections/water_bodies/items", params={"datetime": "yesterday"})
    assert r.status_code == 400


def test_feature_by_id_and_404(ogc):
    first = ogc.get("/collections/outfalls/items", params={"limit": 1}).json()["features"][0]
    r = ogc.get(f"/collections/outfalls/items/{first['id']}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    f = r.json()
    assert f["id"] == first["id"]
    assert {"self", "collection"} <= _rels(f)
    assert f["properties"]["release"] == "2024"
    missing = ogc.get("/collections/outfalls/items/999999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_unknown_parameter_is_400_but_property_filter_works(ogc):
    r = ogc.get("/collections/outfalls/items", params={"colour": "red"})
    assert r.status_code == 400
    body = ogc.get("/collections/outfalls/items", params={"type": "入湖"}).json()
    assert body["numberReturned"] == N_OUTFALLS // 4
    assert all(f["properties"]["type"] == "入湖" for f in body["features"])


def test_items_html(ogc):
    r = ogc.get("/collections/outfalls/items", params={"f": "html", "limit": 5})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "排污口" in r.text
