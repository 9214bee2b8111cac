"""Generators of the water-side layers: drinking-water source zones and outfalls.

Zones are drawn with the demo defaults of data-standards.md §4.4 round invented intakes
on real river and lake banks; outfalls sit on real banks and the coast, outside the
grade-1/2 zones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from layers.demo.sites import site_geometry, sites
from layers.demo.world import (
    Item,
    ProvinceWorld,
    Rng,
    pick,
    pick_weighted,
    polygons_only,
    rng_for,
    sample_on,
    unique_names,
    with_counties,
)

# --------------------------------------------------------------------------- drinking-water zones


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


def intake_frame(
    world: ProvinceWorld, intake: Intake
) -> tuple[Point, tuple[float, float], tuple[float, float]]:
    """Where an intake stands: its bank point, upstream tangent and normal into the water.

    Its zones are drawn from this frame (:func:`river_zones`, :func:`lake_zones`) and its
    饮用水取水口 receptor stands at the bank point (:mod:`layers.demo.receptors`), so the
    intake lies on its water and at the edge of its 一级 zone.
    """
    surface = world.surface(intake.water)
    return bank_frame(surface, world.frame.point(intake.lon, intake.lat), intake.upstream)


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
    bank, t, n = intake_frame(world, intake)
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
    bank, _, n = intake_frame(world, intake)
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
#: The demo's class → HJ 1312-2023 first-level class.
HJ1312_OF_CLASS = {
    "工业": "工业排污口",
    "城镇污水处理厂": "城镇污水处理厂排污口",
    "农业": "农业排口",
    "其他": "其他排口",
}
PLAN_ACTION = {
    "工业": "规范设置并安装在线监测",
    "城镇污水处理厂": "提标改造、雨污分流",
    "农业": "养殖尾水处理后达标排放",
    "其他": "清理合并、设立标识牌",
}
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
    counties = with_counties(world, [r[0] for r in rows])
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
            "hj1312_class": HJ1312_OF_CLASS[cls],
            "plan_note": f"一口一策（合成）：{discharger}排口{PLAN_ACTION[cls]}，定期监测受纳水体"
            if stage in ("整治", "销号")
            else None,
            "admin_code": c.adcode,
        }
        items.append(Item(props, p))
    for item, name in zip(items, unique_names([i.props["name"] for i in items]), strict=True):
        item.props["name"] = name
    return items
