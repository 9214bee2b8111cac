"""Generators of the synthetic regulatory layers of the demo dataset.

Every generator is deterministic: it draws from its own ``numpy`` Generator seeded by
``(seed, crc32(collection id))``, so a collection does not change when another one is
added, dropped or built alone. Geometry work happens in a local transverse-Mercator
frame per province (metres) and returns to EPSG:4326 at the end.

Nothing here is official. Unit codes follow the documented ``ZH`` pattern, access-list
texts quote real plan and statute clauses verbatim, but every polygon, point, name and
attribute of a synthetic feature is invented for the demo and carries
``synthetic: true``.

The worked examples (``data/examples.geojson``) are anchored here: :data:`EXAMPLE_SITES`
fixes their locations, and the generators keep every zone layer clear of them except
where an example needs a zone (the red line of the quarry example, the grade-2 zone of
the outfall example, ...), which they then draw on purpose.
"""

from __future__ import annotations

import logging
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
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from gis.crs import WGS84, transformer
from layers.demo.sources import PROVINCES, AdminUnit, DemoFeature, RealLayers, WaterBody
from layers.store.catalog import UNIT_CLASSES

logger = logging.getLogger(__name__)

Rng = np.random.Generator
FloatArray = NDArray[np.float64]

PRIORITY, KEY, GENERAL = UNIT_CLASSES  # 优先保护单元, 重点管控单元, 一般管控单元
CLASS_DIGIT = {PRIORITY: "1", KEY: "2", GENERAL: "3"}

#: Target share of units per class (by count) and the total unit count to aim for.
CLASS_MIX = {PRIORITY: 0.30, KEY: 0.35, GENERAL: 0.35}
UNIT_TARGET = 21_000

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


# =========================================================================== anchors / examples


@dataclass(frozen=True)
class ExampleSite:
    """A worked example: a project, where it is, what it should get, and what it needs.

    Attributes:
        key: stable identifier.
        tag: province (JS/JX).
        name: project name.
        industry: industry name.
        industry_code: GB/T 4754-2017 code.
        kind: 新建/扩建/改建.
        lon: site longitude (centre of the footprint).
        lat: site latitude.
        buffer_m: footprint radius around the site point (0: the geometry is the footprint).
        expected_verdict: DENY/FLAG/REQUIRE/PASS.
        expected_rules: rule ids (rules.md ids; JS-Bn / JX-Bn for the provincial plan
            digests; R-3L1U for the control unit's access list).
        description: Chinese description.
        footprint: optional polygon ring (lon/lat) used instead of point + buffer.
        clear_m: zone layers keep this far away, except those in ``allow``.
        allow: collections that may (or must) cover the site.
        unit: (unit_class, subtype) forced on the control unit that contains the site.
    """

    key: str
    tag: str
    name: str
    industry: str
    industry_code: str
    kind: str
    lon: float
    lat: float
    buffer_m: float
    expected_verdict: str
    expected_rules: tuple[str, ...]
    description: str
    footprint: tuple[tuple[float, float], ...] | None = None
    clear_m: float = 2500.0
    allow: frozenset[str] = frozenset()
    unit: tuple[str, str] | None = None


EXAMPLE_SITES: tuple[ExampleSite, ...] = (
    ExampleSite(
        "jiangyin-chemical-600m",
        "JS",
        "江阴沿江新建有机化工项目（距长江600米）",
        "有机化学原料制造",
        "C2614",
        "新建",
        120.150909,
        31.908480,
        150,
        "DENY",
        ("R-CJBHF-26-2",),
        "在江阴化工园区01内新建有机化学原料制造项目，厂界（以中心点缓冲150米计）距长江干流岸线约600米，"
        "位于长江干支流岸线一公里范围内，违反《长江保护法》第二十六条「禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。」",
        allow=frozenset({"industrial_parks"}),
        unit=(KEY, "产业园区"),
    ),
    ExampleSite(
        "jiangyin-chemical-1500m",
        "JS",
        "江阴沿江新建有机化工项目（距长江1.5公里）",
        "有机化学原料制造",
        "C2614",
        "新建",
        120.150203,
        31.900368,
        150,
        "FLAG",
        ("R-3L1U", "JS-B12"),
        "同一化工园区内、厂界距长江干流岸线约1.5公里的同类项目：不在一公里禁建范围内，《长江保护法》第二十六条不适用；"
        "所在重点管控单元将化工列为限制类，且涉及有毒有害化学品项目「实行最严格的环境准入」，需人工审查。",
        allow=frozenset({"industrial_parks"}),
        unit=(KEY, "产业园区"),
    ),
    ExampleSite(
        "wujin-electroplating-outside-park",
        "JS",
        "武进园区外新建电镀项目",
        "金属表面处理及热处理加工（电镀）",
        "C3360",
        "新建",
        119.950000,
        31.660000,
        120,
        "FLAG",
        ("JS-B38", "R-3L1U"),
        "在工业园区以外新建电镀企业：江苏规划要求「加快推进电镀企业入园」，园区外电镀项目须重点审查；所在一般管控单元将电镀列为限制类。",
        allow=frozenset(),
        unit=(GENERAL, "农业农村"),
    ),
    ExampleSite(
        "yixing-quarry-red-line",
        "JS",
        "宜兴南部丘陵新建石灰石开采项目",
        "石灰石、石膏开采",
        "B1011",
        "新建",
        119.735000,
        31.195000,
        200,
        "DENY",
        ("R-RL2022-1",),
        "矿山开采项目占用宜兴南部丘陵水源涵养生态保护红线：生态保护红线内「禁止开发性、生产性建设活动」，且不属于允许的有限人为活动。",
        allow=frozenset({"red_lines", "ecological_spaces"}),
        unit=(PRIORITY, "生态保护红线"),
    ),
    ExampleSite(
        "jiangyin-outfall-grade2",
        "JS",
        "江阴长江一号水源地二级保护区内新设排污口",
        "污水处理及其再生利用",
        "D4620",
        "新建",
        120.403710,
        31.968337,
        0,
        "DENY",
        ("R-WPPL-64",),
        "在江阴市长江一号水源地二级保护区水域内新设污水处理厂尾水排污口，违反《水污染防治法》第六十四条「在饮用水水源保护区内，禁止设置排污口。」",
        clear_m=800.0,
        allow=frozenset({"drinking_water_zones"}),
    ),
    ExampleSite(
        "jiangyin-outfall-outside-zones",
        "JS",
        "江阴长江岸线新设入江排污口（水源保护区外）",
        "污水处理及其再生利用",
        "D4620",
        "新建",
        120.297480,
        31.948680,
        0,
        "REQUIRE",
        ("R-CJBHF-47",),
        "在长江干流新设入江排污口，位于饮用水水源保护区和生态保护红线之外：须依法报经有管辖权的生态环境主管部门同意（《长江保护法》第四十七条）。",
        clear_m=3000.0,
        allow=frozenset(),
    ),
    ExampleSite(
        "lianyungang-coastal-wind-farm",
        "JS",
        "赣榆沿海风电场",
        "风力发电",
        "D4415",
        "新建",
        119.202324,
        34.927204,
        0,
        "FLAG",
        ("R-MEPL-39", "R-WPL-19"),
        "连云港市赣榆区海岸带风电场，场址跨越海岸线并占用一般湿地（近海与海岸湿地）：涉及自然岸线和湿地占用，须论证避让并经主管部门审查。",
        footprint=(
            (119.207755, 34.914224),
            (119.209991, 34.939396),
            (119.19689, 34.940184),
            (119.194659, 34.915012),
            (119.207755, 34.914224),
        ),
        clear_m=4000.0,
        allow=frozenset({"wetlands"}),
    ),
    ExampleSite(
        "poyang-marsh-visitor-centre",
        "JX",
        "鄱阳湖滨湖湿地科普宣教中心",
        "其他房屋建筑业",
        "E4790",
        "新建",
        116.400000,
        29.200000,
        100,
        "FLAG",
        ("R-WPL-19", "JX-B8"),
        "在鄱阳湖滨湖沼泽湿地（省级重要湿地）内新建科普宣教中心：「建设项目选址、选线应当避让湿地」，无法避让的须经湿地主管部门审查（《湿地保护法》第十九条）。",
        clear_m=4000.0,
        allow=frozenset({"wetlands"}),
    ),
    ExampleSite(
        "xuzhou-steel",
        "JS",
        "徐州新建炼钢项目",
        "炼钢",
        "C3120",
        "新建",
        117.350000,
        34.300000,
        300,
        "DENY",
        ("JS-B3", "R-3L1U"),
        "在徐州新建炼钢产能：江苏「严禁新增钢铁、焦化、炼油、电解铝、水泥、平板玻璃（不含光伏玻璃）等产能」，所在管控单元亦将钢铁列为禁止类。",
        allow=frozenset(),
        unit=(GENERAL, "农业农村"),
    ),
    ExampleSite(
        "nanchang-software-office",
        "JX",
        "南昌新建软件研发楼",
        "软件开发",
        "I6510",
        "新建",
        115.950000,
        28.680000,
        100,
        "PASS",
        (),
        "城镇重点管控单元内的软件研发办公项目：不属于任何禁止类、限制类行业，不涉及保护区、红线、湿地或岸线规则。",
        allow=frozenset(),
        unit=(KEY, "城镇生活"),
    ),
)


def sites(tag: str) -> list[ExampleSite]:
    """Example sites of one province."""
    return [s for s in EXAMPLE_SITES if s.tag == tag]


def site_geometry(site: ExampleSite, world: ProvinceWorld) -> BaseGeometry:
    """The example's footprint in metres (point, buffered point or polygon)."""
    if site.footprint is not None:
        return world.frame.to_m(Polygon(site.footprint))
    p = world.frame.point(site.lon, site.lat)
    return p.buffer(site.buffer_m, 32) if site.buffer_m > 0 else p


def clearance(world: ProvinceWorld, collection: str) -> BaseGeometry:
    """Union of the clearance discs of the example sites that ``collection`` must avoid."""
    key = f"clearance/{collection}"
    if key not in world.cache:
        discs = [
            site_geometry(s, world).buffer(s.clear_m, 32)
            for s in sites(world.tag)
            if collection not in s.allow and s.clear_m > 0
        ]
        world.cache[key] = shapely.union_all(discs) if discs else Polygon()
        shapely.prepare(world.cache[key])
    return world.cache[key]


