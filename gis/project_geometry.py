"""A project footprint as screened: parsed from GeoJSON, bounded, in WGS84 and measured.

The limits (README, "Limits") bound a project, not a province: vertices, parts of a
Multi*, the diagonal of its bounding box (a pipeline can be long) and its area. Each is
checked in O(vertices) before the footprint goes anywhere near a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.crs import WGS84, parse_crs, to_wgs84
from gis.errors import InvalidGeometryError, ProjectGeometryError
from gis.offsets import WEB_MAP_DATUMS, web_map_datum

if TYPE_CHECKING:
    from pyproj import Geod

MAX_VERTICES = 10_000
MAX_PARTS = 2_000
MAX_EXTENT_M = 1_000_000.0
MAX_AREA_M2 = 1_000 * 1_000_000.0
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
#: The ``coordinates`` of each type as RFC 7946 writes them (said when they are not so).
COORDINATE_FORMS = {
    "Point": "[x, y]",
    "LineString": "[[x, y], [x, y], …] with at least 2 positions",
    "Polygon": "[[[x, y], …]] rings of at least 4 positions, the last the first again",
    "MultiPoint": "[[x, y], …]",
    "MultiLineString": "[[[x, y], [x, y], …], …] lines of at least 2 positions",
    "MultiPolygon": "[[[[x, y], …]], …] polygons of rings of at least 4 positions",
}


@cache
def _geod() -> Geod:
    # lazy: pyproj (~27 MB) loads with the first line or polygon; a point never needs it
    from pyproj import Geod

    return Geod(ellps="WGS84")


#: Names of WGS84 / CGCS2000 lon/lat (taken as identical): no pyproj work per request.
_LONLAT = {"EPSG:4326", "EPSG:4490", "OGC:CRS84", "WGS84", "CGCS2000", "CRS84", "4326", "4490"}


@dataclass
class ProjectGeometry:
    """A project geometry in WGS84, with its measures and the repairs made to it."""

    geom: BaseGeometry
    area_m2: float
    length_m: float
    warnings: list[str] = field(default_factory=list)

    @property
    def polygonal(self) -> bool:
        """Whether the project has an area (overlaps are then measured)."""
        return self.geom.geom_type in ("Polygon", "MultiPolygon")


def geometry_from_geojson(geojson: Any) -> BaseGeometry:
    """A GeoJSON geometry object as a shapely geometry (the six RFC 7946 types, not empty).

    Raises:
        InvalidGeometryError: another type, coordinates not nested as the type needs (the
            message says the form, :data:`COORDINATE_FORMS`), or an empty geometry.
    """
    if not isinstance(geojson, dict) or geojson.get("type") not in GEOMETRY_TYPES:
        kind = geojson.get("type") if isinstance(geojson, dict) else type(geojson).__name__
        raise InvalidGeometryError(
            f"geometry must be a GeoJSON {', '.join(GEOMETRY_TYPES)}; got {kind!r}.",
            field="geometry",
        )
    coords = geojson.get("coordinates")
    if (  # the common case without shapely's generic GeoJSON walk
        geojson["type"] == "Point"
        and isinstance(coords, list)
        and len(coords) in (2, 3)
        and all(type(c) in (int, float) for c in coords)
    ):
        return shapely.Point(coords[0], coords[1])
    try:
        geom = shapely.geometry.shape(geojson)
    except (
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        shapely.errors.ShapelyError,  # GEOS: a line of one position
    ):
        kind = geojson["type"]
        raise InvalidGeometryError(
            f"geometry is not a valid GeoJSON {kind}: its coordinates must be "
            f"{COORDINATE_FORMS[kind]} (numbers, lon/lat or the crs's x/y).",
            field="geometry",
        ) from None
    if geom.is_empty:
        raise InvalidGeometryError("geometry is empty.", field="geometry")
    return geom


def prepare_geometry(geojson: Any, crs: str | None) -> ProjectGeometry:
    """Parse, reproject to WGS84, check and repair a project geometry.

    ``crs`` is a CRS :func:`gis.crs.parse_crs` reads, or ``GCJ-02`` / ``BD-09`` for the
    lon/lat of a Chinese web map (converted back to WGS84; a warning says so).

    Raises:
        InvalidGeometryError: not GeoJSON of an accepted type, empty, or NaN coordinates.
        UnknownCRSError: ``crs`` is not a CRS.
        OutOfChinaError: the coordinates are not in China in the declared CRS.
        ProjectGeometryError: more than 10,000 vertices or 2,000 parts, a bounding box
            whose diagonal is over 1,000 km, or more than 1,000 km².
    """
    geom = geometry_from_geojson(geojson)
    warnings: list[str] = []
    coords = shapely.get_coordinates(geom)
    if len(coords) > MAX_VERTICES:
        raise ProjectGeometryError(
            f"geometry has {len(coords)} vertices; at most {MAX_VERTICES:,} are screened. "
            "Simplify it first.",
            field="geometry",
        )
    if not np.all(np.isfinite(coords)):
        raise InvalidGeometryError("geometry has NaN or infinite coordinates.", field="geometry")
    n_parts = int(shapely.get_num_geometries(geom))
    if n_parts > MAX_PARTS:
        raise ProjectGeometryError(
            f"geometry has {n_parts:,} parts; at most {MAX_PARTS:,} are screened. "
            "Screen the parts as separate projects, or merge them.",
            field="geometry",
        )
    geom = shapely.force_2d(geom)
    datum = web_map_datum(crs)  # lon/lat of a Chinese web map, shifted back by its formula
    correction = WEB_MAP_DATUMS[datum] if datum else None
    source = None if datum or _is_lonlat_name(crs) else parse_crs(crs or WGS84, field="crs")
    out = to_wgs84(
        coords[:, 0].astype(float), coords[:, 1], source, field="geometry", correction=correction
    )
    warnings.extend(out.notes)
    lon, lat = out.lon, out.lat
    extent = (
        float(_geod().inv(lon.min(), lat.min(), lon.max(), lat.max())[2]) if len(lon) > 1 else 0.0
    )
    if extent > MAX_EXTENT_M:
        raise ProjectGeometryError(
            f"geometry spans {extent / 1000:,.0f} km (the diagonal of its bounding box); at "
            f"most {MAX_EXTENT_M / 1000:,.0f} km are screened as one project. Split it into "
            "sections.",
            field="geometry",
        )
    geom = shapely.set_coordinates(geom, np.column_stack([lon, lat]))
    if not geom.is_valid:
        geom = _repaired(geom, warnings)
    area, length = _measure(geom)
    if area > MAX_AREA_M2:
        raise ProjectGeometryError(
            f"geometry covers {area / 1e6:,.1f} km²; at most 1,000 km² are screened.",
            field="geometry",
        )
    return ProjectGeometry(geom=geom, area_m2=area, length_m=length, warnings=warnings)


def _repaired(geom: BaseGeometry, warnings: list[str]) -> BaseGeometry:
    """``geom`` made valid (a polygon stays polygonal), with a warning for the reviewer."""
    reason = shapely.is_valid_reason(geom)
    repaired = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        parts = [
            p for p in shapely.get_parts(repaired) if p.geom_type in ("Polygon", "MultiPolygon")
        ]
        repaired = shapely.union_all(parts) if parts else shapely.Polygon()
    if repaired.is_empty:
        raise InvalidGeometryError(
            f"geometry is invalid ({reason}) and cannot be repaired.", field="geometry"
        )
    warnings.append(f"几何无效（{reason}），已自动修复（make_valid）后筛查；请核对项目范围。")
    return repaired


def _is_lonlat_name(crs: str | None) -> bool:
    """Whether ``crs`` names WGS84/CGCS2000 lon/lat (taken as identical), or is absent."""
    return crs is None or crs.strip().upper() in _LONLAT


def _measure(geom: BaseGeometry) -> tuple[float, float]:
    """Geodesic area (m²) and perimeter or length (m) on the WGS84 ellipsoid."""
    if geom.geom_type in ("Point", "MultiPoint"):
        return 0.0, 0.0
    area, perimeter = _geod().geometry_area_perimeter(geom)
    if geom.geom_type in ("LineString", "MultiLineString"):
        return 0.0, float(_geod().geometry_length(geom))
    return abs(float(area)), float(perimeter)
