"""One geometry type per listed collection: water_bodies (mixed) is read as water_areas and water_lines.

Also the metadata GIS clients read: Chinese titles with English beside them, Part 5
schemas with Chinese field titles, the geometry type of each collection.
"""

from __future__ import annotations

import pytest

from layers.store.catalog import COLLECTIONS, PUBLISHED, VIEWS
from tests.ogc.conftest import N_RIVERS

N_AREAS = len([i for i in range(N_RIVERS) if i % 5 == 0])
N_LINES = N_RIVERS - N_AREAS


@pytest.mark.parametrize(
    ("view", "n", "kind"),
    [("water_areas", N_AREAS, "MultiPolygon"), ("water_lines", N_LINES, "MultiLineString")],
)
def test_a_view_reads_the_features_of_its_type_as_multi_parts(ogc, view, n, kind):
    body = ogc.get(f"/collections/{view}/items", params={"limit": 1000}).json()
    assert body["numberMatched"] == n
    assert body["numberReturned"] == n
    assert {f["geometry"]["type"] for f in body["features"]} == {kind}
    # the same ids and properties as in the storage collection
    first = body["features"][0]
    stored = ogc.get(f"/collections/water_bodies/items/{first['id']}").json()
    assert stored["properties"]["code"] == first["properties"]["code"]


def test_the_views_partition_the_mixed_collection(ogc):
    ids = {
        view: {f["id"] for f in ogc.get(f"/collections/{view}/items?limit=1000").json()["features"]}
        for view in ("water_areas", "water_lines", "water_bodies")
    }
    assert ids["water_areas"] | ids["water_lines"] == ids["water_bodies"]
    assert not ids["water_areas"] & ids["water_lines"]
    assert len(ids["water_bodies"]) == N_RIVERS


def test_a_feature_of_the_other_type_is_not_in_a_view(ogc):
    lines = ogc.get("/collections/water_lines/items?limit=1").json()["features"]
    r = ogc.get(f"/collections/water_areas/items/{lines[0]['id']}")
    assert r.status_code == 404
    one = ogc.get(f"/collections/water_lines/items/{lines[0]['id']}")
    assert one.status_code == 200
    # a view's feature is another representation of the stored row: a weak ETag
    assert one.headers["etag"].startswith('W/"')


def test_views_take_filters_bbox_and_collection_references(ogc):
    body = ogc.get(
        "/collections/water_lines/items",
        params={"filter": "name = '长江'", "bbox": "118.9,30.9,120.5,31.6"},
    ).json()
    assert [f["properties"]["name"] for f in body["features"]] == ["长江"]
    # COLLECTION('water_areas', ...) reads only the polygons (all lakes in the seed)
    assert _near_outfalls(ogc, "water_areas", "lake") > 0
    assert _near_outfalls(ogc, "water_areas", "river") == 0
    assert _near_outfalls(ogc, "water_lines", "river") == _near_outfalls(
        ogc, "water_bodies", "river"
    )
    assert _near_outfalls(ogc, "water_lines", "river") > 0


def _near_outfalls(ogc, target: str, kind: str) -> int:
    """Outfalls within 500 m of the ``kind`` features of ``target``."""
    inner = f"kind = ''{kind}''"
    flt = f"S_DWITHIN_M(geom, COLLECTION('{target}', '{inner}'), 500)"
    body = ogc.get("/collections/outfalls/items", params={"filter": flt, "limit": 1000}).json()
    return int(body["numberReturned"])


def test_listed_collections_state_one_geometry_type_and_link_their_storage(ogc):
    listed = ogc.get("/collections").json()["collections"]
    assert "water_bodies" not in [c["id"] for c in listed]
    for c in listed:
        assert c["geometry_type"] in {"MULTIPOLYGON", "MULTILINESTRING", "POINT"}, c["id"]
    areas = next(c for c in listed if c["id"] == "water_areas")
    assert areas["stored_in"] == "water_bodies"
    assert any(lk["href"].endswith("/collections/water_bodies") for lk in areas["links"])
    mixed = ogc.get("/collections/water_bodies").json()
    assert mixed["geometry_type"] == "GEOMETRY"
    assert mixed["views"] == ["water_areas", "water_lines"]
    assert mixed["release"]["name"] == areas["release"]["name"] == "2024"


@pytest.mark.parametrize("collection", PUBLISHED, ids=lambda c: c.id)
def test_titles_and_descriptions_are_chinese_with_english_beside(ogc, collection):
    body = ogc.get(f"/collections/{collection.id}").json()
    assert body["title"] == collection.title
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["description"]), body["description"]
    assert body["title_en"] and body["description_en"]
    assert body["description_en"] != body["description"]


@pytest.mark.parametrize("collection", [*COLLECTIONS, *VIEWS], ids=lambda c: c.id)
def test_the_schema_gives_every_property_a_chinese_title_and_a_type(ogc, collection):
    r = ogc.get(f"/collections/{collection.id}/schema")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/schema+json"
    schema = r.json()
    props = schema["properties"]
    roles = {name: p.get("x-ogc-role") for name, p in props.items()}
    assert roles["id"] == "id" and roles["geom"] == "primary-geometry"
    feature = ogc.get(f"/collections/{collection.id}/items?limit=1").json()["features"]
    names = set(feature[0]["properties"]) if feature else set(collection.field_names)
    assert names <= set(props), names - set(props)
    for f in collection.fields:
        assert props[f.name]["title"] == f.label
        assert "type" in props[f.name]
    queryables = ogc.get(f"/collections/{collection.id}/queryables").json()["properties"]
    assert {n: q["title"] for n, q in queryables.items() if n in props} == {
        n: props[n]["title"] for n in queryables if n in props
    }


def test_both_industry_lists_are_string_arrays_and_an_empty_one_is_null(ogc):
    props = ogc.get("/collections/control_units/schema").json()["properties"]
    for name in ("banned_industries", "restricted_industries"):
        assert props[name]["type"] == "array"
        assert props[name]["items"] == {"type": "string"}
    features = ogc.get("/collections/control_units/items?limit=100").json()["features"]
    values = [f["properties"]["restricted_industries"] for f in features]
    assert [] not in values
    assert all(v is None or isinstance(v, list) for v in values)