def keep_clear(geom: BaseGeometry, world: ProvinceWorld, collection: str) -> BaseGeometry:
    """Remove from ``geom`` the clearance discs of example sites that must stay outside it."""
    clear = clearance(world, collection)
    if clear.is_empty or geom.is_empty or not geom.intersects(clear):
        return geom
    return polygons_only(geom.difference(clear))


def _fixed_rng() -> Rng:
    """Generator for anchored shapes: independent of the seed, so examples always hold."""
    return np.random.default_rng(0)


# =========================================================================== access-list clauses

JS_PLAN = "《江苏省“十四五”生态环境保护规划》"
JS_SYNERGY = "《江苏省减污降碳协同增效实施方案》"
JX_PLAN = "《江西省“十四五”生态环境保护规划》"
CJBHF = "《中华人民共和国长江保护法》"
WPPL = "《中华人民共和国水污染防治法》"
WETLAND_LAW = "《中华人民共和国湿地保护法》"
SOIL_LAW = "《中华人民共和国土壤污染防治法》"
SOLID_LAW = "《中华人民共和国固体废物污染环境防治法》"
REDLINE_NOTICE = "《关于加强生态保护红线管理的通知（试行）》"


def _q(doc: str, text: str, where: str = "") -> str:
    return f"执行{doc}{where}「{text}」"


#: Clauses by province and theme. Every quoted text is verbatim from the plan digests
#: (shared/domain/jiangsu.md, jiangxi.md) or the statute texts in rules.md.
CLAUSES: dict[str, dict[str, tuple[str, ...]]] = {
    "JS": {
        "capacity": (
            _q(
                JS_SYNERGY, "严禁新增钢铁、焦化、炼油、电解铝、水泥、平板玻璃（不含光伏玻璃）等产能"
            ),
        ),
        "red_line": (
            _q(REDLINE_NOTICE, "生态保护红线内自然保护地核心保护区外，禁止开发性、生产性建设活动"),
            _q(JS_PLAN, "严格查处自然保护地内各类违法违规开发建设活动"),
        ),
        "eco_space": (
            _q(JS_PLAN, "生态空间管控区域面积只增不减"),
            _q(JS_SYNERGY, "保持林地保有量不减少"),
        ),
        "waterside": (
            _q(JS_SYNERGY, "水域面积不减少、水域功能不衰退"),
            _q(
                WETLAND_LAW,
                "建设项目选址、选线应当避让湿地，无法避让的应当尽量减少占用，并采取必要措施减轻对湿地生态功能的不利影响。",
                "第十九条",
            ),
        ),
        "yangtze": (
            _q(
                CJBHF,
                "禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。",
                "第二十六条",
            ),
            _q(JS_PLAN, "深入推进长江岸线综合整治，控制岸线开发强度，优化取水口上游岸线布局"),
        ),
        "park": (
            _q(JS_PLAN, "充分发挥园区规划环评刚性约束作用，推进规划环评全覆盖"),
            _q(JS_PLAN, "加快推进电镀企业入园"),
        ),
        "urban": (
            _q(JS_SYNERGY, "依法加快城市建成区重污染企业搬迁改造或关闭退出"),
            _q(
                SOIL_LAW,
                "禁止在居民区和学校、医院、疗养院、养老院等单位周边新建、改建、扩建可能造成土壤污染的建设项目。",
                "第三十二条",
            ),
        ),
        "farmland": (
            _q(
                JS_PLAN,
                "严禁在优先保护类耕地集中区域新建有色、石油加工、化工、焦化、电镀、制革等行业企业",
            ),
        ),
        "coast": (_q(JS_PLAN, "提高涉海项目准入门槛，坚决遏制“两高”项目盲目发展"),),
        "emission_general": (
            _q(JS_PLAN, "实施新建项目总量平衡“减二增一”"),
            _q(JS_PLAN, "新（改、扩）建涉重金属重点行业建设项目实施“等量替代”或“减量替代”"),
        ),
        "emission_key": (
            _q(JS_PLAN, "实行建设项目（除重大民生项目）重点污染物排放减量置换"),
            _q(JS_PLAN, "新上（含搬迁）项目全部达到超低排放标准"),
            _q(JS_PLAN, "加快实施“一园一档”“一企一管”"),
        ),
        "emission_basin": (
            _q(JS_PLAN, "推进长江、太湖等重点流域工业集聚区生活污水和工业废水分类收集、分质处理"),
        ),
        "emission_yangtze": (
            _q(JS_PLAN, "有效控制重金属、持久性有机污染物（POPs）和内分泌干扰物排入长江"),
        ),
        "emission_coast": (_q(JS_PLAN, "严格入海河流总氮、总磷浓度控制"),),
        "risk_general": (
            _q(JS_PLAN, "对涉及有毒有害化学品、重金属和新污染物的项目，实行最严格的环境准入"),
            _q(
                SOLID_LAW,
                "在生态保护红线区域、永久基本农田集中区域和其他需要特别保护的区域内，禁止建设工业固体废物、危险废物集中贮存、利用、处置的设施、场所和生活垃圾填埋场。",
                "第二十一条",
            ),
        ),
        "risk_park": (
            _q(JS_PLAN, "强化化工类集聚区、危险废物填埋场和生活垃圾填埋场等地下水污染风险管控"),
        ),
        "risk_water": (
            _q(JS_PLAN, "严格控制水源地上游及周边地区的开发活动"),
            _q(WPPL, "在饮用水水源保护区内，禁止设置排污口。", "第六十四条"),
        ),
        "risk_yangtze": (
            _q(JS_PLAN, "严控船舶含油废水、生活污水、化学品洗舱水违规排放"),
            _q(
                CJBHF,
                "禁止在长江流域河湖管理范围内倾倒、填埋、堆放、弃置、处理固体废物。",
                "第四十九条",
            ),
        ),
        "resource_general": (
            _q(JS_SYNERGY, "能耗、物耗、水耗达到清洁生产先进水平"),
            _q(JS_PLAN, "依法在“双超双有高耗能”行业实施强制性清洁生产审核"),
        ),
        "resource_park": (_q(JS_PLAN, "在省级及以上工业园区推行区域能评制度"),),
        "resource_urban": (
            _q(JS_PLAN, "城镇新建民用建筑中绿色建筑比例达到100%"),
            _q(JS_PLAN, "2023年底前，全省实现散煤清零"),
        ),
        "resource_eco": (_q(JS_SYNERGY, "保持林地保有量不减少"),),
    },
    "JX": {
        "capacity": (_q(JX_PLAN, "严格执行钢铁、水泥、平板玻璃等行业产能置换实施办法"),),
        "red_line": (
            _q(REDLINE_NOTICE, "生态保护红线内自然保护地核心保护区外，禁止开发性、生产性建设活动"),
            _q(JX_PLAN, "严格管控自然保护地范围内非生态活动"),
        ),
        "eco_space": (_q(JX_PLAN, "严格管控自然保护地范围内非生态活动"),),
        "waterside": (
            _q(JX_PLAN, "在“五河”及长江干流、重要支流和重点湖库周边划定生态缓冲带"),
            _q(JX_PLAN, "强化湿地用途管制和利用监管"),
        ),
        "poyang": (
            _q(JX_PLAN, "加强滨湖区污染控制"),
            _q(JX_PLAN, "坚决打击非法采砂行为"),
        ),
        "yangtze": (
            _q(
                CJBHF,
                "禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。",
                "第二十六条",
            ),
            _q(
                CJBHF,
                "禁止在长江干流岸线三公里范围内和重要支流岸线一公里范围内新建、改建、扩建尾矿库；但是以提升安全、生态环境保护水平为目的的改建除外。",
                "第二十六条",
            ),
        ),
        "park": (_q(JX_PLAN, "提升有色、化工、陶瓷、印染、农副食品加工等行业集聚水平"),),
        "urban": (_q(JX_PLAN, "县级及以上城市建成区不再审批35蒸吨/小时及以下燃煤锅炉"),),
        "farmland": (
            _q(JX_PLAN, "对划分为永久基本农田的集中区域不得新建可能造成土壤污染的建设项目"),
            _q(JX_PLAN, "对优先保护类耕地实施严格保护"),
        ),
        "coast": (),
        "emission_general": (
            _q(JX_PLAN, "新（改、扩）建涉重金属重点行业建设项目实施“减量置换”或“等量替换”原则"),
            _q(JX_PLAN, "严格石化、化工、工业涂装、包装印刷等重点行业挥发性有机物全过程管控"),
        ),
        "emission_key": (
            _q(JX_PLAN, "持续推进钢铁、水泥行业企业超低排放改造"),
            _q(JX_PLAN, "督促重点涉气排放企业逐步取消烟气旁路"),
        ),
        "emission_basin": (_q(JX_PLAN, "在鄱阳湖、仙女湖等重点区域实施总磷等污染物排放控制"),),
        "emission_yangtze": (_q(JX_PLAN, "在鄱阳湖、仙女湖等重点区域实施总磷等污染物排放控制"),),
        "emission_coast": (),
        "risk_general": (
            _q(JX_PLAN, "明确地下水污染防治重点治理区和优先防控区"),
            _q(
                SOLID_LAW,
                "在生态保护红线区域、永久基本农田集中区域和其他需要特别保护的区域内，禁止建设工业固体废物、危险废物集中贮存、利用、处置的设施、场所和生活垃圾填埋场。",
                "第二十一条",
            ),
        ),
        "risk_park": (_q(JX_PLAN, "严格新（改、扩）建尾矿库环境准入，实施“一矿一策”污染治理"),),
        "risk_water": (
            _q(JX_PLAN, "划定地下水型饮用水水源补给区，优先实施风险管控"),
            _q(WPPL, "在饮用水水源保护区内，禁止设置排污口。", "第六十四条"),
        ),
        "risk_yangtze": (
            _q(JX_PLAN, "全面落实长江流域重点水域禁捕要求"),
            _q(
                CJBHF,
                "禁止在长江流域河湖管理范围内倾倒、填埋、堆放、弃置、处理固体废物。",
                "第四十九条",
            ),
        ),
        "resource_general": (_q(JX_PLAN, "抑制高碳投资"),),
        "resource_park": (_q(JX_PLAN, "严格实施节能审查制度"),),
        "resource_urban": (_q(JX_PLAN, "城镇新建建筑中绿色建筑面积占比达到100%"),),
        "resource_eco": (_q(JX_PLAN, "强化湿地用途管制和利用监管"),),
    },
}

