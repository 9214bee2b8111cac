"""The province "world" the demo generators draw in, and their shared sampling helpers.

A :class:`ProvinceWorld` holds one province's counties and nearby real water in a local
transverse-Mercator frame (metres); generators return :class:`Item` s in that frame and
the world converts them back to EPSG:4326. Every generator draws from its own ``numpy``
Generator seeded by ``(seed, crc32(name))`` (:func:`rng_for`), so a collection does not
change when another one is added, dropped or built alone.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from gis.crs import WGS84, transformer
from layers.demo.sources import PROVINCES, AdminUnit, DemoFeature, RealLayers, WaterBody

Rng = np.random.Generator
FloatArray = NDArray[np.float64]

#: Central meridians of the per-province working frames.
FRAME_LON0 = {"JS": 119.5, "JX": 116.0}


def rng_for(seed: int, name: str) -> Rng:
    """The generator of one collection: independent of every other collection."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


# =========================================================================== frames


class Frame:
    """A province's metric working frame: transverse Mercator on WGS84, metres."""

    def __init__(self, lon0: float) -> None:
        """Build the frame centred on meridian ``lon0``."""
        metric = CRS.from_proj4(
            f"+proj=tmerc +lat_0=0 +lon_0={lon0} +k=1 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        )
        wgs84 = CRS.from_user_input(WGS84)
        self._fwd = transformer(wgs84, metric)
        self._inv = transformer(metric, wgs84)

    @staticmethod
    def _apply(tr: Any, geom: Any) -> Any:
        def fn(xy: FloatArray) -> FloatArray:
            x, y = tr.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geom, fn)

    def to_m(self, geom: Any) -> Any:
        """Geometry (or array of geometries) from lon/lat to metres."""
        return self._apply(self._fwd, geom)

    def to_ll(self, geom: Any) -> Any:
        """Geometry (or array of geometries) from metres to lon/lat."""
        return self._apply(self._inv, geom)

    def point(self, lon: float, lat: float) -> Point:
        """A lon/lat position as a metric point."""
        x, y = self._fwd.transform(lon, lat)
        return Point(x, y)


# =========================================================================== world


def _short(name: str) -> str:
    """江阴市 → 江阴, 玄武区 → 玄武, 沛县 → 沛县 (keep two-character names whole)."""
    if len(name) > 2 and name[-1] in "市县区":
        return name[:-1]
    return name


@dataclass(frozen=True)
class County:
    """A county in its province's metric frame."""

    unit: AdminUnit
    geom: BaseGeometry
    seat: Point
    area_km2: float

    @property
    def adcode(self) -> str:
        """County adcode."""
        return self.unit.adcode

    @property
    def short(self) -> str:
        """Short name used in generated names."""
        return _short(self.unit.name)

    @property
    def urban(self) -> bool:
        """A city district (区) rather than a county or county-level city."""
        return self.unit.name.endswith("区")


@dataclass(frozen=True)
class Water:
    """A real water body in its province's metric frame (clipped near the province)."""

    body: WaterBody
    geom: BaseGeometry

    @property
    def name(self) -> str | None:
        """Name of the water body."""
        return self.body.name

    @property
    def polygonal(self) -> bool:
        """True for river, lake and canal surfaces."""
        return bool(shapely.get_dimensions(self.geom) == 2)


