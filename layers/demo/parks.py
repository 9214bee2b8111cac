"""Generator of the industrial parks: chemical parks by the 长江 and the coast, others near seats."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from layers.demo.sites import keep_clear
from layers.demo.world import (
    Item,
    ProvinceWorld,
    blob,
    disjoint_sequence,
    pick,
    polygons_only,
    rng_for,
    sample_on,
    serials,
    with_counties,
)


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
    counties = with_counties(world, [r[0] for r in rows])
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
    return serials(items, "YQ", 2)
