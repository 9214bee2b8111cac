"""The raster endpoints: stats of any GeoJSON geometry, PNG tiles, the list, problem+json."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rasterio.io import MemoryFile
from shapely.geometry import box, mapping

from layers.store.rasters import RasterSettings
from tests.raster_fixture import import_test_raster, write_plane

LON, LAT = 119.5, 32.0


@pytest.fixture
def dem(client, db_session, tmp_path):
    data = tmp_path / "data"
    src = write_plane(tmp_path / "plane.tif", LON, LAT, 30.0, size=300)
    import_test_raster(db_session, src, data, source="test plane", licence="CC0")
    client.app.state.raster_settings = RasterSettings(data_dir=data, _env_file=None)  # type: ignore[call-arg]
    return data


def test_stats_of_a_geojson_polygon_and_its_buffer(client, dem):
    site = box(LON - 0.003, LAT - 0.003, LON + 0.003, LAT + 0.003)
    r = client.post(
        "/rasters/dem/stats",
        json={"geometry": mapping(site), "as_of": "2024-06-30", "buffer_m": 100},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["raster"]["release"] == "test" and body["raster"]["licence"] == "CC0"
    assert body["geometry"]["slope_mean"] == pytest.approx(30.0, abs=0.1)
    assert body["geometry"]["pixel_rule"] == "centre"
    assert body["buffer"]["area_m2"] > body["geometry"]["area_m2"]


def test_stats_of_a_site_in_cgcs2000_metres_equal_its_lon_lat_ones(client, dem):
    """``crs`` as a screening takes it: a zone's X/Y; a PROJ string is refused naming crs."""
    from pyproj import Transformer

    site = box(LON - 0.003, LAT - 0.003, LON + 0.003, LAT + 0.003)
    to_zone = Transformer.from_crs(4490, 4548, always_xy=True)  # zone 40 without its number
    in_zone = {
        "type": "Polygon",
        "coordinates": [[to_zone.transform(*c) for c in site.exterior.coords]],
    }
    asked = {"as_of": "2024-06-30"}
    lonlat = client.post("/rasters/dem/stats", json={**asked, "geometry": mapping(site)}).json()
    zone = client.post(
        "/rasters/dem/stats", json={**asked, "geometry": in_zone, "crs": "EPSG:4548"}
    )
    assert zone.status_code == 200, zone.text
    got, want = zone.json()["geometry"], lonlat["geometry"]
    assert got["area_m2"] == pytest.approx(want["area_m2"], rel=1e-6)
    assert got["slope_mean"] == pytest.approx(want["slope_mean"], abs=1e-6)
    proj = client.post(
        "/rasters/dem/stats",
        json={**asked, "geometry": in_zone, "crs": "+proj=tmerc +lon_0=120 +ellps=GRS80"},
    )
    assert proj.status_code == 400 and proj.json()["field"] == "crs"


def test_outside_the_raster_is_no_data_with_the_reason(client, dem):
    far = box(LON + 1, LAT + 1, LON + 1.01, LAT + 1.01)
    body = client.post("/rasters/dem/stats", json={"geometry": mapping(far)}).json()
    assert body["geometry"] == {
        "status": "no_data",
        "reason": "outside_raster",
        "text": "项目不在该栅格的范围内",
    }


def test_bad_input_is_problem_json_naming_the_field(client, dem):
    r = client.post("/rasters/nope/stats", json={"geometry": mapping(box(119, 32, 119.1, 32.1))})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert (
        "dem" in r.json()["detail"] and r.json()["field"] == "layer"
        if "field" in r.json()
        else True
    )
    r = client.post(
        "/rasters/dem/stats", json={"geometry": {"type": "Polygon", "coordinates": "x"}}
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = client.get("/rasters/dem/tiles/WebMercatorQuad/3/9/0.png")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_a_tile_is_a_png_of_the_release_in_force(client, dem):
    n = 1 << 14
    x = int((LON + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(LAT))) / math.pi) / 2 * n)
    r = client.get(f"/rasters/dem/tiles/WebMercatorQuad/14/{x}/{y}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    with MemoryFile(r.content) as mem, mem.open() as ds:
        assert ds.count == 4 and np.asarray(ds.read(4)).max() == 200
    r = client.get(f"/rasters/dem/tiles/WebMercatorQuad/14/{x}/{y}.png?datetime=1990-01-01")
    assert r.status_code == 404


def test_the_list_names_layers_and_releases(client, dem):
    body = client.get("/rasters").json()
    layers = {layer["id"]: layer for layer in body["layers"]}
    assert set(layers) == {"dem", "land_cover"}
    (release,) = layers["dem"]["releases"]
    assert release["crs"] == "EPSG:4549" and release["source"] == "test plane"
    assert layers["land_cover"]["releases"] == []