class ProvinceWorld:
    """Everything the generators need about one province, in metres."""

    def __init__(self, tag: str, real: RealLayers) -> None:
        """Project the province, its counties and nearby real water into the frame."""
        self.tag = tag
        self.frame = Frame(FRAME_LON0[tag])
        self.province = next(p for p in real.provinces if p.adcode == PROVINCES[tag])
        self.outline: BaseGeometry = self.frame.to_m(self.province.geometry)
        cities = {c.adcode: c for c in real.cities}
        self.city_name = {code: c.name for code, c in cities.items()}
        self.counties: list[County] = []
        for unit in real.counties:
            if unit.province_adcode != self.province.adcode:
                continue
            geom = self.frame.to_m(unit.geometry)
            self.counties.append(County(unit, geom, self.frame.point(*unit.seat), geom.area / 1e6))
        self._county_tree = shapely.STRtree([c.geom for c in self.counties])
        near = self.outline.buffer(3000)
        self.water: list[Water] = []
        for body in real.water:
            if body.region != tag:
                continue
            geom = self.frame.to_m(body.geometry)
            if not geom.intersects(near):
                continue
            self.water.append(Water(body, geom.intersection(near)))
        self.cache: dict[str, Any] = {}

    # ------------------------------------------------------------------ lookups

    def county_of(self, geoms: Sequence[BaseGeometry] | NDArray[Any]) -> list[County]:
        """County of each geometry's representative point (nearest county when outside)."""
        points = shapely.point_on_surface(np.asarray(geoms, dtype=object))
        found = self._county_tree.query(points, predicate="within")
        out: list[County | None] = [None] * len(points)
        for gi, ci in zip(found[0].tolist(), found[1].tolist(), strict=True):
            if out[gi] is None:
                out[gi] = self.counties[ci]
        missing = [i for i, c in enumerate(out) if c is None]
        if missing:
            nearest = self._county_tree.query_nearest(points[missing], all_matches=False)
            for gi, ci in zip(nearest[0].tolist(), nearest[1].tolist(), strict=True):
                out[missing[gi]] = self.counties[ci]
        return [c for c in out if c is not None]

    def county(self, adcode: str) -> County:
        """The county with this adcode."""
        return next(c for c in self.counties if c.adcode == adcode)

    def waters(self, name: str, polygonal: bool | None = None) -> list[Water]:
        """Water bodies with this name (optionally only surfaces or only lines)."""
        return [
            w
            for w in self.water
            if w.name == name and (polygonal is None or w.polygonal == polygonal)
        ]

    def surface(self, name: str) -> BaseGeometry:
        """Union of the polygons of a named water body (empty when absent)."""
        return shapely.union_all([w.geom for w in self.waters(name, polygonal=True)])

    @cached_property
    def water_surfaces(self) -> BaseGeometry:
        """Union of every river, canal and lake polygon."""
        return shapely.union_all([w.geom for w in self.water if w.polygonal])

    @cached_property
    def water_distance(self) -> NearestDistance:
        """Distance index to any real water (0 inside a surface)."""
        return NearestDistance([w.geom for w in self.water])

    @cached_property
    def mainstem_distance(self) -> NearestDistance:
        """Distance index to the 长江."""
        return NearestDistance([w.geom for w in self.water if w.body.yangtze_class == "mainstem"])

    @cached_property
    def seat_distance(self) -> NearestDistance:
        """Distance index to county seats."""
        return NearestDistance([c.seat for c in self.counties])

    @cached_property
    def coast(self) -> BaseGeometry:
        """The sea coast inside (or within 1 km of) the province."""
        lines = [w.geom for w in self.water if w.body.kind == "coast"]
        if not lines:
            return shapely.MultiLineString()
        return shapely.union_all(lines).intersection(self.outline.buffer(1000))

    def to_features(self, items: Iterable[Item]) -> list[DemoFeature]:
        """Convert generated items to lon/lat output features."""
        items = list(items)
        geoms = self.frame.to_ll(np.array([it.geom for it in items], dtype=object)) if items else []
        return [
            DemoFeature(it.props, g, synthetic=it.synthetic, source_id=it.source_id)
            for it, g in zip(items, geoms, strict=True)
        ]


class NearestDistance:
    """Fast point-to-geometry distances via an STRtree of boundary segments.

    Points inside a polygon of the set get distance 0.
    """

    def __init__(self, geoms: Sequence[BaseGeometry]) -> None:
        """Index the segments (and points) of ``geoms``."""
        segments: list[BaseGeometry] = []
        self._polygons = [g for g in geoms if shapely.get_dimensions(g) == 2 and not g.is_empty]
        for g in geoms:
            if g.is_empty:
                continue
            if shapely.get_dimensions(g) == 0:
                segments.extend(shapely.get_parts(g))
                continue
            lines = g.boundary if shapely.get_dimensions(g) == 2 else g
            for part in shapely.get_parts(lines):
                coords = shapely.get_coordinates(part)
                if len(coords) >= 2:
                    segments.extend(
                        shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
                    )
        self._tree = shapely.STRtree(segments) if segments else None
        self._poly_tree = shapely.STRtree(self._polygons) if self._polygons else None

    def __call__(self, points: Sequence[BaseGeometry] | NDArray[Any]) -> FloatArray:
        """Distance (m) of each point to the nearest indexed geometry (inf when empty)."""
        pts = np.asarray(points, dtype=object)
        out = np.full(len(pts), np.inf)
        if self._tree is None or len(pts) == 0:
            return out
        idx, dist = self._tree.query_nearest(pts, return_distance=True, all_matches=False)
        out[idx[0]] = dist
        if self._poly_tree is not None:
            inside = self._poly_tree.query(pts, predicate="within")
            out[np.unique(inside[0])] = 0.0
        return out


@dataclass
class Item:
    """A generated feature in its province's metric frame."""

    props: dict[str, Any]
    geom: BaseGeometry
    synthetic: bool = True
    source_id: str | None = None


# =========================================================================== helpers