#: Heavy-industry categories used in the access lists, in a fixed order.
HEAVY = (
    "化工",
    "石化",
    "钢铁",
    "焦化",
    "有色",
    "电镀",
    "制革",
    "印染",
    "造纸",
    "水泥",
    "平板玻璃",
    "电解铝",
    "炼油",
)
JS_B3 = ("钢铁", "焦化", "炼油", "电解铝", "水泥", "平板玻璃")
JX_B17 = ("钢铁", "水泥", "平板玻璃")


def _ordered(cats: Iterable[str]) -> list[str]:
    wanted = set(cats)
    return [c for c in HEAVY if c in wanted]


def access_lists(
    tag: str, unit_class: str, subtype: str, park_category: str | None
) -> tuple[list[str], list[str]]:
    """Banned and restricted industry categories of a unit (see SOURCES.md)."""
    if unit_class == PRIORITY:
        return list(HEAVY), []
    if tag == "JS":
        banned: set[str] = set(JS_B3)
        if subtype == "产业园区":
            restricted = {"化工", "石化", "电镀", "印染", "制革", "造纸"}
            if park_category != "化工":
                banned |= {"化工", "石化"}
        elif subtype == "沿江":
            restricted = {"化工", "石化", "电镀", "制革", "印染"}
        elif subtype == "城镇生活":
            banned |= {"化工", "电镀", "制革", "印染", "造纸"}
            restricted = {"石化", "有色"}
        else:
            restricted = {"化工", "石化", "有色", "电镀", "制革", "焦化"}
    else:
        banned = set()
        if subtype == "产业园区":
            restricted = {*JX_B17, "化工", "有色", "电镀"}
            if park_category != "化工":
                banned |= {"化工", "石化"}
        elif subtype == "沿江":
            restricted = {*JX_B17, "化工", "石化", "有色"}
        elif subtype == "城镇生活":
            banned |= {"化工", "电镀", "制革"}
            restricted = {*JX_B17, "印染", "有色"}
        else:
            restricted = {*JX_B17, "有色", "电镀", "制革"}
    return _ordered(banned), _ordered(restricted - banned)


def _numbered(clauses: Sequence[str]) -> str:
    return "；".join(f"{i}. {c}" for i, c in enumerate(clauses, start=1)) + "。"


def access_texts(
    tag: str,
    unit_class: str,
    subtype: str,
    rng: Rng,
    *,
    near_mainstem: bool,
    near_water: bool,
    coastal: bool,
    basin: bool,
) -> dict[str, str]:
    """The four 准入清单 texts of a unit, composed from quoted clauses."""
    c = CLAUSES[tag]

    def one(theme: str) -> list[str]:
        options = c.get(theme, ())
        return [pick(rng, options)] if options else []

    spatial: list[str] = []
    emission: list[str] = []
    risk: list[str] = []
    resource: list[str] = []
    if unit_class == PRIORITY:
        spatial += (
            one("red_line")
            if subtype == "生态保护红线"
            else one("waterside" if subtype == "水域岸线" else "eco_space")
        )
        spatial += one("poyang") if tag == "JX" and basin and near_water else []
        emission += ["禁止新建排放污染物的工业项目，现有项目逐步退出或改造"]
        risk += one("risk_water") if near_water else one("risk_general")
        resource += one("resource_eco")
    elif unit_class == KEY:
        spatial += one(
            "park" if subtype == "产业园区" else "yangtze" if subtype == "沿江" else "urban"
        )
        spatial += one("yangtze") if near_mainstem and subtype != "沿江" else []
        spatial += list(c["capacity"])
        emission += one("emission_key")
        emission += (
            one("emission_yangtze" if near_mainstem else "emission_basin")
            if basin or near_mainstem
            else []
        )
        risk += one(
            "risk_park"
            if subtype == "产业园区"
            else "risk_yangtze"
            if near_mainstem
            else "risk_general"
        )
        resource += one("resource_park" if subtype == "产业园区" else "resource_urban")
    else:
        spatial += one("farmland")
        spatial += list(c["capacity"])
        emission += one("emission_general")
        risk += one("risk_water") if near_water else one("risk_general")
        resource += one("resource_general")
    if coastal:
        spatial += one("coast")
        emission += one("emission_coast")
    return {
        "spatial_constraints": _numbered(spatial),
        "emission_controls": _numbered(emission),
        "risk_controls": _numbered(risk),
        "resource_efficiency": _numbered(resource),
    }


# =========================================================================== industries

#: Industry categories: GB/T 4754-2017 codes, the word used in names, and risk weights
#: (一般, 较大, 重大).
INDUSTRIES: dict[str, tuple[tuple[str, ...], tuple[float, float, float]]] = {
    "化工": (
        ("C2611", "C2614", "C2621", "C2631", "C2641", "C2651", "C2661", "C2669"),
        (0.1, 0.6, 0.3),
    ),
    "炼油": (("C2511",), (0.0, 0.5, 0.5)),
    "医药": (("C2710",), (0.35, 0.6, 0.05)),
    "电镀": (("C3360",), (0.35, 0.6, 0.05)),
    "制革": (("C1910",), (0.35, 0.6, 0.05)),
    "印染": (("C1713", "C1752"), (0.6, 0.4, 0.0)),
    "造纸": (("C2221",), (0.6, 0.4, 0.0)),
    "水泥": (("C3011",), (0.8, 0.2, 0.0)),
    "平板玻璃": (("C3041",), (0.8, 0.2, 0.0)),
    "钢铁": (("C3110", "C3120", "C3130"), (0.3, 0.6, 0.1)),
    "焦化": (("C2521",), (0.2, 0.6, 0.2)),
    "有色": (("C3211", "C3212"), (0.35, 0.6, 0.05)),
    "电解铝": (("C3216",), (0.4, 0.55, 0.05)),
    "纺织": (("C1711",), (0.9, 0.1, 0.0)),
    "装备制造": (("C3311",), (0.9, 0.1, 0.0)),
    "汽车零部件": (("C3670",), (0.9, 0.1, 0.0)),
    "电子": (("C3982",), (0.75, 0.25, 0.0)),
    "食品": (("C1391",), (0.95, 0.05, 0.0)),
}

#: Park categories: (GB/T 4754 lead division, industries of its enterprises with weights).
PARK_PROFILES: dict[str, tuple[str | None, tuple[tuple[str, float], ...]]] = {
    "化工": ("C26", (("化工", 0.8), ("医药", 0.1), ("炼油", 0.03), ("电镀", 0.07))),
    "装备制造": ("C34", (("装备制造", 0.55), ("汽车零部件", 0.3), ("电镀", 0.15))),
    "电子信息": ("C39", (("电子", 0.8), ("电镀", 0.2))),
    "纺织印染": ("C17", (("纺织", 0.55), ("印染", 0.45))),
    "医药": ("C27", (("医药", 0.85), ("化工", 0.15))),
    "综合": (
        None,
        (
            ("装备制造", 0.3),
            ("食品", 0.25),
            ("纺织", 0.15),
            ("电子", 0.15),
            ("造纸", 0.1),
            ("电镀", 0.05),
        ),
    ),
}


def _risk(rng: Rng, category: str) -> str:
    return str(pick(rng, ("一般", "较大", "重大"), INDUSTRIES[category][1]))


# =========================================================================== generators


def _serials(items: list[tuple[str, Item]], prefix: str, width: int, infix: str = "") -> list[Item]:
    """Give items codes ``prefix + county adcode + infix + serial`` in their current order."""
    counters: dict[str, int] = {}
    out: list[Item] = []
    for adcode, item in items:
        counters[adcode] = counters.get(adcode, 0) + 1
        item.props["code"] = f"{prefix}{adcode}{infix}{counters[adcode]:0{width}d}"
        item.props["admin_code"] = adcode
        out.append(item)
    return out


def _with_counties(world: ProvinceWorld, geoms: Sequence[BaseGeometry]) -> list[County]:
    return world.county_of(np.array(geoms, dtype=object)) if geoms else []


def _seat_exclusion(world: ProvinceWorld, urban_m: float, other_m: float) -> BaseGeometry:
    return shapely.union_all(
        [c.seat.buffer(urban_m if c.urban else other_m, 24) for c in world.counties]
    )


def _fan(center: Point, a0: float, a1: float, radius: float) -> Polygon:
    angles = np.linspace(a0, a1, 12)
    ring = [
        (center.x, center.y),
        *zip(center.x + radius * np.cos(angles), center.y + radius * np.sin(angles), strict=True),
    ]
    return Polygon(ring)


@dataclass(frozen=True)
class AnchoredRedLine:
    """A red-line patch drawn on purpose (for an example)."""

    tag: str
    name: str
    type: str
    lon: float
    lat: float
    radius: float


ANCHORED_RED_LINES = (
    AnchoredRedLine("JS", "宜兴南部丘陵水源涵养生态保护红线", "水源涵养", 119.738, 31.198, 3200.0),
)

#: Lakes whose shores get red-line belts, with the number of sectors considered.
LAKE_BELTS = {
    "JS": (("太湖", 10), ("洪泽湖", 8), ("高邮湖", 5), ("白马湖", 3)),
    "JX": (("鄱阳湖", 14),),
}
RED_TYPES = {
    "JS": (("水源涵养", 0.35), ("生物多样性维护", 0.35), ("水土保持", 0.30)),
    "JX": (("水源涵养", 0.45), ("水土保持", 0.35), ("生物多样性维护", 0.20)),
}


