"""Raster layers over HTTP: their releases, zonal statistics of any geometry, and PNG tiles."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import AsOfDep, RequestCRS, SessionDep, request_crs
from gis.civil_time import today
from gis.project_geometry import prepare_geometry
from layers.errors import TileOutOfRangeError
from layers.reads.rasters import raster_stats, raster_tile
from layers.reads.tiles import MAX_ZOOM
from layers.store.rasters import (
    RASTER_LAYERS,
    RasterSettings,
    get_raster_layer,
    list_raster_releases,
)
from layers.store.releases import release_public

router = APIRouter(tags=["rasters"])


async def get_raster_settings(request: Request) -> RasterSettings:
    """The app's raster settings (its data folder)."""
    settings: RasterSettings = request.app.state.raster_settings
    return settings


RasterSettingsDep = Annotated[RasterSettings, Depends(get_raster_settings)]


class RasterStatsQuery(BaseModel):
    """The body of ``POST /rasters/{layer}/stats``."""

    geometry: dict[str, Any] = Field(description="GeoJSON geometry in `crs`")
    crs: RequestCRS = None
    as_of: date | None = Field(default=None, description="the raster release in force then")
    buffer_m: float = Field(default=0.0, ge=0, le=50_000, description="also its buffer (m)")


@router.get("/rasters", operation_id="rasters-list")
def list_rasters(session: SessionDep) -> dict[str, Any]:
    """The raster layers and their releases (CRS, resolution, classes, source, licence)."""
    by_layer: dict[str, list[dict[str, Any]]] = {k: [] for k in RASTER_LAYERS}
    for release, raster in list_raster_releases(session):
        by_layer.setdefault(raster.layer, []).append(
            {
                **release_public(release),
                "crs": raster.crs,
                "width": raster.width,
                "height": raster.height,
                "resolution_m": raster.resolution_m,
                "nodata": raster.nodata,
                "classes": raster.classes,
            }
        )
    return {
        "layers": [
            {
                "id": layer.id,
                "title": layer.title,
                "kind": layer.kind,
                "unit": layer.unit,
                "tiles": f"/rasters/{layer.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}.png",
                "releases": by_layer[layer.id],
            }
            for layer in RASTER_LAYERS.values()
        ]
    }


@router.post("/rasters/{layer}/stats", operation_id="rasters-stats")
def post_raster_stats(
    layer: str, body: RasterStatsQuery, session: SessionDep, settings: RasterSettingsDep
) -> dict[str, Any]:
    """Zonal statistics of a raster layer over a geometry (and its buffer).

    DEM: elevation min/mean/max (m) and slope min/mean/max (degrees, on metric cell
    sizes); land cover: each class's area (m²) and share (%). A pixel counts when its
    centre lies inside the geometry (a geometry containing no pixel centre takes the
    pixels it touches: ``pixel_rule``). Outside the raster, or over nodata only, the
    answer is ``no_data`` with the reason, never zeros. The raster release used is cited.
    """
    get_raster_layer(layer)
    geom = prepare_geometry(body.geometry, request_crs(body.crs))
    return raster_stats(session, layer, geom.geom, body.as_of or today(), settings, body.buffer_m)


@router.get(
    "/rasters/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}.png",
    operation_id="rasters-tile",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "PNG tile"}},
)
def get_raster_tile(
    layer: str,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    session: SessionDep,
    settings: RasterSettingsDep,
    as_of: AsOfDep,
) -> Response:
    """A 256×256 PNG of the layer's release in force (``datetime``): DEM ramp or class palette."""
    get_raster_layer(layer)
    limit = 1 << z
    if x >= limit or y >= limit:
        raise TileOutOfRangeError(
            f"Tile {z}/{x}/{y} is outside the WebMercatorQuad matrix (0 ≤ x, y < {limit}).",
            field="tile",
        )
    png = raster_tile(session, layer, z, x, y, as_of, settings)
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=300"})
