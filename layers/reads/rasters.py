"""Reading raster layers: zonal statistics of a geometry and its buffer, and map tiles.

The statistics follow :func:`gis.raster.zonal_stats` (a pixel counts when its centre lies
inside the geometry; metres on the WGS84 ellipsoid); each answer cites the raster
release it was computed on. A layer with no release in force, or a geometry outside the
raster or over nodata only, is ``no_data`` with the reason — never zeros.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from layers.errors import RasterLayerNotFoundError
from layers.store.rasters import (
    RasterSettings,
    StoredRaster,
    get_raster_layer,
    raster_in_force,
)

#: Where the demo's coarse land-cover raster is used, reviewers read this.
COARSE_NOTE = (
    "该栅格分辨率约 {res:.0f} 米，只能说明项目周边的概况；项目尺度的判断需要导入更精细的栅格"
    "（ecozone import-raster）。"
)
#: Resolution (m) above which a raster is called coarse for a project.
COARSE_M = 1000.0


def zonal(stored: StoredRaster, geom: BaseGeometry, buffer_m: float = 0.0) -> dict[str, Any]:
    """Statistics of ``stored`` over ``geom`` (lon/lat) and, when ``buffer_m`` > 0, its buffer.

    Raises:
        RasterTooLargeError: the geometry is too large for the raster's resolution.
    """
    # lazy: gis.raster loads rasterio/GDAL (~50 MB), which a worker needs only once a
    # raster release is in force (issue 12)
    from gis.raster import buffer_lonlat, zonal_stats_parts

    layer = get_raster_layer(stored.layer)
    slope = layer.id == "dem"
    names = stored.class_names

    parts = [geom] + ([buffer_lonlat(geom, buffer_m)] if buffer_m > 0 else [])
    if stored.path.is_file():
        stats = zonal_stats_parts(stored.path, parts, layer.kind, slope=slope, classes=names)
    else:
        missing = {
            "status": "no_data",
            "reason": "file_missing",
            "text": "该栅格版本的文件不在数据目录中",
        }
        stats = [dict(missing) for _ in parts]
    out: dict[str, Any] = {
        "layer": layer.id,
        "title": layer.title,
        "kind": layer.kind,
        "unit": layer.unit,
        "raster": stored.evidence(),
        "geometry": stats[0],
    }
    if buffer_m > 0:
        out["buffer_m"] = buffer_m
        out["buffer"] = stats[1]
    if stored.resolution_m > COARSE_M:
        out["note"] = COARSE_NOTE.format(res=stored.resolution_m)
    return out


def no_release(layer: str, as_of: date) -> dict[str, Any]:
    """The answer for a layer without a release in force on ``as_of``."""
    found = get_raster_layer(layer)
    reason = {
        "status": "no_data",
        "reason": "no_release",
        "text": f"图层 {found.title} 在 {as_of.isoformat()} 无有效版本",
    }
    return {"layer": found.id, "title": found.title, "kind": found.kind, "geometry": reason}


def raster_stats(
    session: Session,
    layer: str,
    geom: BaseGeometry,
    as_of: date,
    settings: RasterSettings,
    buffer_m: float = 0.0,
) -> dict[str, Any]:
    """Zonal statistics of a raster layer's release in force on ``as_of``.

    Raises:
        RasterLayerNotFoundError: unknown layer.
        RasterTooLargeError: the geometry is too large for the raster's resolution.
    """
    stored = raster_in_force(session, layer, as_of, settings.data_dir)
    if stored is None:
        return {"as_of": as_of.isoformat(), **no_release(layer, as_of)}
    return {"as_of": as_of.isoformat(), **zonal(stored, geom, buffer_m)}


def raster_tile(
    session: Session, layer: str, z: int, x: int, y: int, as_of: date, settings: RasterSettings
) -> bytes:
    """A PNG tile of the layer's release in force (DEM colour ramp, or the class palette).

    Raises:
        RasterLayerNotFoundError: unknown layer, or no release in force.
    """
    stored = raster_in_force(session, layer, as_of, settings.data_dir)
    if stored is None or not stored.path.is_file():
        raise RasterLayerNotFoundError(
            f"Raster layer '{layer}' has no release in force on {as_of.isoformat()}.",
            field="as_of",
        )
    from gis.raster import render_tile  # lazy: rasterio/GDAL only on a raster tile (issue 12)

    return render_tile(stored.path, z, x, y, stored.kind, stored.palette)