def red_lines(world: ProvinceWorld, seed: int) -> list[Item]:
    """生态保护红线: lake-shore belts, 长江 reaches, hill patches; disjoint, clear of cities."""
    rng = rng_for(seed, f"red_lines/{world.tag}")
    cands: list[tuple[BaseGeometry, str, str]] = []
    for a in ANCHORED_RED_LINES:
        if a.tag == world.tag:
            cands.append(
                (
                    blob(world.frame.point(a.lon, a.lat), a.radius, _fixed_rng(), roughness=0.15),
                    a.type,
                    a.name,
                )
            )
    for lake, sectors in LAKE_BELTS[world.tag]:
        surf = world.surface(lake)
        if surf.is_empty:
            continue
        belt = surf.buffer(rng.uniform(800, 1500)).difference(surf.buffer(-rng.uniform(300, 900)))
        centre = surf.centroid
        reach = math.sqrt(surf.area) * 3
        for k in range(sectors):
            if rng.random() < 0.35:
                continue
            a0 = 2 * math.pi * k / sectors + rng.uniform(0, 0.2)
            part = belt.intersection(
                _fan(centre, a0, a0 + 2 * math.pi / sectors * rng.uniform(0.5, 0.9), reach)
            )
            kind = "湿地保护" if rng.random() < 0.7 else "水源涵养"
            cands.append((part, kind, f"{lake}湖滨{kind}生态保护红线"))
    mainstem = shapely.union_all([w.geom for w in world.waters("长江", polygonal=True)])
    centre_line = shapely.union_all(
        [w.geom for w in world.waters("长江", polygonal=False)]
    ).intersection(world.outline)
    for p in sample_on(centre_line, {"JS": 9, "JX": 4}[world.tag], rng):
        reach = p.buffer(rng.uniform(3000, 7000)).intersection(
            mainstem.buffer(rng.uniform(200, 600))
        )
        cands.append((reach, "生物多样性维护", "长江{county}段生物多样性维护生态保护红线"))
    if world.tag == "JX":
        gan = world.surface("赣江")
        for p in sample_on(gan.boundary, 4, rng):
            cands.append(
                (
                    p.buffer(rng.uniform(3000, 6000)).intersection(gan.buffer(400)),
                    "水源涵养",
                    "赣江{county}段水源涵养生态保护红线",
                )
            )
    n_hills = {"JS": 45, "JX": 140}[world.tag]
    rmin, rmax = {"JS": (1500.0, 5000.0), "JX": (2500.0, 9000.0)}[world.tag]
    centres = sample_in(world.outline, n_hills * 4, rng)
    far = (world.seat_distance(shapely.points(centres)) > 10_000) & (
        world.water_distance(shapely.points(centres)) > 2000
    )
    for xy in centres[far][:n_hills]:
        kind = pick_weighted(rng, RED_TYPES[world.tag])
        shape = blob(Point(xy), rng.uniform(rmin, rmax), rng, stretch=rng.uniform(1.0, 2.2))
        cands.append((shape, kind, "{county}" + f"{kind}生态保护红线"))
    n_anchored = sum(1 for a in ANCHORED_RED_LINES if a.tag == world.tag)
    cities = _seat_exclusion(world, 4000, 2500)
    geoms = []
    for i, (g, _, _) in enumerate(cands):
        g = polygons_only(g.intersection(world.outline))
        if i >= n_anchored:
            g = keep_clear(polygons_only(g.difference(cities)), world, "red_lines")
        geoms.append(g)
    kept = disjoint_sequence(geoms, min_area=300_000)
    rows = [
        (g, kind, name) for g, (_, kind, name) in zip(kept, cands, strict=True) if g is not None
    ]
    counties = _with_counties(world, [g for g, _, _ in rows])
    names = unique_names(
        [name.format(county=c.short) for (_, _, name), c in zip(rows, counties, strict=True)]
    )
    items: list[tuple[str, Item]] = []
    for (g, kind, _), county, name in zip(rows, counties, names, strict=True):
        items.append((county.adcode, Item({"name": name, "type": kind, "level": "国家级"}, g)))
    return _serials(items, "HX", 3)


# --------------------------------------------------------------------------- drinking water


@dataclass(frozen=True)
class Intake:
    """A demo drinking-water intake: on the bank of a real river or lake surface.

    ``lon``/``lat`` is a point on land on the intake side; the intake sits on the
    nearest bank. ``upstream`` is a rough (dx, dy) direction of upstream flow.
    """

    tag: str
    source: str
    county: str
    water: str
    lon: float
    lat: float
    upstream: tuple[float, float] = (0.0, 0.0)
    quasi: bool = False


INTAKES: tuple[Intake, ...] = (
    Intake(
        "JS", "江阴市长江一号水源地", "320281", "长江", 120.425, 31.965, (-1.0, -0.4), quasi=True
    ),
    Intake("JS", "南京市长江一号水源地", "320106", "长江", 118.712, 32.085, (-0.6, -1.0)),
    Intake("JS", "南京市长江二号水源地", "320113", "长江", 118.985, 32.175, (-1.0, 0.0)),
    Intake("JS", "镇江市长江一号水源地", "321112", "长江", 119.380, 32.195, (-1.0, 0.0)),
    Intake("JS", "扬州市长江一号水源地", "321012", "长江", 119.550, 32.290, (-1.0, 0.0)),
    Intake(
        "JS", "张家港市长江一号水源地", "320582", "长江", 120.620, 32.000, (-1.0, -0.5), quasi=True
    ),
    Intake("JS", "南通市长江一号水源地", "320612", "长江", 120.930, 32.010, (-1.0, 0.3)),
    Intake("JS", "无锡市太湖一号水源地", "320211", "太湖", 120.200, 31.470),
    Intake("JS", "苏州市太湖一号水源地", "320506", "太湖", 120.420, 31.160),
    Intake("JS", "淮安市洪泽湖一号水源地", "320813", "洪泽湖", 118.870, 33.300),
    Intake("JS", "高邮市高邮湖一号水源地", "321084", "高邮湖", 119.400, 32.800),
    Intake(
        "JX", "南昌市赣江一号水源地", "360111", "赣江", 115.890, 28.620, (0.0, -1.0), quasi=True
    ),
    Intake("JX", "南昌市赣江二号水源地", "360104", "赣江", 115.875, 28.740, (0.0, -1.0)),
    Intake("JX", "吉安市赣江一号水源地", "360802", "赣江", 115.010, 27.120, (0.0, -1.0)),
    Intake("JX", "赣州市赣江一号水源地", "360702", "赣江", 114.950, 25.900, (0.0, -1.0)),
    Intake("JX", "樟树市赣江一号水源地", "360982", "赣江", 115.560, 28.060, (0.0, -1.0)),
    Intake("JX", "九江市长江一号水源地", "360402", "长江", 116.020, 29.730, (-1.0, 0.0)),
    Intake("JX", "都昌县鄱阳湖一号水源地", "360428", "鄱阳湖", 116.200, 29.275),
)


def _unit(dx: float, dy: float) -> tuple[float, float]:
    n = math.hypot(dx, dy)
    return (dx / n, dy / n) if n > 0 else (1.0, 0.0)


def bank_frame(
    surface: BaseGeometry, near: Point, upstream: tuple[float, float]
) -> tuple[Point, tuple[float, float], tuple[float, float]]:
    """Bank point nearest ``near``, upstream tangent ``t`` and normal ``n`` pointing into the water."""
    rings = [r for r in shapely.get_parts(surface.boundary) if r.length > 0]
    ring = min(rings, key=lambda r: r.distance(near))
    s = ring.project(near)
    bank = ring.interpolate(s)
    a, b = ring.interpolate((s - 400) % ring.length), ring.interpolate((s + 400) % ring.length)
    t = _unit(b.x - a.x, b.y - a.y)
    if upstream != (0.0, 0.0) and t[0] * upstream[0] + t[1] * upstream[1] < 0:
        t = (-t[0], -t[1])
    n = (-t[1], t[0])
    if not surface.contains(Point(bank.x + 60 * n[0], bank.y + 60 * n[1])):
        n = (-n[0], -n[1])
    return bank, t, n


def frame_rect(
    origin: Point,
    t: tuple[float, float],
    n: tuple[float, float],
    a0: float,
    a1: float,
    b0: float,
    b1: float,
) -> Polygon:
    """Rectangle spanning ``a0..a1`` along ``t`` and ``b0..b1`` along ``n`` from ``origin``."""
    corners = [(a0, b0), (a1, b0), (a1, b1), (a0, b1)]
    return Polygon(
        [(origin.x + a * t[0] + b * n[0], origin.y + a * t[1] + b * n[1]) for a, b in corners]
    )


def river_zones(
    surface: BaseGeometry, intake: Intake, world: ProvinceWorld
) -> dict[str, BaseGeometry]:
    """Grade polygons of a river intake (§4.4 demo defaults of data-standards.md)."""
    bank, t, n = bank_frame(surface, world.frame.point(intake.lon, intake.lat), intake.upstream)
    water1 = surface.intersection(frame_rect(bank, t, n, -100, 1000, 0, 500))
    land1 = (
        surface.buffer(50)
        .difference(surface)
        .intersection(frame_rect(bank, t, n, -100, 1000, -300, 500))
    )
    grade1 = polygons_only(water1.union(land1))
    water2 = surface.intersection(frame_rect(bank, t, n, -300, 3000, 0, 1000))
    land2 = (
        surface.buffer(1000)
        .difference(surface)
        .intersection(frame_rect(bank, t, n, -300, 3000, -1500, 1000))
    )
    zones = {"一级": grade1, "二级": polygons_only(water2.union(land2).difference(grade1))}
    if intake.quasi:
        water3 = surface.intersection(frame_rect(bank, t, n, 3000, 8000, 0, 1000))
        land3 = (
            surface.buffer(1000)
            .difference(surface)
            .intersection(frame_rect(bank, t, n, 3000, 8000, -1500, 1000))
        )
        zones["准保护区"] = polygons_only(
            water3.union(land3).difference(grade1).difference(zones["二级"])
        )
    return zones


