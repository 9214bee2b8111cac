"""Generators of the sensitive-area layers: 自然保护地, 岸线, 河湖管理范围, 生态缓冲带, 海洋.

Everything is synthetic but drawn on the real NGCC geography: nature reserves round
鄱阳湖 (三区) and 洪泽湖 (两区, re-zoned under the 2026 regulation), a marine park, marine
red lines, a bathing beach and fishery waters off 连云港 (海州湾); 长江 bank segments at 江阴
and 南京 and the 太湖 shore cut into segments with function zones, the 连云港 coast with
protection classes; river management areas along the 长江 and 赣江 and round 太湖;
buffer strips along the 赣江 and the 鄱阳湖 lakeside zone; reclamation on the 连云港 coast.
Zones are concentric, so each lies inside its reserve; every layer keeps clear of the
worked examples that do not ask for it (:func:`layers.demo.sites.keep_clear`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
import shapely.ops
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from layers.demo.sites import clearance, keep_clear
from layers.demo.world import Item, ProvinceWorld, polygons_only, rng_for, with_counties

SYN = "（合成）"


@dataclass(frozen=True)
class Reserve:
    """A synthetic protected area drawn as concentric discs round a real place."""

    tag: str
    name: str
    type: str
    level: str
    regime: str | None
    lon: float
    lat: float
    radius: float
    #: (zone, inner radius, outer radius) in metres, innermost first.
    zones: tuple[tuple[str, float, float], ...] = ()
    established: str = "1988-01-01"
    #: at sea: the land is cut away.
    marine: bool = False


RESERVES: tuple[Reserve, ...] = (
    Reserve(
        "JX", "鄱阳湖候鸟自然保护区" + SYN, "自然保护区", "国家级", "三区", 116.04, 29.12, 12_000,
        (("核心区", 0, 4000), ("缓冲区", 4000, 6500), ("实验区", 6500, 11_950)),
        "1983-06-01",
    ),
    Reserve(
        "JS", "洪泽湖湿地自然保护区" + SYN, "自然保护区", "国家级", "两区", 118.40, 33.28, 10_000,
        (("核心保护区", 0, 4000), ("一般控制区", 4000, 9950)),
        "2004-01-01",
    ),
    Reserve(
        "JS", "海州湾海洋公园" + SYN, "海洋公园", "国家级", None, 119.40, 34.88, 6000,
        established="2011-05-01", marine=True,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class MarineArea:
    """A synthetic marine red line, bathing beach or fishery water off 连云港."""

    name: str
    designation: str
    type: str
    control: str
    lon: float
    lat: float
    radius: float
    #: an estuary's red line takes in its tidal flats and mouth on land; others stop at the coast
    at_sea: bool = True


MARINE: tuple[MarineArea, ...] = (
    MarineArea("临洪河口海洋生态红线区" + SYN, "海洋生态红线区", "重要河口", "禁止类", 119.24, 34.81, 4000, False),
    MarineArea("海州湾海洋保护区生态红线区" + SYN, "海洋生态红线区", "海洋保护区", "限制类", 119.40, 34.88, 6000),
    MarineArea("海州湾重要渔业水域" + SYN, "重要渔业水域", "重要渔业水域", "限制类", 119.56, 34.96, 8000),
    MarineArea("连岛海水浴场" + SYN, "海水浴场", "海水浴场", "限制类", 119.47, 34.765, 900),
)  # fmt: skip


@dataclass(frozen=True)
class Window:
    """Whole administrative units (adcode prefixes) in which a layer draws a water's banks.

    Inside them the layer is complete for every NGCC water they hold (the 长江 alone at
    南京 and 江阴, the 赣江 alone in the three 南昌 districts, the coast alone in 连云港),
    so they are its release's coverage (:data:`COVERAGE`): there, no feature means none.
    """

    place: str
    #: the units, as Chinese names for the release notes
    names: str
    adcodes: tuple[str, ...]


NANJING = Window("南京", "南京市", ("3201",))
JIANGYIN = Window("江阴", "江阴市、靖江市（对岸）", ("320281", "321282"))
NANCHANG = Window("南昌", "南昌市东湖区、西湖区、红谷滩区", ("360102", "360103", "360113"))
LIANYUNGANG = Window("连云港", "连云港市", ("3207",))

#: The 长江 windows with the river's downstream bearing there (degrees from north:
#: north-east through 南京, east past 江阴), which names the banks.
YANGTZE_WINDOWS = ((NANJING, 45.0), (JIANGYIN, 90.0))
GAN_WINDOW = NANCHANG
COAST_WINDOW = LIANYUNGANG

#: Where each windowed layer is complete: the release's coverage. Its features elsewhere
#: (the 太湖 shore and management area, the 鄱阳湖 滨湖区) are covered only round
#: themselves (the importer adds each one's hull + 1 km), as nothing else is drawn there.
COVERAGE: dict[str, tuple[Window, ...]] = {
    "shoreline_segments": (NANJING, JIANGYIN, LIANYUNGANG),
    "river_management_areas": (NANJING, JIANGYIN, NANCHANG),
    "ecological_buffers": (NANCHANG,),
}


def window_area(world: ProvinceWorld, window: Window) -> BaseGeometry:
    """The window's counties in the province's frame (empty in the other province)."""
    return shapely.union_all(
        [c.geom for c in world.counties if c.adcode.startswith(window.adcodes)]
    )


#: Places whose bank is a 岸线保护区 on purpose (the protected-shoreline worked example).
PROTECTED_BANKS = ((118.6327, 31.9755),)

#: Function zone → (nature of the bank, use), for river and lake segments.
FUNCTION_ZONES = (
    ("岸线保护区", "自然岸线", "生态"),
    ("岸线保留区", "生态岸线", "生态"),
    ("岸线控制利用区", "人工岸线", "生活"),
    ("岸线开发利用区", "人工岸线", "港口码头"),
)
COAST_CLASSES = (
    ("严格保护", "自然岸线", "生态"),
    ("限制开发", "生态岸线", "旅游"),
    ("优化利用", "人工岸线", "港口码头"),
)
SEGMENT_M = 3000.0


def _disc(world: ProvinceWorld, lon: float, lat: float, radius: float) -> BaseGeometry:
    return world.frame.point(lon, lat).buffer(radius, 64)


def _coded(
    world: ProvinceWorld, rows: list[tuple[dict[str, object], BaseGeometry]], prefix: str
) -> list[Item]:
    counties = with_counties(world, [g for _, g in rows])
    counters: dict[str, int] = {}
    items = []
    for (props, geom), county in zip(rows, counties, strict=True):
        counters[county.adcode] = counters.get(county.adcode, 0) + 1
        code = f"{prefix}{county.adcode}{counters[county.adcode]:03d}"
        items.append(Item({**props, "code": code, "admin_code": county.adcode}, geom))
    return items


def protected_areas(world: ProvinceWorld) -> list[Item]:
    """自然保护地: each reserve's outline, then its zones (naming it by code)."""
    rows: list[tuple[dict[str, object], BaseGeometry]] = []
    for r in (r for r in RESERVES if r.tag == world.tag):
        outline = _disc(world, r.lon, r.lat, r.radius)
        if r.marine:
            outline = polygons_only(outline.difference(world.outline))
        outline = keep_clear(outline, world, "protected_areas")
        base = {"type": r.type, "level": r.level, "zoning_regime": r.regime,
                "established": r.established}  # fmt: skip
        rows.append(({**base, "name": r.name}, outline))
    items = _coded(world, rows, "ZRBHD")
    zoned: list[Item] = []
    for item, r in zip(items, (r for r in RESERVES if r.tag == world.tag), strict=True):
        zoned.append(item)
        for k, (zone, inner, outer) in enumerate(r.zones, start=1):
            centre = world.frame.point(r.lon, r.lat)
            ring = centre.buffer(outer, 64)
            if inner > 0:
                ring = ring.difference(centre.buffer(inner, 64))
            ring = polygons_only(ring.intersection(item.geom))
            if ring.is_empty:
                continue
            props = {
                "code": f"{item.props['code']}-{k}",
                "name": f"{r.name.removesuffix(SYN)}{zone}{SYN}",
                "zone": zone,
                "reserve_code": item.props["code"],
                "type": r.type,
                "level": r.level,
                "zoning_regime": r.regime,
                "established": r.established,
                "admin_code": item.props["admin_code"],
            }
            zoned.append(Item(props, ring))
    return zoned


