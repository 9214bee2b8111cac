"""gis.raster on rasters the tests write: zonal statistics against numpy, slope, tiles."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import CRS, Transformer
from rasterio.transform import from_origin
from shapely.geometry import Point, box

from gis.errors import MissingCRSError
from gis.raster import inspect, render_tile, slope_degrees, write_cog, zonal_stats
from tests.raster_fixture import GK_120, gk_origin, write_plane, write_raster

LON, LAT = 119.5, 32.0
TO_LONLAT = Transformer.from_crs(CRS.from_user_input(GK_120), CRS.from_epsg(4326), always_xy=True)


def _lonlat(geom):
    return shapely.transform(
        geom, lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1]))
    )


def _centres_inside(transform, shape, geom):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    xs, ys = rasterio.transform.xy(transform, rows.ravel(), cols.ravel(), offset="center")
    inside = shapely.contains_xy(geom, np.asarray(xs), np.asarray(ys))
    return inside.reshape(shape)


@pytest.fixture
def known(tmp_path: Path):
    """A 60×50 GK raster of random elevations (10 m cells) with a nodata block."""
    rng = np.random.default_rng(7)
    z = rng.integers(0, 500, size=(50, 60)).astype(np.int16)
    z[10:14, 20:30] = -999
    x0, y0 = gk_origin(LON, LAT, 250)
    t = from_origin(x0, y0, 10, 10)
    path = write_raster(tmp_path / "known.tif", z, t, GK_120, -999)
    return path, z, t, (x0, y0)


def test_zonal_stats_match_numpy_on_a_footprint_crossing_cell_edges(known):
    path, z, t, (x0, y0) = known
    # a polygon whose edges run through cells (3.3 m and 7.7 m into them) and over the nodata block
    geom = shapely.Polygon(
        [
            (x0 + 93.3, y0 - 47.7),
            (x0 + 433.3, y0 - 57.7),
            (x0 + 413.3, y0 - 287.7),
            (x0 + 113.3, y0 - 307.7),
        ]
    )
    inside = _centres_inside(t, z.shape, geom)
    valid = inside & (z != -999)
    assert (inside & (z == -999)).any()  # the footprint covers nodata, which must not count
    got = zonal_stats(path, _lonlat(geom), "continuous")
    assert got["status"] == "ok" and got["pixel_rule"] == "centre"
    assert got["pixels"] == int(valid.sum())
    assert got["nodata_pixels"] == int((inside & (z == -999)).sum())
    assert got["min"] == pytest.approx(float(z[valid].min()))
    assert got["max"] == pytest.approx(float(z[valid].max()))
    assert got["mean"] == pytest.approx(float(z[valid].mean()), abs=1e-3)
    assert got["area_m2"] == pytest.approx(valid.sum() * 100.0)


def test_class_areas_and_shares_match_numpy(tmp_path):
    rng = np.random.default_rng(3)
    z = rng.choice(np.array([1, 5, 12], dtype=np.uint8), size=(40, 40))
    x0, y0 = gk_origin(LON, LAT, 200)
    t = from_origin(x0, y0, 10, 10)
    path = write_raster(tmp_path / "lc.tif", z, t, GK_120, 255)
    geom = box(x0 + 57, y0 - 303, x0 + 253, y0 - 47)
    inside = _centres_inside(t, z.shape, geom)
    got = zonal_stats(path, _lonlat(geom), "categorical", classes={12: "耕地"})
    by_value = {c["value"]: c for c in got["classes"]}
    assert set(by_value) == {1, 5, 12}
    for value, entry in by_value.items():
        n = int((inside & (z == value)).sum())
        assert entry["pixels"] == n
        assert entry["area_m2"] == pytest.approx(n * 100.0)
        assert entry["share_pct"] == pytest.approx(100.0 * n / inside.sum(), abs=1e-3)
    assert by_value[12]["name"] == "耕地" and by_value[1]["name"] == "类别 1"


def test_outside_and_nodata_only_are_no_data_never_zeros(known):
    path, _z, _t, (x0, y0) = known
    far = zonal_stats(path, Point(LON + 1, LAT + 1).buffer(0.001), "continuous")
    assert far["status"] == "no_data" and far["reason"] == "outside_raster"
    assert "min" not in far
    hole = box(x0 + 205, y0 - 135, x0 + 295, y0 - 105)  # inside the -999 block only
    got = zonal_stats(path, _lonlat(hole), "continuous")
    assert got["status"] == "no_data" and got["reason"] == "nodata"


def test_a_point_takes_the_cell_it_touches(known):
    path, z, _t, (x0, y0) = known
    got = zonal_stats(path, _lonlat(Point(x0 + 5 * 10 + 3, y0 - 3 * 10 - 4)), "continuous")
    assert got["pixel_rule"] == "touched"
    assert got["pixels"] == 1 and got["mean"] == pytest.approx(float(z[3, 5]))


@pytest.mark.parametrize("slope", [5.0, 25.0, 30.0, 45.0])
def test_slope_of_an_inclined_plane_within_a_tenth_of_a_degree(tmp_path, slope):
    path = write_plane(tmp_path / "plane.tif", LON, LAT, slope, size=120)
    x0, y0 = gk_origin(LON, LAT, 600)
    footprint = _lonlat(box(x0 + 300, y0 - 900, x0 + 900, y0 - 300))
    got = zonal_stats(path, footprint, "continuous", slope=True)
    assert got["slope_mean"] == pytest.approx(slope, abs=0.1)
    assert got["slope_min"] == pytest.approx(slope, abs=0.1)
    assert got["slope_max"] == pytest.approx(slope, abs=0.1)


def test_slope_on_a_lon_lat_raster_is_computed_in_metres(tmp_path):
    """A plane rising 30° northward on a 1″ lon/lat grid: degrees of latitude are not metres."""
    res = 1 / 3600
    rows, cols = 300, 300
    lat_top = LAT + rows * res / 2
    lats = lat_top - (np.arange(rows) + 0.5) * res
    # metres north of the bottom row along the meridian (WGS84 meridian arc)
    a, e2 = 6378137.0, 0.00669437999014
    phi = np.radians(lats)
    m = a * (1 - e2) / (1 - e2 * np.sin(phi) ** 2) ** 1.5
    north = np.cumsum((m * math.radians(res))[::-1])[::-1]
    z = np.repeat((north * math.tan(math.radians(30)))[:, None], cols, axis=1).astype(np.float64)
    t = from_origin(LON - cols * res / 2, lat_top, res, res)
    path = write_raster(tmp_path / "ll.tif", z, t, "EPSG:4326", -9999)
    got = zonal_stats(
        path, box(LON - 0.02, LAT - 0.02, LON + 0.02, LAT + 0.02), "continuous", slope=True
    )
    assert got["slope_mean"] == pytest.approx(30.0, abs=0.1)


def test_slope_next_to_nodata_is_not_invented():
    z = np.full((5, 5), 10.0)
    z[2, 3] = np.nan
    s = slope_degrees(z, np.full(5, 10.0), np.full(5, 10.0))
    assert np.isnan(s[2, 2]) and np.isnan(s[0, 0])
    assert s[1, 1] == pytest.approx(0.0)


def test_a_raster_without_crs_needs_one_and_gets_it_in_its_cog(tmp_path):
    z = np.arange(100, dtype=np.int16).reshape(10, 10)
    path = write_raster(tmp_path / "nocrs.tif", z, from_origin(119, 32, 0.01, 0.01), None)
    with pytest.raises(MissingCRSError) as err:
        inspect(path)
    assert "--crs" in err.value.detail
    info = inspect(path, "EPSG:4326")
    write_cog(path, tmp_path / "cog.tif", info, "continuous")
    with rasterio.open(tmp_path / "cog.tif") as ds:
        assert ds.crs.to_epsg() == 4326
        assert ds.read(1).tolist() == z.tolist()


def test_a_tile_is_a_png_transparent_outside_the_raster(tmp_path):
    path = write_plane(tmp_path / "plane.tif", LON, LAT, 10.0, size=200)
    n = 1 << 14
    x = int((LON + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(LAT))) / math.pi) / 2 * n)
    png = render_tile(path, 14, x, y, "continuous")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with rasterio.io.MemoryFile(png) as mem, mem.open() as ds:
        alpha = ds.read(4)
    assert alpha.max() == 200  # the raster is drawn …
    assert alpha.min() == 0  # … and transparent around it (a 2 km raster in a 2.4 km tile)
