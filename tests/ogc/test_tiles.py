"""Vector tiles: MVT bytes, release honoured, ETag/304, cache keyed by release, TileJSON."""

from __future__ import annotations

import mapbox_vector_tile

from tests.ogc.conftest import N_UNITS


def _tile_xy(lon, lat, z):
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_collection_tile_is_mvt_with_properties(ogc):
    x, y = _tile_xy(119.05, 31.05, 12)
    r = ogc.get(f"/collections/control_units/tiles/WebMercatorQuad/12/{x}/{y}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["etag"].startswith('"')
    assert "max-age" in r.headers["cache-control"]
    tile = mapbox_vector_tile.decode(r.content)
    layer = tile["control_units"]
    assert layer["features"]
    props = layer["features"][0]["properties"]
    assert {"code", "name", "unit_class"} <= set(props)
    again = ogc.get(
        f"/collections/control_units/tiles/WebMercatorQuad/12/{x}/{y}",
        headers={"if-none-match": r.headers["etag"]},
    )
    assert again.status_code == 304
    url = f"/collections/control_units/tiles/WebMercatorQuad/12/{x}/{y}"
    etag = r.headers["etag"]
    for value in (f"W/{etag}", f'"other", {etag}', "*"):  # weak form, a list, any
        assert ogc.get(url, headers={"if-none-match": value}).status_code == 304, value
    assert ogc.get(url, headers={"if-none-match": '"other"'}).status_code == 200


def test_low_zoom_tile_holds_every_unit(ogc):
    x, y = _tile_xy(119.3, 31.3, 6)
    r = ogc.get(f"/collections/control_units/tiles/WebMercatorQuad/6/{x}/{y}?properties=code")
    tile = mapbox_vector_tile.decode(r.content)
    assert len(tile["control_units"]["features"]) == N_UNITS
    assert set(tile["control_units"]["features"][0]["properties"]) == {"code"}


def test_tile_honours_datetime(ogc):
    x, y = _tile_xy(119.05, 31.0, 8)
    new = mapbox_vector_tile.decode(
        ogc.get(f"/collections/water_bodies/tiles/WebMercatorQuad/8/{x}/{y}").content
    )
    old_r = ogc.get(
        f"/collections/water_bodies/tiles/WebMercatorQuad/8/{x}/{y}?datetime=2021-01-01"
    )
    old = mapbox_vector_tile.decode(old_r.content)
    assert len(old["water_bodies"]["features"]) == 5
    assert len(new["water_bodies"]["features"]) > 5
    none = ogc.get(f"/collections/water_bodies/tiles/WebMercatorQuad/8/{x}/{y}?datetime=2019-01-01")
    assert none.status_code == 200
    assert none.content == b""


def test_combined_tile_has_one_layer_per_collection(ogc):
    x, y = _tile_xy(119.05, 31.05, 10)
    r = ogc.get(f"/tiles/WebMercatorQuad/10/{x}/{y}?collections=control_units,outfalls")
    tile = mapbox_vector_tile.decode(r.content)
    assert set(tile) == {"control_units", "outfalls"}


def test_tile_out_of_range_is_404(ogc):
    r = ogc.get("/collections/control_units/tiles/WebMercatorQuad/3/8/0")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_tilejson(ogc):
    r = ogc.get("/collections/control_units/tiles/WebMercatorQuad")
    assert r.status_code == 200
    body = r.json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith("/collections/control_units/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert body["vector_layers"][0]["id"] == "control_units"
    assert len(body["bounds"]) == 4


def test_cache_key_changes_with_release_revision(ogc, seeded_url):
    from sqlalchemy import create_engine, text

    x, y = _tile_xy(119.05, 31.05, 11)
    url = f"/collections/control_units/tiles/WebMercatorQuad/11/{x}/{y}"
    first = ogc.get(url).headers["etag"]
    assert ogc.get(url).headers["etag"] == first
    engine = create_engine(seeded_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE releases SET revision = revision + 1 WHERE collection = 'control_units'")
        )
    try:
        assert ogc.get(url).headers["etag"] != first
    finally:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE releases SET revision = revision - 1 WHERE collection = 'control_units'"
                )
            )
        engine.dispose()


