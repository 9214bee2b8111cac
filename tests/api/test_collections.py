"""The first read API: collections, items (bbox, paging, as-of), single items, problems."""

import re
from dataclasses import asdict
from datetime import date

import geopandas as gpd
import pytest
import shapely

from api.routes.entry_lists import router as entry_lists_router
from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.store.catalog import COLLECTIONS, PUBLISHED, VIEWS


def _load(
    session, collection: str, release: str, frame: gpd.GeoDataFrame, valid_from=date(2024, 1, 1)
):
    source = SourceData(frame=frame, crs=frame.crs, format="test")
    return import_source(
        session,
        source,
        ImportOptions(collection=collection, release=release, valid_from=valid_from),
        label="test",
    )


@pytest.fixture
def stations(db_session):
    n = 23
    frame = gpd.GeoDataFrame(
        {
            "code": [f"{1000 + i}A" for i in range(n)],
            "name": [f"站{i}" for i in range(n)],
            "medium": ["air"] * n,
        },
        geometry=[shapely.Point(119.0 + i * 0.1, 32.0) for i in range(n)],
        crs=4326,
    )
    return _load(db_session, "monitoring_stations", "st-2024", frame)


def test_collections_lists_every_catalogue_collection(client, stations):
    body = client.get("/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == [c.id for c in PUBLISHED]
    st = next(c for c in body["collections"] if c["id"] == "monitoring_stations")
    assert st["release"]["name"] == "st-2024"
    assert st["extent"]["spatial"]["bbox"][0] == pytest.approx([119.0, 32.0, 121.2, 32.0])
    assert any(link["rel"] == "items" for link in st["links"])


@pytest.mark.parametrize("collection", PUBLISHED, ids=lambda c: c.id)
def test_collection_metadata_carries_the_catalogues_map_style(client, collection):
    listed = next(
        c for c in client.get("/collections").json()["collections"] if c["id"] == collection.id
    )
    single = client.get(f"/collections/{collection.id}").json()
    for body in (listed, single):
        assert body["style"] == asdict(collection.style)
        assert body["min_zoom"] == collection.min_zoom
        assert body["default_visible"] is collection.default_visible
        assert body["entry_list"] == list(collection.entry_list)
        assert body["clauses_path"] == collection.clauses_path
        labels = {f["name"]: f["value_labels"] for f in body["fields"]}
        assert labels == {f.name: f.value_labels or None for f in collection.fields}


@pytest.mark.parametrize("collection", [*COLLECTIONS, *VIEWS], ids=lambda c: c.id)
def test_catalogue_styles_name_real_fields_and_values(collection):
    style = collection.style
    colours = [style.color, *style.classes.values()] + ([style.fill] if style.fill else [])
    assert all(re.fullmatch(r"#[0-9a-f]{3}([0-9a-f]{3})?", c) for c in colours), colours
    assert 0 <= style.fill_opacity <= 1 and style.weight > 0 and collection.min_zoom >= 0
    assert bool(style.classes) == (style.class_field is not None)
    if style.class_field is not None:
        choices = collection.field(style.class_field).choices
        assert choices is not None and set(style.classes) <= set(choices)
    extra = set(style.labels) | set(style.weights) | set(style.dashes)
    assert extra <= set(style.classes), extra
    assert set(collection.entry_list) <= set(collection.field_names)
    for f in collection.fields:
        assert set(f.value_labels) <= set(f.choices or ()), f.name
    if collection.search_rank is not None:
        assert collection.code_field in collection.field_names
    if collection.clauses_path is not None:  # the map's popup fetches it with the code
        assert collection.clauses_path in {r.path for r in entry_lists_router.routes}
        assert "{code}" in collection.clauses_path and "code" in collection.field_names


def test_catalogue_search_ranks_are_distinct_and_some_layers_show_by_default():
    ranks = [c.search_rank for c in COLLECTIONS if c.search_rank is not None]
    assert len(ranks) == len(set(ranks))
    assert any(c.default_visible for c in COLLECTIONS)
    assert sum(c.style.base for c in COLLECTIONS) >= 1  # the offline basemap


def test_items_is_geojson_with_release_and_count(client, stations):
    response = client.get("/collections/monitoring_stations/items", params={"limit": 5})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == 5 and body["numberMatched"] == 23
    feature = body["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [119.0, 32.0]}
    assert feature["properties"]["release"] == "st-2024"
    assert feature["properties"]["medium"] == "air"


def test_paging_walks_the_collection_exactly_once(client, stations):
    seen = []
    url = "/collections/monitoring_stations/items?limit=5"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
        pages += 1
        assert pages < 20
    assert len(seen) == 23 and len(set(seen)) == 23


def test_prev_link_on_later_pages(client, stations):
    body = client.get("/collections/monitoring_stations/items?limit=5&offset=10").json()
    prev = [link["href"] for link in body["links"] if link["rel"] == "prev"]
    assert prev and "offset=5" in prev[0]


def test_bbox_filters_and_counts_small_releases_exactly(client, stations):
    body = client.get(
        "/collections/monitoring_stations/items", params={"bbox": "119.05,31.9,119.35,32.1"}
    ).json()
    assert [f["properties"]["code"] for f in body["features"]] == ["1001A", "1002A", "1003A"]
    assert body["numberMatched"] == 3


def test_datetime_before_any_release_is_empty(client, stations):
    body = client.get(
        "/collections/monitoring_stations/items", params={"datetime": "2023-06-30"}
    ).json()
    assert body["features"] == [] and body["release"] is None


def test_single_item_has_source_properties_and_links(client, db_session):
    frame = gpd.GeoDataFrame(
        {"name": ["长江"], "kind": ["river"], "yangtze_class": ["mainstem"], "GBCODE": [21011]},
        geometry=[shapely.LineString([(120.1, 31.95), (120.4, 31.96)])],
        crs=4326,
    )
    report = _load(db_session, "water_bodies", "wb", frame)
    items = client.get("/collections/water_bodies/items").json()
    fid = items["features"][0]["id"]
    feature = client.get(f"/collections/water_bodies/items/{fid}").json()
    assert feature["properties"]["yangtze_class"] == "mainstem"
    assert feature["properties"]["source_properties"] == {"GBCODE": 21011}
    assert feature["properties"]["release"] == report.release
    assert {"self", "collection"} <= {link["rel"] for link in feature["links"]}


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/collections/nope/items", 404, "collection"),
        ("/collections/red_lines/items/999999", 404, "featureId"),
        ("/collections/red_lines/items?bbox=1,2,3", 400, "bbox"),
        ("/collections/red_lines/items?bbox=200,0,210,1", 400, "bbox"),
        ("/collections/red_lines/items?datetime=yesterday", 400, "datetime"),
    ],
)
def test_bad_requests_are_problems_naming_the_field(client, url, status, field):
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["field"] == field and body["detail"]


def test_query_validation_error_is_a_400_problem(client):
    # OGC API Features: invalid query parameters are 400 (bodies stay 422)
    response = client.get("/collections/red_lines/items?limit=0")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


def test_releases_endpoint_includes_import_report(client, stations):
    body = client.get("/collections/monitoring_stations/releases").json()
    [release] = body["releases"]
    assert release["import_report"]["features_imported"] == 23


def test_500_hides_the_error_and_carries_a_request_id(database_url):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from layers.store.db import DatabaseSettings

    app = create_app(
        ApiSettings(_env_file=None), DatabaseSettings(url=database_url, _env_file=None)
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text and "Traceback" not in response.text
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_a_release_has_one_wire_form_on_every_route(client, stations):
    from layers.store.releases import PUBLIC_FIELDS

    collection = client.get("/collections/monitoring_stations").json()["release"]
    page = client.get("/collections/monitoring_stations/items", params={"limit": 1}).json()
    listed = client.get("/collections/monitoring_stations/releases").json()["releases"]
    assert list(collection) == list(PUBLIC_FIELDS)
    assert page["release"] == collection
    assert {k: v for k, v in listed[0].items() if k != "import_report"} == collection
    assert collection["name"] == "st-2024" and collection["imported_at"].startswith("20")