def _segments(line: BaseGeometry, length: float) -> list[BaseGeometry]:
    merged = shapely.line_merge(line) if line.geom_type == "MultiLineString" else line
    out = []
    for part in shapely.get_parts(merged):
        n = max(1, round(part.length / length))
        for k in range(n):
            piece = shapely.ops.substring(part, part.length * k / n, part.length * (k + 1) / n)
            if piece.length > 50:
                out.append(piece)
    return out


def _bank_side(bank: BaseGeometry, water: BaseGeometry, downstream: float) -> str:
    """左岸 or 右岸 of a river bank segment, as banks are named: facing downstream.

    ``downstream``: the river's flow bearing there (degrees from north); ``water``: its
    surface. The segment is oriented with the flow; the water lies on its left for the
    right bank and on its right for the left bank (in the working frame: metres, y north).
    """
    a, b = (bank.interpolate(f, normalized=True) for f in (0.4, 0.6))
    mid = bank.interpolate(0.5, normalized=True)
    tx, ty = b.x - a.x, b.y - a.y
    if tx * math.sin(math.radians(downstream)) + ty * math.cos(math.radians(downstream)) < 0:
        tx, ty = -tx, -ty
    norm = math.hypot(tx, ty) or 1.0
    left = shapely.Point(mid.x - ty / norm * 20.0, mid.y + tx / norm * 20.0)
    return "右岸" if water.contains(left) else "左岸"


