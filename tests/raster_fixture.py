"""Rasters the tests write: inclined planes, known elevations and classes (nothing committed)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from pyproj import CRS, Transformer
from rasterio.transform import Affine, from_origin

#: CGCS2000 / 3-degree Gauss-Krüger CM 120E (no zone prefix): metres round (119–121°E).
GK_120 = "EPSG:4549"


def write_raster(
    path: Path,
    data: np.ndarray[Any, Any],
    transform: Affine,
    crs: str | None,
    nodata: float | None = None,
) -> Path:
    """Write ``data`` as a one-band GeoTIFF (tiled, so windows read fast)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "transform": transform,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def gk_origin(lon: float, lat: float, half_m: float) -> tuple[float, float]:
    """The upper-left corner (GK metres) of a square of half-width ``half_m`` round lon/lat."""
    t = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(GK_120), always_xy=True)
    x, y = t.transform(lon, lat)
    return x - half_m, y + half_m


def write_plane(
    path: Path, lon: float, lat: float, slope_deg: float, *, size: int = 400, res: float = 10.0
) -> Path:
    """A DEM of a plane rising eastward at ``slope_deg`` round lon/lat (GK CM 120E, ``res`` m)."""
    x0, y0 = gk_origin(lon, lat, size * res / 2)
    z = np.arange(size, dtype=np.float64)[None, :] * res * math.tan(math.radians(slope_deg))
    z = np.repeat(z, size, axis=0) + 10.0
    return write_raster(path, z.astype(np.float32), from_origin(x0, y0, res, res), GK_120, -9999)


def import_test_raster(
    session: Any, path: Path, data_dir: Path, layer: str = "dem", **options: Any
) -> dict[str, Any]:
    """Import a test raster as release ``options['release']`` (default ``test``)."""
    from layers.ingest.rasters import RasterImportOptions, import_raster
    from layers.store.rasters import RasterSettings

    opts = RasterImportOptions(
        layer=layer,
        release=options.pop("release", "test"),
        valid_from=options.pop("valid_from", date(2000, 1, 1)),
        **options,
    )
    settings = RasterSettings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    return import_raster(session, path, opts, settings)
