"""GDAL's OGCAPI driver reads the vector tiles from a real server (pyogrio's bundled GDAL).

The system GDAL 3.6.2 (Debian) cannot: its OGCAPI driver is built without the vector-tiles
branch. pyogrio's wheel bundles a recent GDAL with the driver.
"""

from __future__ import annotations

import math

import pyogrio

from tests.ogc.conftest import N_UNITS


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    r = 6378137.0
    return r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def test_gdal_ogcapi_lists_the_zoom_levels_and_reads_features(live_server):
    url = f"OGCAPI:{live_server}/collections/control_units"
    layers = [name for name, _ in pyogrio.list_layers(url)]
    assert layers == [f"Zoom level {z}" for z in range(23)]
    # GDAL takes the tile range from the collection's bbox as if it were in the tile
    # matrix set's CRS, so the extent is given in EPSG:3857 (its MINX … open options)
    x0, y0 = _mercator(118.95, 30.95)
    x1, y1 = _mercator(119.65, 31.65)
    extent = {"MINX": x0, "MINY": y0, "MAXX": x1, "MAXY": y1}
    df = pyogrio.read_dataframe(url, layer="Zoom level 8", bbox=(x0, y0, x1, y1), **extent)
    assert df.crs.to_epsg() == 3857
    assert {"code", "name"} <= set(df.columns)
    # a unit cut by a tile edge is in both tiles
    assert df["code"].nunique() == N_UNITS