def _clear_lines(geom: BaseGeometry, world: ProvinceWorld, collection: str) -> BaseGeometry:
    clear = clearance(world, collection)
    return geom if clear.is_empty else geom.difference(clear)


def shoreline_segments(world: ProvinceWorld, seed: int) -> list[Item]:
    """岸线: 长江 banks at 南京 and 江阴, the 太湖 shore, the 连云港 coast, in ~3 km segments."""
    rng = rng_for(seed, f"shoreline_segments/{world.tag}")
    if world.tag != "JS":
        return []
    rows: list[tuple[dict[str, object], BaseGeometry]] = []
    yangtze = world.surface("长江")
    protected = [world.frame.point(lon, lat) for lon, lat in PROTECTED_BANKS]
    for window, downstream in YANGTZE_WINDOWS:
        place = window.place
        bank = yangtze.boundary.intersection(window_area(world, window))
        for seg in _segments(_clear_lines(bank, world, "shoreline_segments"), SEGMENT_M):
            zone, nature, use = FUNCTION_ZONES[int(rng.integers(len(FUNCTION_ZONES)))]
            if any(seg.distance(p) < 1500 for p in protected):
                zone, nature, use = FUNCTION_ZONES[0]
            side = _bank_side(seg, yangtze, downstream)
            rows.append((
                {"name": f"长江{place}段{side}{zone.removeprefix('岸线')}岸段{SYN}", "water_name": "长江",
                 "water_kind": "河流", "yangtze_class": "mainstem", "bank": side,
                 "function_zone": zone, "shore_type": nature, "use": use,
                 "reference_line": "临水线"}, seg,
            ))  # fmt: skip
    lake = world.surface("太湖")
    for seg in _segments(_clear_lines(lake.boundary, world, "shoreline_segments"), 5000.0):
        zone, nature, use = FUNCTION_ZONES[int(rng.integers(3))]
        rows.append((
            {"name": f"太湖{zone.removeprefix('岸线')}岸段{SYN}", "water_name": "太湖", "water_kind": "湖泊",
             "yangtze_class": "none", "bank": "湖岸", "function_zone": zone, "shore_type": nature,
             "use": use, "reference_line": "临水线"}, seg,
        ))  # fmt: skip
    # the NGCC coast may run up to 1 km off the boundaries' shore: seaward of the window's
    # counties, not into the next ones
    area = window_area(world, COAST_WINDOW)
    coast = world.coast.intersection(area.buffer(1000).difference(world.outline.difference(area)))
    for seg in _segments(_clear_lines(coast, world, "shoreline_segments"), SEGMENT_M):
        protection, nature, use = COAST_CLASSES[int(rng.integers(len(COAST_CLASSES)))]
        rows.append((
            {"name": f"连云港{protection}海岸段{SYN}", "water_name": "黄海（海州湾）", "water_kind": "海岸",
             "yangtze_class": "none", "bank": "海岸", "protection": protection,
             "shore_type": nature, "use": use, "reference_line": "大潮平均高潮线"}, seg,
        ))  # fmt: skip
    items = _coded(world, rows, "AX")
    for item in items:
        # in the working frame (transverse Mercator): within 0.1 ‰ of the geodesic length
        item.props["length_m"] = round(item.geom.length, 1)
    return items