def lake_zones(
    surface: BaseGeometry, intake: Intake, world: ProvinceWorld
) -> dict[str, BaseGeometry]:
    """Grade polygons of a lake intake (§4.4 demo defaults)."""
    bank, _, n = bank_frame(surface, world.frame.point(intake.lon, intake.lat), (0.0, 0.0))
    point = Point(bank.x + 200 * n[0], bank.y + 200 * n[1])
    shore1 = surface.buffer(200).difference(surface)
    grade1 = polygons_only(
        surface.intersection(point.buffer(300, 32)).union(
            shore1.intersection(point.buffer(500, 32))
        )
    )
    shore2 = surface.buffer(2000).difference(surface)
    grade2 = surface.intersection(point.buffer(2300, 32)).union(
        shore2.intersection(point.buffer(2300, 32))
    )
    return {"一级": grade1, "二级": polygons_only(grade2.difference(grade1))}


GRADE_SUFFIX = {"一级": "1", "二级": "2", "准保护区": "Z"}


def drinking_water_zones(world: ProvinceWorld) -> list[Item]:
    """饮用水水源保护区: one to three grades per demo intake (no randomness)."""
    items: list[Item] = []
    serial: dict[str, int] = {}
    for intake in INTAKES:
        if intake.tag != world.tag:
            continue
        surface = world.surface(intake.water)
        lake = any(w.body.kind == "lake" for w in world.waters(intake.water, polygonal=True))
        zones = (lake_zones if lake else river_zones)(surface, intake, world)
        serial[intake.county] = serial.get(intake.county, 0) + 1
        for grade, geom in zones.items():
            if geom.is_empty:
                continue
            props = {
                "code": f"SY{intake.county}{serial[intake.county]:03d}-{GRADE_SUFFIX[grade]}",
                "name": f"{intake.source}{grade if grade == '准保护区' else grade + '保护区'}",
                "grade": grade,
                "water_source": intake.source,
                "admin_code": intake.county,
            }
            items.append(Item(props, geom))
    return items


# --------------------------------------------------------------------------- ecological spaces

ES_TYPE = {
    "水源涵养": "重要水源涵养区",
    "生物多样性维护": "特殊物种保护区",
    "水土保持": "生态公益林",
    "湿地保护": "重要湿地",
}
CANALS_CLEAN = (
    "京杭运河(江南运河)",
    "京杭运河(里运河)",
    "京杭运河(中运河)",
    "通榆运河",
    "新通扬运河",
    "通扬运河",
)


def ecological_spaces(
    world: ProvinceWorld, seed: int, reds: Sequence[Item], dws: Sequence[Item]
) -> list[Item]:
    """生态空间管控区域 (Jiangsu): rings round red lines, national-tier copies, standalone areas."""
    if world.tag != "JS":
        return []
    rng = rng_for(seed, "ecological_spaces")
    national: list[tuple[BaseGeometry, str, str]] = []
    cands: list[tuple[BaseGeometry, str, str]] = []
    for red in reds:
        es_type = ES_TYPE.get(red.props["type"], "重要水源涵养区")
        if rng.random() < 0.15:
            national.append(
                (red.geom, es_type, red.props["name"].replace("生态保护红线", "") + es_type)
            )
        ring = red.geom.buffer(rng.uniform(300, 1500), 16).difference(red.geom)
        cands.append(
            (ring, es_type, red.props["name"].replace("生态保护红线", "") + "外围" + es_type)
        )
    for canal in CANALS_CLEAN:
        line = shapely.union_all(
            [w.geom for w in world.waters(canal, polygonal=False)]
        ).intersection(world.outline)
        for p in sample_on(line, 2, rng):
            cands.append(
                (
                    p.buffer(rng.uniform(4000, 9000)).intersection(
                        line.buffer(rng.uniform(300, 800))
                    ),
                    "清水通道维护区",
                    f"{canal}清水通道维护区",
                )
            )
    for lake in ("洪泽湖", "高邮湖", "白马湖"):
        surf = world.surface(lake)
        if surf.is_empty:
            continue
        band = surf.buffer(3000).difference(surf)
        for p in sample_on(surf.boundary, 2, rng):
            cands.append(
                (
                    band.intersection(p.buffer(rng.uniform(3000, 6000))),
                    "洪水调蓄区",
                    f"{lake}洪水调蓄区",
                )
            )
    taihu = world.surface("太湖")
    if not taihu.is_empty:
        band = taihu.buffer(5000).difference(taihu)
        for p in sample_on(taihu.boundary, 5, rng):
            cands.append(
                (
                    band.intersection(p.buffer(rng.uniform(4000, 8000))),
                    "太湖重要保护区",
                    "太湖重要保护区",
                )
            )
    centres = sample_in(world.outline, 120, rng)
    d_seat = world.seat_distance(shapely.points(centres))
    ok = (d_seat > 5000) & (d_seat < 15000)
    for xy in centres[ok][:30]:
        kind = str(pick(rng, ("森林公园", "风景名胜区", "湿地公园", "地质遗迹保护区")))
        cands.append((blob(Point(xy), rng.uniform(1000, 3000), rng), kind, "{county}" + kind))
    red_union = shapely.union_all([r.geom for r in reds])
    dws_union = shapely.union_all([d.geom for d in dws])
    geoms = [
        keep_clear(
            polygons_only(
                g.intersection(world.outline).difference(red_union).difference(dws_union)
            ),
            world,
            "ecological_spaces",
        )
        for g, _, _ in cands
    ]
    kept = disjoint_sequence(geoms, min_area=200_000)
    rows = [(g, "国家级生态保护红线", kind, name) for g, kind, name in national]
    rows += [
        (g, "生态空间管控区域", kind, name)
        for g, (_, kind, name) in zip(kept, cands, strict=True)
        if g is not None
    ]
    counties = _with_counties(world, [r[0] for r in rows])
    names = unique_names([r[3].format(county=c.short) for r, c in zip(rows, counties, strict=True)])
    items = [
        (c.adcode, Item({"name": name, "type": kind, "control_level": level}, g))
        for (g, level, kind, _), c, name in zip(rows, counties, names, strict=True)
    ]
    return _serials(items, "STKJ", 3)


# --------------------------------------------------------------------------- wetlands

#: Protection status of the real lakes (demo assignment, see SOURCES.md).
LAKE_STATUS = {"鄱阳湖": "国际重要", "太湖": "省级重要", "洪泽湖": "省级重要", "高邮湖": "省级重要"}


@dataclass(frozen=True)
class AnchoredWetland:
    """A wetland drawn on purpose around an example site."""

    site: str
    name: str
    category: str
    status: str


ANCHORED_WETLANDS = (
    AnchoredWetland("lianyungang-coastal-wind-farm", "赣榆沿海滩涂湿地", "近海与海岸", "一般"),
    AnchoredWetland("poyang-marsh-visitor-centre", "鄱阳湖都昌洲滩沼泽湿地", "沼泽", "省级重要"),
)


def anchored_wetland_geometry(
    world: ProvinceWorld, site: ExampleSite, category: str
) -> BaseGeometry:
    """Deterministic wetland polygon around an example site."""
    centre = (
        world.frame.point(site.lon, site.lat)
        if site.footprint is None
        else site_geometry(site, world).centroid
    )
    if category == "近海与海岸":
        coast = world.coast.intersection(centre.buffer(6000))
        return polygons_only(coast.buffer(2500, 16).intersection(centre.buffer(5000, 32)))
    lake = world.surface("鄱阳湖")
    return polygons_only(
        lake.buffer(2000, 16).difference(lake).intersection(centre.buffer(3500, 32))
    )


def wetlands(world: ProvinceWorld, seed: int) -> list[Item]:
    """湿地: real NGCC lake polygons plus generated coastal, marsh, river and constructed wetlands."""
    rng = rng_for(seed, f"wetlands/{world.tag}")
    rows: list[tuple[BaseGeometry, str, str, str, bool, str | None]] = []
    lakes: list[BaseGeometry] = []
    for w in world.water:
        if w.body.kind != "lake" or w.name is None:
            continue
        geom = polygons_only(w.geom.intersection(world.outline))
        if geom.area < 5e6:
            continue
        lakes.append(w.geom)
        rows.append((geom, w.name, "湖泊", LAKE_STATUS.get(w.name, "一般"), False, w.body.code))
    lake_union = shapely.union_all(lakes) if lakes else Polygon()
    synthetic: list[tuple[BaseGeometry, str, str, str]] = []
    for a in ANCHORED_WETLANDS:
        site = next(s for s in EXAMPLE_SITES if s.key == a.site)
        if site.tag == world.tag:
            synthetic.append(
                (
                    anchored_wetland_geometry(world, site, a.category).difference(lake_union),
                    a.name,
                    a.category,
                    a.status,
                )
            )
    n_anchored = len(synthetic)
    coast = world.coast
    if not coast.is_empty:
        for p in sample_on(coast, 18, rng):
            county = world.county_of([p])[0]
            city = county.unit.parent_adcode or ""
            status = {
                "320900": ("国际重要", "国家重要", "省级重要"),
                "320700": ("省级重要", "一般"),
            }.get(city, ("省级重要", "一般"))
            geom = coast.intersection(p.buffer(rng.uniform(4000, 9000))).buffer(
                rng.uniform(1500, 4000), 16
            )
            synthetic.append((geom, "{county}沿海滩涂湿地", "近海与海岸", str(pick(rng, status))))
    for lake, n in {"JS": (("洪泽湖", 4), ("高邮湖", 2)), "JX": (("鄱阳湖", 9),)}[world.tag]:
        surf = world.surface(lake)
        for p in sample_on(surf.boundary, n, rng):
            geom = (
                surf.buffer(rng.uniform(800, 2000), 16)
                .difference(surf)
                .intersection(p.buffer(rng.uniform(2500, 5000)))
            )
            synthetic.append(
                (
                    geom,
                    f"{lake}" + "{county}洲滩沼泽湿地",
                    "沼泽",
                    str(pick(rng, ("省级重要", "一般"))),
                )
            )
    river = world.surface("长江")
    for p in sample_on(
        river.boundary.intersection(world.outline), {"JS": 6, "JX": 3}[world.tag], rng
    ):
        geom = (
            river.buffer(1200, 16).difference(river).intersection(p.buffer(rng.uniform(2000, 4000)))
        )
        synthetic.append(
            (geom, "长江{county}段洲滩湿地", "河流", str(pick(rng, ("省级重要", "一般"))))
        )
    centres = sample_in(world.outline, 60, rng)
    d_seat = world.seat_distance(shapely.points(centres))
    for xy in centres[(d_seat > 4000) & (d_seat < 12000)][:6]:
        synthetic.append(
            (
                blob(Point(xy), rng.uniform(400, 1200), rng),
                "{county}尾水净化人工湿地",
                "人工",
                str(pick(rng, ("湿地公园", "一般"))),
            )
        )
    geoms = []
    for i, (g, _, _, _) in enumerate(synthetic):
        g = polygons_only(g.difference(lake_union))
        if i >= n_anchored:
            g = keep_clear(
                polygons_only(g.intersection(world.outline.buffer(5000))), world, "wetlands"
            )
        geoms.append(g)
    kept = disjoint_sequence(geoms, min_area=200_000)
    rows += [
        (g, name, cat, status, True, None)
        for g, (_, name, cat, status) in zip(kept, synthetic, strict=True)
        if g is not None
    ]
    counties = _with_counties(world, [r[0] for r in rows])
    names = unique_names([r[1].format(county=c.short) for r, c in zip(rows, counties, strict=True)])
    items = [
        (
            c.adcode,
            Item(
                {"name": name, "category": cat, "protection_status": status},
                g,
                synthetic=syn,
                source_id=src,
            ),
        )
        for (g, _, cat, status, syn, src), c, name in zip(rows, counties, names, strict=True)
    ]
    return _serials(items, "SD", 3)