def test_head_on_a_tile_answers_like_get_without_a_body(ogc):
    url = "/collections/water_areas/tiles/WebMercatorQuad/9/425/209"
    got = ogc.get(url)
    head = ogc.head(url)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-type"] == got.headers["content-type"]
    assert ogc.head("/tiles/WebMercatorQuad/0/0/0").status_code == 200
    # GDAL's MVT driver reads {y}.pbf
    assert ogc.get(url + ".pbf").content == got.content
    assert ogc.get(url + ".png").status_code == 400


def test_tilejson_has_what_gdals_mvt_driver_reads(ogc):
    tj = ogc.get("/collections/water_lines/tiles/WebMercatorQuad").json()
    [layer] = tj["vector_layers"]
    assert layer["id"] == "water_lines"
    assert layer["fields"] == {
        "code": "String",
        "name": "String",
        "kind": "String",
        "yangtze_class": "String",
    }
    assert layer["field_titles"]["name"] == "名称"
    [stats] = tj["tilestats"]["layers"]
    assert stats["geometry"] == "LineString"
    assert len(tj["bounds"]) == 4
    assert any(lk["rel"] == "stylesheet" for lk in tj["links"])


def test_the_styles_use_the_map_colours_and_chinese_labels(ogc):
    style = ogc.get("/collections/control_units/tiles/WebMercatorQuad/style.json").json()
    assert style["version"] == 8
    [source] = style["sources"].values()
    assert source["tiles"][0].endswith(
        "/collections/control_units/tiles/WebMercatorQuad/{z}/{x}/{y}"
    )
    by_id = {layer["id"]: layer for layer in style["layers"]}
    fill = by_id["control_units-fill-重点管控单元"]
    assert fill["filter"] == ["==", "unit_class", "重点管控单元"]
    assert fill["paint"]["fill-color"] == "#ef6c00"  # the web map's colour (catalogue)
    assert fill["minzoom"] == 9
    label = by_id["control_units-label"]
    assert label["layout"]["text-field"] == "{name}"
    assert label["layout"]["text-allow-overlap"] is False
    combined = ogc.get("/tiles/WebMercatorQuad/style.json").json()
    layers = {layer["source-layer"] for layer in combined["layers"]}
    assert "water_bodies" not in layers and {"water_areas", "water_lines"} <= layers
    labels = [i for i, layer in enumerate(combined["layers"]) if layer["type"] == "symbol"]
    assert labels == list(range(len(combined["layers"]) - len(labels), len(combined["layers"])))
    chosen = ogc.get("/tiles/WebMercatorQuad/style.json?collections=outfalls").json()
    assert chosen["sources"]["ecozone"]["tiles"][0].endswith("?collections=outfalls")


def test_the_mixed_collections_style_splits_by_geometry_type(ogc):
    style = ogc.get("/collections/water_bodies/tiles/WebMercatorQuad/style.json").json()
    by_id = {layer["id"]: layer for layer in style["layers"]}
    assert by_id["water_bodies-fill"]["filter"] == ["==", "$type", "Polygon"]
    assert by_id["water_bodies-line"]["filter"] == ["==", "$type", "LineString"]
    # boundaries: one line layer per level, widths and dashes of the map
    admin = ogc.get("/collections/admin_divisions/tiles/WebMercatorQuad/style.json").json()
    county = next(lyr for lyr in admin["layers"] if lyr["id"] == "admin_divisions-line-county")
    assert county["paint"]["line-width"] == 0.8
    assert county["paint"]["line-dasharray"] == [3.75, 3.75]
    assert not any(lyr["type"] == "fill" for lyr in admin["layers"])
