"""Generator of the enterprises (重点排污企业) and the industry tables they draw from."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from layers.demo.parks import ANCHORED_PARKS, PARK_PROFILES
from layers.demo.sites import site_geometry, sites
from layers.demo.water import bank_frame
from layers.demo.world import (
    Item,
    ProvinceWorld,
    Rng,
    pick,
    pick_weighted,
    rng_for,
    sample_in,
    sample_on,
    serials,
    with_counties,
)

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


def _risk(rng: Rng, category: str) -> str:
    return str(pick(rng, ("一般", "较大", "重大"), INDUSTRIES[category][1]))


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
    counties = with_counties(world, [p for p, _ in points])
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
    return serials(items, "91", 4, infix="DEMO")
