"""OGC API Tiles as GDAL's OGCAPI driver walks it: collection → tilesets → tileset → TMS."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest

from tests.ogc.test_tiles import _tile_xy

TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
MVT = "application/vnd.mapbox-vector-tile"
#: OGC 2D-TMS 2.0 (17-083r4), Annex D.1 WebMercatorQuad, tile matrix 10.
SCALE_10 = 545978.773465544
CELL_10 = 152.874056570353
ORIGIN = 20037508.3427892


def _one(links: list[dict], rel: str) -> dict:
    [found] = [lk for lk in links if lk["rel"] == rel]
    return found


def _tileset_url(ogc, collection: str) -> str:
    coll = ogc.get(f"/collections/{collection}").json()
    tilesets = _one(coll["links"], TILESETS_VECTOR)
    assert tilesets["type"] == "application/json"
    body = ogc.get(tilesets["href"]).json()
    [tileset] = body["tilesets"]
    self_link = _one(tileset["links"], "self")
    assert self_link["type"] == "application/json"
    return self_link["href"]


def test_collection_links_the_tilesets_list_not_the_tilejson(ogc):
    coll = ogc.get("/collections/control_units").json()
    href = _one(coll["links"], TILESETS_VECTOR)["href"]
    assert href.endswith("/collections/control_units/tiles")
    r = ogc.get(href)
    assert r.status_code == 200
    [tileset] = r.json()["tilesets"]
    assert tileset["dataType"] == "vector"
    assert tileset["tileMatrixSetURI"] == WEB_MERCATOR_QUAD
    assert tileset["crs"] == EPSG_3857
    assert tileset["title"]
    assert _one(tileset["links"], "self")["href"].endswith(
        "/collections/control_units/tiles/WebMercatorQuad"
    )
    scheme = _one(tileset["links"], TILING_SCHEME)
    assert scheme["href"].endswith("/tileMatrixSets/WebMercatorQuad")
    assert scheme["type"] == "application/json"


def test_tileset_has_tiling_scheme_and_item_template_and_stays_tilejson(ogc):
    tileset = ogc.get(_tileset_url(ogc, "control_units")).json()
    # the OGC tileset metadata …
    assert tileset["dataType"] == "vector"
    assert tileset["tileMatrixSetURI"] == WEB_MERCATOR_QUAD
    scheme = _one(tileset["links"], TILING_SCHEME)
    assert ogc.get(scheme["href"]).json()["id"] == "WebMercatorQuad"
    item = _one(tileset["links"], "item")
    assert item["type"] == MVT
    for var in ("{tileMatrix}", "{tileRow}", "{tileCol}"):
        assert var in item["href"], item["href"]
    # … whose template, filled in as GDAL does, gives the tile
    x, y = _tile_xy(119.05, 31.05, 10)
    url = (
        item["href"]
        .replace("{tileMatrix}", "10")
        .replace("{tileRow}", str(y))
        .replace("{tileCol}", str(x))
    )
    r = ogc.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == MVT
    assert mapbox_vector_tile.decode(r.content)["control_units"]["features"]
    # … and still the TileJSON that MapLibre and Leaflet read
    assert tileset["tilejson"] == "3.0.0"
    assert tileset["tiles"][0].endswith("/{z}/{x}/{y}")


def test_tiling_scheme_is_the_standard_web_mercator_quad(ogc):
    r = ogc.get("/tileMatrixSets/WebMercatorQuad")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    tms = r.json()
    assert tms["id"] == "WebMercatorQuad"
    assert tms["uri"] == WEB_MERCATOR_QUAD
    assert tms["crs"] == EPSG_3857
    matrices = tms["tileMatrices"]
    assert [m["id"] for m in matrices] == [str(z) for z in range(len(matrices))]
    assert len(matrices) == 23  # 0 … 22, the zooms the tiles answer
    m10 = matrices[10]
    assert m10["matrixWidth"] == m10["matrixHeight"] == 1024
    assert m10["tileWidth"] == m10["tileHeight"] == 256
    assert m10["scaleDenominator"] == pytest.approx(SCALE_10, rel=1e-6)
    assert m10["cellSize"] == pytest.approx(CELL_10, rel=1e-6)
    assert m10["cornerOfOrigin"] == "topLeft"
    assert m10["pointOfOrigin"] == pytest.approx([-ORIGIN, ORIGIN], rel=1e-9)
    for z, m in enumerate(matrices):
        assert m["matrixWidth"] == m["matrixHeight"] == 2**z
        assert m["scaleDenominator"] == pytest.approx(SCALE_10 * 2 ** (10 - z), rel=1e-6)
        # cellSize = scaleDenominator × 0.28 mm (2D-TMS, the standardized pixel)
        assert m["cellSize"] == pytest.approx(m["scaleDenominator"] * 0.28e-3, rel=1e-9)
    # a tile at 10 spans 256 cells: the whole matrix spans the projected world
    assert 1024 * 256 * m10["cellSize"] == pytest.approx(2 * ORIGIN, rel=1e-9)
    assert math.isclose(matrices[0]["cellSize"] * 256, 2 * ORIGIN, rel_tol=1e-9)


def test_tiling_scheme_carries_the_1_0_names_gdal_3_6_reads(ogc):
    tms = ogc.get("/tileMatrixSets/WebMercatorQuad").json()
    assert tms["identifier"] == "WebMercatorQuad"
    assert tms["supportedCRS"] == EPSG_3857
    assert tms["boundingBox"]["lowerCorner"] == pytest.approx([-ORIGIN, -ORIGIN], rel=1e-9)
    assert tms["boundingBox"]["upperCorner"] == pytest.approx([ORIGIN, ORIGIN], rel=1e-9)
    m10 = tms["tileMatrices"][10]
    assert m10["identifier"] == "10"
    assert m10["topLeftCorner"] == m10["pointOfOrigin"]


def test_tile_matrix_sets_list_and_conformance(ogc):
    r = ogc.get("/tileMatrixSets")
    assert r.status_code == 200
    [tms] = r.json()["tileMatrixSets"]
    assert tms["id"] == "WebMercatorQuad"
    assert tms["uri"] == WEB_MERCATOR_QUAD
    href = _one(tms["links"], TILING_SCHEME)["href"]
    assert ogc.get(href).json()["tileMatrices"][0]["matrixWidth"] == 1
    unknown = ogc.get("/tileMatrixSets/WorldCRS84Quad")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    conforms = ogc.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset" in conforms
    assert "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset" in conforms
    # no dataset tileset is served at /tiles, so none is declared
    assert not any(c.endswith("/dataset-tilesets") for c in conforms)


def test_every_listed_collection_links_a_tilesets_list_that_answers(ogc):
    for coll in ogc.get("/collections").json()["collections"]:
        href = _one(coll["links"], TILESETS_VECTOR)["href"]
        assert href.endswith(f"/collections/{coll['id']}/tiles"), href
        [tileset] = ogc.get(href).json()["tilesets"]
        assert ogc.get(_one(tileset["links"], "self")["href"]).status_code == 200
