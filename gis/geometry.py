"""Geometry checks and repair: validity, emptiness, NaN, and coercion to a layer's type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

TargetKind = Literal["MULTIPOLYGON", "POINT", "GEOMETRY"]


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


def _coerce(geom: BaseGeometry, kind: TargetKind) -> tuple[BaseGeometry | None, str]:
    if kind == "MULTIPOLYGON":
        out = _polygonal(geom)
        return out, "" if out is not None else f"a {geom.geom_type} where polygons are expected"
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


def repair_geometries(
    geoms: NDArray[np.object_] | list[BaseGeometry | None], kind: TargetKind
) -> Repaired:
    """Drop empty/NaN geometries, make invalid ones valid, coerce to ``kind``.

    Z/M values are dropped (everything is stored 2D).
    """
    result = Repaired(geoms=[])
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            result.geoms.append(None)
            result.rejected[i] = "empty or missing geometry"
            continue
        coords = shapely.get_coordinates(geom)
        if not np.all(np.isfinite(coords)):
            result.geoms.append(None)
            result.rejected[i] = "NaN or infinite coordinates"
            continue
        geom = shapely.force_2d(geom)
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            geom = shapely.make_valid(geom)
            if geom.is_empty:
                result.geoms.append(None)
                result.rejected[i] = f"invalid geometry that cannot be repaired ({reason})"
                continue
            result.repaired.append(i)
        coerced, why = _coerce(geom, kind)
        if coerced is None:
            result.geoms.append(None)
            result.rejected[i] = why
            continue
        result.geoms.append(coerced)
    return result