# --------------------------------------------------------------------------- industrial parks


@dataclass(frozen=True)
class AnchoredPark:
    """A chemical park drawn on purpose beside real water (for the 1 km examples)."""

    tag: str
    county: str
    water: str
    lon: float
    lat: float
    radius: float
    level: str


ANCHORED_PARKS = (
    AnchoredPark("JS", "320281", "长江", 120.1515, 31.9154, 2600.0, "省级"),
    AnchoredPark("JS", "320116", "长江", 118.8700, 32.2300, 3000.0, "国家级"),
    AnchoredPark("JS", "320723", "海岸线", 119.6700, 34.5200, 3500.0, "国家级"),
    AnchoredPark("JX", "360429", "长江", 116.2400, 29.7400, 2500.0, "省级"),
)
PARK_KINDS = {
    "化工": "化工园区",
    "装备制造": "装备制造产业园",
    "电子信息": "电子信息产业园",
    "纺织印染": "纺织产业园",
    "医药": "医药产业园",
    "综合": "工业集中区",
}


def anchored_park_geometry(world: ProvinceWorld, park: AnchoredPark) -> BaseGeometry:
    """Band between 150 m and ``radius`` from the water, within ``radius`` of the bank point."""
    near = world.frame.point(park.lon, park.lat)
    if park.water == "海岸线":
        water: BaseGeometry = world.coast
        land = world.outline
    else:
        water = world.surface(park.water)
        land = world.outline.difference(world.water_surfaces)
    bank = nearest_points(water.boundary if shapely.get_dimensions(water) == 2 else water, near)[0]
    band = water.buffer(park.radius, 24).difference(water.buffer(150, 24))
    return polygons_only(band.intersection(bank.buffer(park.radius, 48)).intersection(land))


def industrial_parks(world: ProvinceWorld, seed: int, avoid: Sequence[BaseGeometry]) -> list[Item]:
    """工业园区: anchored and random chemical parks by the 长江, plus ordinary parks near seats."""
    rng = rng_for(seed, f"industrial_parks/{world.tag}")
    cands: list[tuple[BaseGeometry, str, str, bool]] = []  # geometry, category, level, anchored
    for park in ANCHORED_PARKS:
        if park.tag == world.tag:
            cands.append((anchored_park_geometry(world, park), "化工", park.level, True))
    river = world.surface("长江")
    land = world.outline.difference(world.water_surfaces)
    for p in sample_on(
        river.boundary.intersection(world.outline), {"JS": 6, "JX": 1}[world.tag], rng
    ):
        r = rng.uniform(1500, 2800)
        band = river.buffer(r, 16).difference(river.buffer(rng.uniform(100, 600), 16))
        cands.append(
            (
                band.intersection(p.buffer(r, 32)).intersection(land),
                "化工",
                str(pick(rng, ("省级", "国家级"), (0.7, 0.3))),
                False,
            )
        )
    cats = ("装备制造", "电子信息", "纺织印染", "医药", "综合")
    for county in world.counties:
        n = int(rng.integers(0, 2)) if county.urban else int(rng.integers(1, 3))
        for _ in range(n):
            for _attempt in range(8):
                angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(2500, 9000)
                c = Point(
                    county.seat.x + dist * math.cos(angle), county.seat.y + dist * math.sin(angle)
                )
                if county.geom.contains(c) and not world.water_surfaces.contains(c):
                    break
            else:
                continue
            shape = blob(
                c, rng.uniform(900, 2200), rng, stretch=rng.uniform(1.0, 1.8)
            ).intersection(county.geom)
            level = str(pick(rng, ("国家级", "省级", "市级"), (0.1, 0.45, 0.45)))
            cands.append((shape, str(pick(rng, cats, (0.3, 0.2, 0.15, 0.1, 0.25))), level, False))
    blocked = shapely.union_all([*avoid, world.water_surfaces])
    geoms = []
    for g, _, _, _ in cands:
        geoms.append(keep_clear(polygons_only(g.difference(blocked)), world, "industrial_parks"))
    kept = disjoint_sequence(geoms, min_area=500_000)
    rows = [
        (g, cat, level) for g, (_, cat, level, _) in zip(kept, cands, strict=True) if g is not None
    ]
    counties = _with_counties(world, [r[0] for r in rows])
    items: list[tuple[str, Item]] = []
    per_county: dict[str, int] = {}
    for (g, cat, level), c in zip(rows, counties, strict=True):
        per_county[c.adcode] = per_county.get(c.adcode, 0) + 1
        lead, _ = PARK_PROFILES[cat]
        risk = (
            str(pick(rng, ("较大", "重大"), (0.5, 0.5)))
            if cat == "化工"
            else str(pick(rng, ("一般", "较大"), (0.7, 0.3)))
        )
        props = {
            "name": f"{c.short}{PARK_KINDS[cat]}{per_county[c.adcode]:02d}",
            "level": level,
            "industry_category": cat,
            "industry_code": lead,
            "risk_grade": risk,
        }
        items.append((c.adcode, Item(props, g)))
    return _serials(items, "YQ", 2)


# --------------------------------------------------------------------------- farmland


def farmland_zones(
    world: ProvinceWorld, seed: int, avoid: Sequence[BaseGeometry], parks: Sequence[Item]
) -> list[Item]:
    """优先保护类耕地集中区: a few dozen patches per province, away from cities and parks."""
    rng = rng_for(seed, f"farmland_zones/{world.tag}")
    centres = sample_in(world.outline, 600, rng)
    pts = shapely.points(centres)
    ok = (world.seat_distance(pts) > 12_000) & (world.water_distance(pts) > 1500)
    blocked = shapely.union_all(
        [*avoid, world.water_surfaces, *(p.geom.buffer(1000, 16) for p in parks)]
    )
    geoms = []
    for xy in centres[ok][:60]:
        shape = blob(Point(xy), rng.uniform(1500, 3500), rng, stretch=rng.uniform(1.0, 1.6))
        geoms.append(
            keep_clear(
                polygons_only(shape.intersection(world.outline).difference(blocked)),
                world,
                "farmland_zones",
            )
        )
    kept = [g for g in disjoint_sequence(geoms, min_area=3_000_000) if g is not None][:40]
    counties = _with_counties(world, kept)
    items: list[tuple[str, Item]] = []
    per_county: dict[str, int] = {}
    for g, c in zip(kept, counties, strict=True):
        per_county[c.adcode] = per_county.get(c.adcode, 0) + 1
        items.append(
            (
                c.adcode,
                Item({"name": f"{c.short}优先保护类耕地集中区{per_county[c.adcode]:02d}"}, g),
            )
        )
    return _serials(items, "GD", 3)


# --------------------------------------------------------------------------- enterprises

#: Distances (m) from the 长江 bank at which chemical enterprises are placed on purpose.
DESIGNED_DISTANCES = (300, 400, 500, 650, 800, 900, 1100, 1300, 1600, 2000, 2500, 3000)
SCATTERED_MIX = (
    ("电镀", 0.12),
    ("印染", 0.10),
    ("造纸", 0.07),
    ("化工", 0.08),
    ("水泥", 0.05),
    ("纺织", 0.10),
    ("装备制造", 0.15),
    ("食品", 0.12),
    ("汽车零部件", 0.08),
    ("电子", 0.07),
    ("有色", 0.03),
    ("制革", 0.03),
)
#: Extra scattered industries by city: steel in 徐州/常州, nonferrous in 鹰潭/赣州/上饶 (B19/B21).
CITY_EXTRA = {
    "320300": ("钢铁", 4),
    "320400": ("钢铁", 2),
    "360600": ("有色", 4),
    "360700": ("有色", 4),
    "361100": ("有色", 3),
}


def at_distance(
    surface: BaseGeometry, bank: Point, outward: tuple[float, float], d: float, land: BaseGeometry
) -> Point | None:
    """A point on land whose distance to ``surface`` is ``d`` (±5 m), walking out from ``bank``."""
    p = Point(bank.x + d * outward[0], bank.y + d * outward[1])
    for _ in range(8):
        actual = surface.distance(p)
        if abs(actual - d) < 2:
            break
        p = Point(p.x + (d - actual) * outward[0], p.y + (d - actual) * outward[1])
    if abs(surface.distance(p) - d) > 5 or not land.contains(p):
        return None
    return p


