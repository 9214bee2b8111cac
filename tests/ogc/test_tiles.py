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
