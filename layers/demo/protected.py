"""Generators of the protected-area layers: red lines, ecological spaces, wetlands, farmland.

Red lines are lake-shore belts, 长江/赣江 reaches and hill patches; Jiangsu's ecological
spaces ring them and follow canals and lakes; wetlands are the real NGCC lakes plus
generated coastal, marsh, river and constructed ones; farmland patches keep away from
cities, water, parks and the other protected zones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from layers.demo.sites import ExampleSite, example_sites, fixed_rng, keep_clear, site_geometry
from layers.demo.world import (
    Item,
    ProvinceWorld,
    blob,
    disjoint_sequence,
    pick,
    pick_weighted,
    polygons_only,
    rng_for,
    sample_in,
    sample_on,
    serials,
    unique_names,
    with_counties,
)

# --------------------------------------------------------------------------- red lines


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
                    blob(world.frame.point(a.lon, a.lat), a.radius, fixed_rng(), roughness=0.15),
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
    counties = with_counties(world, [g for g, _, _ in rows])
    names = unique_names(
        [name.format(county=c.short) for (_, _, name), c in zip(rows, counties, strict=True)]
    )
    items: list[tuple[str, Item]] = []
    for (g, kind, _), county, name in zip(rows, counties, names, strict=True):
        items.append((county.adcode, Item({"name": name, "type": kind, "level": "国家级"}, g)))
    return serials(items, "HX", 3)


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
    counties = with_counties(world, [r[0] for r in rows])
    names = unique_names([r[3].format(county=c.short) for r, c in zip(rows, counties, strict=True)])
    items = [
        (c.adcode, Item({"name": name, "type": kind, "control_level": level}, g))
        for (g, level, kind, _), c, name in zip(rows, counties, names, strict=True)
    ]
    return serials(items, "STKJ", 3)


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
        site = next(s for s in example_sites() if s.key == a.site)
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
    counties = with_counties(world, [r[0] for r in rows])
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
    return serials(items, "SD", 3)


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
    counties = with_counties(world, kept)
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
    return serials(items, "GD", 3)