def enterprises(
    world: ProvinceWorld, seed: int, parks: Sequence[Item], avoid: Sequence[BaseGeometry]
) -> list[Item]:
    """重点排污企业: in parks, on purpose near the 长江 and the coast, and scattered near seats."""
    rng = rng_for(seed, f"enterprises/{world.tag}")
    land = world.outline.difference(world.water_surfaces)
    points: list[tuple[Point, str]] = []
    river = world.surface("长江")
    for anchor in ANCHORED_PARKS:
        if anchor.tag != world.tag or anchor.water != "长江":
            continue
        bank, _, _ = bank_frame(river, world.frame.point(anchor.lon, anchor.lat), (0.0, 0.0))
        ring = min(shapely.get_parts(river.boundary), key=lambda r: r.distance(bank))
        s0 = ring.project(bank)
        offsets = rng.permutation(np.linspace(-6000, 6000, len(DESIGNED_DISTANCES)))
        for d, off in zip(DESIGNED_DISTANCES, offsets, strict=True):
            b, _, nb = bank_frame(river, ring.interpolate((s0 + off) % ring.length), (0.0, 0.0))
            p = at_distance(river, b, (-nb[0], -nb[1]), float(d), land)
            if p is not None:
                points.append((p, "化工"))
    if not world.coast.is_empty:
        for p in sample_on(
            world.coast.intersection(world.county("320723").geom.buffer(20_000)), 6, rng
        ):
            inland = [
                Point(p.x + r * math.cos(a), p.y + r * math.sin(a))
                for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)
                for r in (rng.uniform(1000, 5000),)
            ]
            onshore = [q for q in inland if land.contains(q)]
            if onshore:
                points.append((onshore[0], "化工"))
    for park in parks:
        cat = park.props["industry_category"]
        _, mix = PARK_PROFILES[cat]
        n = int(np.clip(round(park.geom.area / 1e6 * 1.2), 3, 12))
        for xy in sample_in(park.geom, n, rng):
            points.append((Point(xy), pick_weighted(rng, mix)))
    blocked = shapely.union_all(
        [*avoid, *(site_geometry(s, world).buffer(500) for s in sites(world.tag))]
    )
    for county in world.counties:
        wanted = [pick_weighted(rng, SCATTERED_MIX) for _ in range(int(rng.integers(2, 7)))]
        extra = CITY_EXTRA.get(county.unit.parent_adcode or "")
        if extra and not county.urban:
            wanted += [extra[0]] * extra[1]
        for cat in wanted:
            for _attempt in range(10):
                p = Point(county.seat.x + rng.normal(0, 3500), county.seat.y + rng.normal(0, 3500))
                if county.geom.contains(p) and land.contains(p) and not blocked.contains(p):
                    points.append((p, cat))
                    break
    park_tree = shapely.STRtree([p.geom for p in parks]) if parks else None
    counties = _with_counties(world, [p for p, _ in points])
    items: list[tuple[str, Item]] = []
    serial: dict[str, int] = {}
    for (p, cat), c in zip(points, counties, strict=True):
        serial[c.adcode] = serial.get(c.adcode, 0) + 1
        park_code = None
        if park_tree is not None:
            hits = park_tree.query(p, predicate="within")
            park_code = parks[int(hits[0])].props["code"] if len(hits) else None
        codes, _ = INDUSTRIES[cat]
        props = {
            "name": f"{c.short}{cat}企业{serial[c.adcode]:03d}",
            "industry_category": cat,
            "industry_code": str(pick(rng, codes)),
            "risk_grade": _risk(rng, cat),
            "park_code": park_code,
        }
        items.append((c.adcode, Item(props, p)))
    return _serials(items, "91", 4, infix="DEMO")


# --------------------------------------------------------------------------- control units


