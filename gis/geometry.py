"""Geometry checks and repair: validity, emptiness, NaN, and coercion to a layer's type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

TargetKind = Literal["MULTIPOLYGON", "MULTILINESTRING", "POINT", "GEOMETRY"]


@dataclass
class Repaired:
    """The outcome of :func:`repair_geometries`.

    Attributes:
        geoms: the usable geometries (``None`` where rejected), in input order.
        repaired: indices of geometries that were invalid and were made valid.
        rejected: index → reason, for geometries that cannot be used.
    """

    geoms: list[BaseGeometry | None]
    repaired: list[int] = field(default_factory=list)
    rejected: dict[int, str] = field(default_factory=dict)


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "GeometryCollection":
        parts = [
            p
            for g in shapely.get_parts(geom)
            for p in (shapely.get_parts(g) if g.geom_type == "MultiPolygon" else [g])
            if p.geom_type == "Polygon" and not p.is_empty
        ]
        return shapely.MultiPolygon(parts) if parts else None
    return None


def _linear(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [p for p in shapely.get_parts(geom) for p in shapely.get_parts(p)]
    lines = [p for p in parts if p.geom_type == "LineString" and not p.is_empty]
    return shapely.MultiLineString(lines) if lines else None


def _coerce(geom: BaseGeometry, kind: TargetKind) -> tuple[BaseGeometry | None, str]:
    if kind == "MULTIPOLYGON":
        out = _polygonal(geom)
        return out, "" if out is not None else f"a {geom.geom_type} where polygons are expected"
    if kind == "MULTILINESTRING":
        out = _linear(geom)
        return out, "" if out is not None else f"a {geom.geom_type} where lines are expected"
    if kind == "POINT":
        if geom.geom_type == "Point":
            return geom, ""
        if geom.geom_type == "MultiPoint" and shapely.get_num_geometries(geom) == 1:
            return shapely.get_geometry(geom, 0), ""
        return None, f"a {geom.geom_type} where a single point is expected"
    if geom.geom_type == "GeometryCollection":
        # make_valid can return mixed collections: keep the highest dimension.
        parts = list(shapely.get_parts(geom))
        top = max(shapely.get_dimensions(parts)) if parts else -1
        keep = [p for p in parts if shapely.get_dimensions(p) == top]
        if not keep:
            return None, "an empty geometry collection"
        return shapely.union_all(keep), ""
    return geom, ""


#: Words for a topological dimension in a rejection reason.
_DIMENSION_WORDS = {0: "a point", 1: "a line", 2: "a polygon"}


def repair_geometries(
    geoms: NDArray[np.object_] | list[BaseGeometry | None],
    kind: TargetKind,
    dimensions: tuple[int, ...] | None = None,
) -> Repaired:
    """Drop empty/NaN geometries, make invalid ones valid, coerce to ``kind``.

    ``dimensions``: for a mixed ``GEOMETRY`` layer, the topological dimensions it holds
    (e.g. ``(0, 2)``: points and polygons, no lines); any other is rejected.

    Z/M values are dropped (everything is stored 2D). The common case (valid geometries
    of the right type) is handled with vectorised shapely calls; only the exceptions are
    looked at one by one.
    """
    arr = np.asarray(list(geoms), dtype=object)
    n = len(arr)
    result = Repaired(geoms=[None] * n)
    missing = np.array([g is None for g in arr], dtype=bool)
    present = np.asarray(
        [shapely.Point() if m else g for m, g in zip(missing, arr, strict=True)], dtype=object
    )
    empty = missing | shapely.is_empty(present)
    for k in np.flatnonzero(empty).tolist():
        result.rejected[k] = "empty or missing geometry"
    idx = np.flatnonzero(~empty)
    if idx.size == 0:
        return result
    sub = shapely.force_2d(present[idx])
    coords, which = shapely.get_coordinates(sub, return_index=True)
    bad_coord = np.zeros(len(sub), dtype=bool)
    np.logical_or.at(bad_coord, which, ~np.all(np.isfinite(coords), axis=1))
    valid = shapely.is_valid(sub)
    # 0 point, 1 linestring, 3 polygon, 4 multipoint, 5 multilinestring, 6 multipolygon
    types = shapely.get_type_id(sub)
    fast = ~bad_coord & valid
    if kind == "MULTIPOLYGON":
        polygons = fast & (types == 3)
        sub[polygons] = shapely.multipolygons(sub[polygons], indices=np.arange(int(polygons.sum())))
        fast &= (types == 3) | (types == 6)
    elif kind == "MULTILINESTRING":
        lines = fast & (types == 1)
        sub[lines] = shapely.multilinestrings(sub[lines], indices=np.arange(int(lines.sum())))
        fast &= (types == 1) | (types == 5)
    elif kind == "POINT":
        fast &= types == 0
    else:
        fast &= types != 7  # collections go the slow way
    for j in np.flatnonzero(fast):
        result.geoms[int(idx[j])] = sub[j]
    for j in np.flatnonzero(~fast):
        i = int(idx[j])
        geom = sub[j]
        if bad_coord[j]:
            result.rejected[i] = "NaN or infinite coordinates"
            continue
        if not valid[j]:
            reason = shapely.is_valid_reason(geom)
            geom = shapely.make_valid(geom)
            if geom.is_empty:
                result.rejected[i] = f"invalid geometry that cannot be repaired ({reason})"
                continue
            result.repaired.append(i)
        coerced, why = _coerce(geom, kind)
        if coerced is None:
            result.rejected[i] = why
            continue
        result.geoms[i] = coerced
    if dimensions is not None:
        _keep_dimensions(result, dimensions)
    return result


def _keep_dimensions(result: Repaired, dimensions: tuple[int, ...]) -> None:
    """Reject the geometries of ``result`` whose dimension is not one of ``dimensions``."""
    present = [i for i, g in enumerate(result.geoms) if g is not None]
    if not present:
        return
    found = shapely.get_dimensions(np.asarray([result.geoms[i] for i in present], dtype=object))
    wanted = " or ".join(_DIMENSION_WORDS[d] for d in dimensions)
    for i, dim in zip(present, found.tolist(), strict=True):
        if dim not in dimensions:
            kind = result.geoms[i].geom_type  # type: ignore[union-attr]
            result.rejected[i] = f"a {kind} where {wanted} is expected"
            result.geoms[i] = None


#: Albers equal-area conic for China on the WGS84 ellipsoid (standard parallels 25°N, 47°N):
#: areas measured in it are ellipsoidal areas, whatever the latitude.
EQUAL_AREA_CHINA = (
    "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"
)


def ellipsoidal_areas_m2(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """Areas in m² of lon/lat (EPSG:4326) geometries, on the WGS84 ellipsoid.

    Vectorised: the coordinates are projected to an equal-area projection in one call.
    Edges are straight in the projection rather than geodesics; for the polygons of
    regulatory layers (edges of metres to a few km) the difference is far below 0.01 %.
    """
    from pyproj import Transformer

    to_equal_area = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CHINA, always_xy=True)
    projected = shapely.transform(
        geoms, lambda xy: np.column_stack(to_equal_area.transform(xy[:, 0], xy[:, 1]))
    )
    areas: NDArray[np.float64] = shapely.area(projected)
    return areas