def blob(
    center: Point, radius: float, rng: Rng, *, roughness: float = 0.22, stretch: float = 1.0
) -> Polygon:
    """An irregular star-shaped polygon around ``center`` (always valid)."""
    n = 40
    angles = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    r = np.ones(n)
    for k in (1, 2, 3, 5):
        r += rng.normal(0.0, roughness / k) * np.cos(k * angles + rng.uniform(0, 2 * math.pi))
    r = radius * np.clip(r, 0.45, 1.8)
    x, y = r * np.cos(angles), r * np.sin(angles)
    if stretch != 1.0:
        theta = rng.uniform(0, math.pi)
        x, y = x * stretch, y / stretch
        x, y = x * math.cos(theta) - y * math.sin(theta), x * math.sin(theta) + y * math.cos(theta)
    return Polygon(np.column_stack([center.x + x, center.y + y]))


def sample_in(area: BaseGeometry, n: int, rng: Rng) -> FloatArray:
    """``n`` uniform random points inside ``area`` (rejection sampling), as an (n, 2) array."""
    if n <= 0 or area.is_empty:
        return np.empty((0, 2))
    shapely.prepare(area)
    minx, miny, maxx, maxy = area.bounds
    fill = max(area.area / max((maxx - minx) * (maxy - miny), 1e-9), 0.02)
    got: list[FloatArray] = []
    total = 0
    for _ in range(200):
        m = int(min(max((n - total) / fill * 1.3, 16), 200_000))
        xy = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        keep = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        got.append(keep)
        total += len(keep)
        if total >= n:
            break
    return np.vstack(got)[:n] if got else np.empty((0, 2))


def sample_on(lines: BaseGeometry, n: int, rng: Rng) -> list[Point]:
    """``n`` random points along a lineal geometry (uniform by length)."""
    parts = [p for p in shapely.get_parts(lines) if shapely.get_dimensions(p) == 1 and p.length > 0]
    if n <= 0 or not parts:
        return []
    lengths = np.array([p.length for p in parts])
    which = rng.choice(len(parts), size=n, p=lengths / lengths.sum())
    at = rng.uniform(0, 1, n) * lengths[which]
    return list(shapely.line_interpolate_point(np.array(parts, dtype=object)[which], at))


def polygons_only(geom: BaseGeometry) -> BaseGeometry:
    """Drop points and lines from an overlay result."""
    if geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    return shapely.union_all([p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"])


def disjoint_sequence(
    geoms: Sequence[BaseGeometry], min_area: float = 0.0
) -> list[BaseGeometry | None]:
    """Remove from each polygon what earlier ones cover; None where too little is left."""
    out: list[BaseGeometry | None] = []
    kept: list[BaseGeometry] = []
    for g in geoms:
        if kept:
            tree = shapely.STRtree(kept)
            hits = tree.query(g, predicate="intersects")
            if len(hits):
                g = polygons_only(g.difference(shapely.union_all([kept[i] for i in hits])))
        if g.is_empty or g.area < min_area:
            out.append(None)
            continue
        kept.append(g)
        out.append(g)
    return out


def unique_names(names: Sequence[str]) -> list[str]:
    """Number repeated names in order of appearance: 甲, 甲 → 甲（1）, 甲（2）."""
    total: dict[str, int] = {}
    for n in names:
        total[n] = total.get(n, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if total[n] == 1:
            out.append(n)
            continue
        seen[n] = seen.get(n, 0) + 1
        out.append(f"{n}（{seen[n]}）")
    return out


def pick_weighted(rng: Rng, table: Sequence[tuple[str, float]]) -> str:
    """One name from a ``(name, weight)`` table."""
    names = [name for name, _ in table]
    weights = np.array([w for _, w in table])
    return str(names[int(rng.choice(len(names), p=weights / weights.sum()))])


def pick(rng: Rng, options: Sequence[Any], p: Sequence[float] | None = None) -> Any:
    """One element of ``options`` (deterministic for a given generator state)."""
    return options[int(rng.choice(len(options), p=p))]


def serials(items: list[tuple[str, Item]], prefix: str, width: int, infix: str = "") -> list[Item]:
    """Give items codes ``prefix + county adcode + infix + serial`` in their current order."""
    counters: dict[str, int] = {}
    out: list[Item] = []
    for adcode, item in items:
        counters[adcode] = counters.get(adcode, 0) + 1
        item.props["code"] = f"{prefix}{adcode}{infix}{counters[adcode]:0{width}d}"
        item.props["admin_code"] = adcode
        out.append(item)
    return out


def with_counties(world: ProvinceWorld, geoms: Sequence[BaseGeometry]) -> list[County]:
    """County of each generated geometry (see :meth:`ProvinceWorld.county_of`)."""
    return world.county_of(np.array(geoms, dtype=object)) if geoms else []