def _cells(county: County, n: int, rng: Rng) -> list[BaseGeometry]:
    """Gap-free Voronoi tiling of a county from ``n`` seeds (half clustered near the seat)."""
    uniform = sample_in(county.geom, n - n // 2, rng)
    sigma = math.sqrt(county.area_km2 * 1e6) / 4
    near = np.column_stack(
        [county.seat.x + rng.normal(0, sigma, 4 * n), county.seat.y + rng.normal(0, sigma, 4 * n)]
    )
    near = near[shapely.contains_xy(county.geom, near[:, 0], near[:, 1])][: n // 2]
    if len(near) < n // 2:
        near = np.vstack([near, sample_in(county.geom, n // 2 - len(near), rng)])
    seeds = np.unique(np.round(np.vstack([uniform, near]), 1), axis=0)
    extent = county.geom.envelope.buffer(2000)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(MultiPoint(seeds), extend_to=extent, ordered=True)
    )
    clipped = shapely.intersection(cells, county.geom)
    out = []
    for g in clipped:
        g = polygons_only(g)
        if not g.is_empty and g.area > 1.0:
            out.append(g)
    return out


def _overlap(
    cells: Sequence[BaseGeometry], zones: Sequence[BaseGeometry]
) -> tuple[FloatArray, NDArray[np.int64]]:
    """Share of each cell covered by ``zones`` (disjoint) and the zone covering most of it (-1)."""
    share = np.zeros(len(cells))
    best = np.full(len(cells), -1, dtype=np.int64)
    if not zones:
        return share, best
    tree = shapely.STRtree(list(zones))
    ci, zi = tree.query(np.array(cells, dtype=object), predicate="intersects")
    if len(ci) == 0:
        return share, best
    areas = shapely.area(
        shapely.intersection(np.array(cells, dtype=object)[ci], np.array(zones, dtype=object)[zi])
    )
    np.add.at(share, ci, areas)
    best_area = np.zeros(len(cells))
    for c, z, a in zip(ci.tolist(), zi.tolist(), areas.tolist(), strict=True):
        if a > best_area[c]:
            best_area[c], best[c] = a, z
    cell_area = shapely.area(np.array(cells, dtype=object))
    return share / np.maximum(cell_area, 1.0), best


JS_TAIHU_CITIES = ("320200", "320400", "320500")


def control_units(
    world: ProvinceWorld, seed: int, reds: Sequence[Item], parks: Sequence[Item], density: float
) -> list[Item]:
    """环境管控单元: Voronoi tiling of every county, classes 30/35/35 with spatial biases.

    Args:
        world: the province.
        seed: dataset seed.
        reds: red lines of the province (units mostly inside them are 优先保护).
        parks: industrial parks of the province (units mostly inside them are 重点管控).
        density: units per km² (at least 30 per county).
    """
    rng = rng_for(seed, f"control_units/{world.tag}")
    cells: list[BaseGeometry] = []
    owner: list[County] = []
    for county in world.counties:
        n = max(30, round(density * county.area_km2))
        got = _cells(county, n, rng)
        cells += got
        owner += [county] * len(got)
    cell_arr = np.array(cells, dtype=object)
    points = shapely.point_on_surface(cell_arr)
    red_share, _ = _overlap(cells, [r.geom for r in reds])
    park_share, park_best = _overlap(cells, [p.geom for p in parks])
    d_water = world.water_distance(points)
    d_main = world.mainstem_distance(points)
    d_seat = world.seat_distance(points)
    d_coast = (
        NearestDistance([world.coast])(points)
        if not world.coast.is_empty
        else np.full(len(cells), np.inf)
    )
    d_poyang = (
        NearestDistance([world.surface("鄱阳湖")])(points)
        if world.tag == "JX"
        else np.full(len(cells), np.inf)
    )
    noise = rng.random((2, len(cells)))

    n = len(cells)
    klass: list[str | None] = [None] * n
    subtype: list[str] = [""] * n
    park_cat: list[str | None] = [
        parks[int(i)].props["industry_category"] if i >= 0 and park_share[k] > 0 else None
        for k, i in enumerate(park_best)
    ]
    tree = shapely.STRtree(cells)
    for site in sites(world.tag):
        if site.unit is None:
            continue
        at = world.frame.point(site.lon, site.lat)
        hit = tree.query(at, predicate="intersects")
        for k in hit.tolist():
            klass[k], subtype[k] = site.unit
            inside = [p for p in parks if p.geom.contains(at)]
            park_cat[k] = inside[0].props["industry_category"] if inside else park_cat[k]
    for k in range(n):
        if klass[k] is not None:
            continue
        if red_share[k] >= 0.3:
            klass[k], subtype[k] = PRIORITY, "生态保护红线"
        elif park_share[k] >= 0.3:
            klass[k], subtype[k] = KEY, "产业园区"
    prio = 1.5 * red_share + np.exp(-d_water / 2500) + 0.4 * noise[0]
    key = np.exp(-d_seat / 5000) + 1.5 * park_share + 0.3 * (d_main < 3000) + 0.4 * noise[1]
    for cls, score in ((PRIORITY, prio), (KEY, key)):
        need = round(CLASS_MIX[cls] * n) - sum(1 for c in klass if c == cls)
        free = [k for k in np.argsort(-score, kind="stable").tolist() if klass[k] is None]
        for k in free[: max(need, 0)]:
            klass[k] = cls
    for k in range(n):
        if klass[k] is None:
            klass[k] = GENERAL
        if subtype[k]:
            continue
        if klass[k] == PRIORITY:
            subtype[k] = (
                "生态保护红线"
                if red_share[k] > 0.05
                else "水域岸线"
                if d_water[k] < 2000
                else "一般生态空间"
            )
        elif klass[k] == KEY:
            subtype[k] = (
                "产业园区" if park_share[k] > 0.1 else "沿江" if d_main[k] < 5000 else "城镇生活"
            )
        else:
            subtype[k] = "农业农村" if d_seat[k] > 6000 else "城乡结合"

    serial: dict[tuple[str, str], int] = {}
    items: list[Item] = []
    for k in range(n):
        county, cls, sub = owner[k], str(klass[k]), subtype[k]
        key_ = (county.adcode, cls)
        serial[key_] = serial.get(key_, 0) + 1
        banned, restricted = access_lists(
            world.tag, cls, sub, park_cat[k] if sub == "产业园区" else None
        )
        basin = (
            (county.unit.parent_adcode in JS_TAIHU_CITIES)
            if world.tag == "JS"
            else bool(d_poyang[k] < 20_000)
        )
        texts = access_texts(
            world.tag,
            cls,
            sub,
            rng,
            near_mainstem=bool(d_main[k] < 3000),
            near_water=bool(d_water[k] < 1500),
            coastal=bool(d_coast[k] < 8000),
            basin=basin,
        )
        props = {
            "code": f"ZH{county.adcode}{CLASS_DIGIT[cls]}{serial[key_]:04d}",
            "name": f"{county.unit.name}{sub}{cls}{serial[key_]:04d}",
            "unit_class": cls,
            "admin_code": county.adcode,
            **texts,
            "banned_industries": banned,
            "restricted_industries": restricted,
        }
        items.append(Item(props, cells[k]))
    return items


# --------------------------------------------------------------------------- monitoring stations


def monitoring_stations(world: ProvinceWorld, seed: int) -> list[Item]:
    """监测站点: air stations in every county, water sections on real water, marine points."""
    rng = rng_for(seed, f"monitoring_stations/{world.tag}")
    rows: list[
        tuple[Point, str, str, str, str]
    ] = []  # point, medium, level, name stub, water/label
    for county in world.counties:
        n = int(rng.integers(1, 3)) if county.urban else int(rng.integers(2, 4))
        for i in range(n):
            spread = 1500 if i == 0 else 6000
            for _attempt in range(10):
                p = Point(
                    county.seat.x + rng.normal(0, spread), county.seat.y + rng.normal(0, spread)
                )
                if county.geom.contains(p) and not world.water_surfaces.contains(p):
                    break
            else:
                continue
            level = (
                ("国控" if county.urban else "省控")
                if i == 0
                else str(pick(rng, ("省控", "市控"), (0.3, 0.7)))
            )
            rows.append((p, "air", level, "城区空气站" if i == 0 else "空气站", ""))
    plan = {
        "JS": (
            ("长江", 14),
            ("太湖", 10),
            ("洪泽湖", 5),
            ("高邮湖", 3),
            ("白马湖", 2),
            ("淮河", 6),
            ("京杭运河(江南运河)", 5),
            ("京杭运河(里运河)", 4),
            ("京杭运河(中运河)", 4),
            ("通榆运河", 5),
            ("新通扬运河", 3),
            ("通扬运河", 3),
            ("通吕运河", 2),
            ("苏北灌溉总渠", 3),
            ("淮河入江水道", 3),
        ),
        "JX": (
            ("长江", 5),
            ("鄱阳湖", 10),
            ("赣江", 25),
            ("贡水", 4),
            ("绵水", 2),
            ("东江(寻邬水)", 2),
        ),
    }[world.tag]
    for name, count in plan:
        bodies = world.waters(name)
        if not bodies:
            continue
        lake = any(w.body.kind == "lake" for w in bodies)
        national = name in ("长江", "太湖", "鄱阳湖", "赣江", "洪泽湖")
        if lake:
            pts = [
                Point(xy)
                for xy in sample_in(world.surface(name).intersection(world.outline), count, rng)
            ]
        else:
            lines = shapely.union_all([w.geom for w in bodies if not w.polygonal]).intersection(
                world.outline
            )
            pts = sample_on(lines, count, rng)
        for p in pts:
            level = (
                str(pick(rng, ("国控", "省控"), (0.6, 0.4)))
                if national
                else str(pick(rng, ("省控", "市控")))
            )
            rows.append((p, "surface_water", level, "点位" if lake else "断面", name))
    if not world.coast.is_empty:
        for p in sample_on(world.coast, 10, rng):
            for r in (rng.uniform(3000, 15000),):
                seaward = [
                    Point(p.x + r * math.cos(a), p.y + r * math.sin(a))
                    for a in np.linspace(0, 2 * math.pi, 16, endpoint=False)
                ]
                off = max(seaward, key=lambda q: world.outline.distance(q))
                if world.outline.distance(off) > 1000:
                    rows.append(
                        (off, "marine", str(pick(rng, ("国控", "省控"))), "近岸海域点位", "")
                    )
    counties = _with_counties(world, [r[0] for r in rows])
    letter = {"air": "A", "surface_water": "W", "marine": "M"}
    serial: dict[tuple[str, str], int] = {}
    items: list[Item] = []
    for (p, medium, level, stub, water), c in zip(rows, counties, strict=True):
        key_ = (c.adcode, medium)
        serial[key_] = serial.get(key_, 0) + 1
        retired = rng.random() < 0.04
        props = {
            "code": f"{c.adcode}{letter[medium]}{serial[key_]:02d}",
            "name": f"{water}{c.short}{stub}{serial[key_]}",
            "medium": medium,
            "level": level,
            "operator": f"{world.city_name.get(c.unit.parent_adcode or '', '')}环境监测站",
            "status": "retired" if retired else "active",
            "admin_code": c.adcode,
        }
        items.append(Item(props, p))
    return items


# --------------------------------------------------------------------------- outfalls

OUTFALL_PLAN = {
    "JS": (
        ("长江", 430, "入江"),
        ("太湖", 150, "入湖"),
        ("洪泽湖", 50, "入湖"),
        ("高邮湖", 30, "入湖"),
        ("白马湖", 12, "入湖"),
        ("微山湖", 6, "入湖"),
        ("淮河", 60, "入河"),
        ("京杭运河(江南运河)", 70, "入河"),
        ("京杭运河(里运河)", 40, "入河"),
        ("京杭运河(中运河)", 35, "入河"),
        ("通榆运河", 45, "入河"),
        ("新通扬运河", 25, "入河"),
        ("通扬运河", 25, "入河"),
        ("通吕运河", 15, "入河"),
        ("苏北灌溉总渠", 20, "入河"),
        ("淮河入江水道", 15, "入河"),
        ("海岸线", 160, "入海"),
    ),
    "JX": (
        ("长江", 60, "入江"),
        ("鄱阳湖", 120, "入湖"),
        ("赣江", 180, "入河"),
        ("贡水", 20, "入河"),
        ("绵水", 10, "入河"),
        ("东江(寻邬水)", 10, "入河"),
    ),
}
OUTFALL_CLASSES = (("工业", 0.45), ("城镇污水处理厂", 0.2), ("农业", 0.1), ("其他", 0.25))
STAGES = (("排查", 0.1), ("监测", 0.15), ("溯源", 0.15), ("整治", 0.35), ("销号", 0.25))


def _deadline(rng: Rng, strict_water: bool, stage: str) -> str:
    year = (
        int(pick(rng, (2022, 2023)))
        if stage == "销号"
        else 2023
        if strict_water
        else int(pick(rng, (2024, 2025)))
    )
    month = int(pick(rng, (3, 6, 9, 12)))
    day = 31 if month in (3, 12) else 30
    return f"{year}-{month:02d}-{day:02d}"


def outfalls(
    world: ProvinceWorld, seed: int, companies: Sequence[Item], dws: Sequence[Item]
) -> list[Item]:
    """入河入海排污口 along real banks and the coast, outside grade-1/2 water-source zones."""
    rng = rng_for(seed, f"outfalls/{world.tag}")
    protected = shapely.union_all([d.geom for d in dws if d.props["grade"] in ("一级", "二级")])
    sites_zone = shapely.union_all([site_geometry(s, world).buffer(300) for s in sites(world.tag)])
    shapely.prepare(protected)
    rows: list[tuple[Point, str, str]] = []
    for name, count, kind in OUTFALL_PLAN[world.tag]:
        if name == "海岸线":
            lines = world.coast
        else:
            bodies = world.waters(name)
            surfaces = [w.geom for w in bodies if w.polygonal]
            lines = shapely.union_all(
                [s.boundary for s in surfaces] if surfaces else [w.geom for w in bodies]
            )
            lines = lines.intersection(world.outline)
        if lines.is_empty:
            continue
        pts = [
            p
            for p in sample_on(lines, int(count * 1.3), rng)
            if not protected.contains(p) and not sites_zone.contains(p)
        ]
        rows += [(p, name, kind) for p in pts[:count]]
    company_tree = shapely.STRtree([c.geom for c in companies]) if companies else None
    counties = _with_counties(world, [r[0] for r in rows])
    serial: dict[str, int] = {}
    wwtp: dict[str, int] = {}
    items: list[Item] = []
    for (p, water, kind), c in zip(rows, counties, strict=True):
        serial[c.adcode] = serial.get(c.adcode, 0) + 1
        cls = pick_weighted(rng, OUTFALL_CLASSES)
        discharger, flow = "", 0.0
        if cls == "工业":
            cls = "其他"
            if company_tree is not None:
                near, dist = company_tree.query_nearest(p, return_distance=True, all_matches=False)
                if len(near) and float(dist[0]) < 5000:
                    cls = "工业"
                    discharger = companies[int(near[0])].props["name"]
                    flow = round(float(rng.lognormal(6.5, 1.0)), 1)
        if cls == "城镇污水处理厂":
            wwtp[c.adcode] = wwtp.get(c.adcode, 0) + 1
            discharger = f"{c.short}第{wwtp[c.adcode]}污水处理厂"
            flow = round(float(rng.uniform(5000, 120000)), -2)
        elif cls == "农业":
            discharger = f"{c.short}{pick(rng, ('规模化畜禽养殖场', '规模化水产养殖场'))}{serial[c.adcode]:03d}"
            flow = round(float(rng.uniform(20, 400)), 1)
        elif cls == "其他":
            discharger = f"{c.short}{pick(rng, ('农村生活污水处理设施', '港口码头', '雨洪排口管理单位'))}{serial[c.adcode]:03d}"
            flow = round(float(rng.uniform(5, 300)), 1)
        stage = pick_weighted(rng, STAGES)
        strict_water = water in ("长江", "太湖")
        props = {
            "code": f"PWK{c.adcode}{serial[c.adcode]:04d}",
            "name": f"{discharger}{kind}排污口",
            "type": kind,
            "receiving_water": "黄海" if water == "海岸线" else water,
            "discharger": discharger,
            "permitted_flow_m3d": flow,
            "status": stage,
            "deadline": _deadline(rng, strict_water, stage),
            "admin_code": c.adcode,
        }
        items.append(Item(props, p))
    for item, name in zip(items, unique_names([i.props["name"] for i in items]), strict=True):
        item.props["name"] = name
    return items