def river_management_areas(world: ProvinceWorld) -> list[Item]:
    """河湖管理范围: the 长江 at 南京 and 江阴, the 赣江 at 南昌 and 太湖, each with a 50–100 m bank strip."""
    rows: list[tuple[dict[str, object], BaseGeometry]] = []
    if world.tag == "JS":
        yangtze = world.surface("长江")
        for window, _ in YANGTZE_WINDOWS:
            area = yangtze.buffer(50).intersection(window_area(world, window))
            rows.append(({"name": f"长江{window.place}段河道管理范围{SYN}", "water_name": "长江",
                          "kind": "河道管理范围", "basis": "合成演示数据（临水线外50米）"}, area))  # fmt: skip
        rows.append(({"name": f"太湖湖泊管理范围{SYN}", "water_name": "太湖", "kind": "湖泊管理范围",
                      "basis": "合成演示数据（湖岸线外100米）"}, world.surface("太湖").buffer(100)))  # fmt: skip
    else:
        area = world.surface("赣江").buffer(50).intersection(window_area(world, GAN_WINDOW))
        rows.append(({"name": f"赣江{GAN_WINDOW.place}段河道管理范围{SYN}", "water_name": "赣江",
                      "kind": "河道管理范围", "basis": "合成演示数据（临水线外50米）"}, area))  # fmt: skip
    kept = [(p, keep_clear(polygons_only(g), world, "river_management_areas")) for p, g in rows]
    return _coded(world, [(p, g) for p, g in kept if not g.is_empty], "HHGL")


def ecological_buffers(world: ProvinceWorld) -> list[Item]:
    """生态缓冲带 along the 赣江 at 南昌 (100 m) and the 鄱阳湖 滨湖区 (3 km round the lake)."""
    if world.tag != "JX":
        return []
    place = GAN_WINDOW.place
    gan = world.surface("赣江")
    strip = gan.buffer(100).difference(gan).intersection(window_area(world, GAN_WINDOW))
    lake = world.surface("鄱阳湖")
    lakeside = lake.buffer(3000).difference(lake).intersection(world.outline)
    rows: list[tuple[dict[str, object], BaseGeometry]] = [
        ({"name": f"赣江{place}段生态缓冲带{SYN}", "water_name": "赣江", "kind": "生态缓冲带",
          "width_m": 100.0, "basis": "合成演示数据；江西规划未给宽度，100米为演示值"}, strip),
        ({"name": f"鄱阳湖滨湖区{SYN}", "water_name": "鄱阳湖", "kind": "滨湖区", "width_m": 3000.0,
          "basis": "合成演示数据；滨湖区范围为演示值（湖岸外3公里）"}, lakeside),
    ]  # fmt: skip
    kept = [(p, keep_clear(polygons_only(g), world, "ecological_buffers")) for p, g in rows]
    return _coded(world, [(p, g) for p, g in kept if not g.is_empty], "STHC")


def marine_red_lines(world: ProvinceWorld) -> list[Item]:
    """海洋生态红线区, 重要渔业水域 and 海水浴场 off 连云港 (discs with the land cut away)."""
    if world.tag != "JS":
        return []
    rows: list[tuple[dict[str, object], BaseGeometry]] = []
    for m in MARINE:
        sea = _disc(world, m.lon, m.lat, m.radius)
        if m.at_sea:
            sea = polygons_only(sea.difference(world.outline))
        sea = keep_clear(sea, world, "marine_red_lines")
        if not sea.is_empty:
            rows.append(({"name": m.name, "designation": m.designation, "type": m.type,
                          "control": m.control}, sea))  # fmt: skip
    return _coded(world, rows, "HYHX")


#: Reclamation on the 连云港 coast: (name, status, approved, completed, purpose, lon, lat).
RECLAMATION = (
    ("连云港港区围填海" + SYN, "历史遗留", "2008-06-01", "2012-12-31", "港口用海", 119.50, 34.70),
    ("徐圩港区围填海" + SYN, "已批准", "2016-03-01", "2019-06-30", "工业用海", 119.62, 34.58),
)


def reclamation(world: ProvinceWorld) -> list[Item]:
    """围填海: two areas straddling the 连云港 coast near the ports."""
    if world.tag != "JS" or world.coast.is_empty:
        return []
    rows: list[tuple[dict[str, object], BaseGeometry]] = []
    for name, status, approved, completed, purpose, lon, lat in RECLAMATION:
        on_coast = shapely.ops.nearest_points(world.coast, world.frame.point(lon, lat))[0]
        area = keep_clear(Point(on_coast).buffer(1500, 32), world, "reclamation")
        if not area.is_empty:
            rows.append(({"name": name, "status": status, "approved": approved,
                          "completed": completed, "purpose": purpose}, area))  # fmt: skip
    return _coded(world, rows, "WTH")
