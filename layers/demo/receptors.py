"""Generator of the sensitive receptors (环境敏感目标): on real GeoNames towns, densified.

* Every GeoNames populated place of the province (``cities500``, :func:`read_towns`) is a
  居民区 at its real point, with its Chinese name and its GeoNames population when known
  (``synthetic`` false: nothing of it is invented).
* Round each town, invented (``synthetic``): a 中心小学 (学校), usually a 卫生院 (医院),
  sometimes a 敬老院 (养老院), 300–1,200 m from the town point.
* Each county seat gets a residential polygon (居民区, invented population) and one
  文物保护单位; counties with few towns get invented villages (村庄) until there is one
  per :data:`VILLAGE_KM2` km².
* Each demo drinking-water intake (:data:`layers.demo.water.INTAKES`) is a 饮用水取水口, at
  the bank point its zones are drawn from (:func:`layers.demo.water.intake_frame`).

Receptors keep :data:`SITE_CLEAR_M` away from the worked examples (their verdicts do not
change with the seed), except those that allow ``sensitive_receptors``; the school of
the chemical-plant example is drawn on purpose (:data:`ANCHORED`).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from layers.demo.sites import site_geometry, sites
from layers.demo.sources import Town
from layers.demo.water import INTAKES, intake_frame
from layers.demo.world import Item, ProvinceWorld, blob, rng_for, serials, with_counties

COLLECTION = "sensitive_receptors"
#: Receptors stay this far from a worked example's footprint (beyond the 500 m rules).
SITE_CLEAR_M = 600.0
#: An invented village per this many km² of a county, where towns are sparser.
VILLAGE_KM2 = 80.0
#: Receptors drawn on purpose for a worked example: (name, type, grade, azimuth°, metres
#: from the site's centre).
ANCHORED: dict[str, tuple[tuple[str, str, str, float, float], ...]] = {
    "huaian-chemical-school-300m": (("淮安区某中心小学（合成）", "学校", "县级", 0.0, 400.0),),
}


def _clearance(world: ProvinceWorld) -> BaseGeometry:
    discs = [
        site_geometry(s, world).buffer(SITE_CLEAR_M, 16)
        for s in sites(world.tag)
        if COLLECTION not in s.allow
    ]
    area = shapely.union_all(discs) if discs else shapely.Polygon()
    shapely.prepare(area)
    return area


def _around(p: Point, rng: np.random.Generator, near: float, far: float) -> Point:
    angle = rng.uniform(0.0, 2.0 * math.pi)
    dist = rng.uniform(near, far)
    return Point(p.x + dist * math.cos(angle), p.y + dist * math.sin(angle))


def sensitive_receptors(world: ProvinceWorld, seed: int, towns: list[Town]) -> list[Item]:
    """环境敏感目标 of one province (see the module's docstring)."""
    rng = rng_for(seed, f"{COLLECTION}/{world.tag}")
    outline = world.outline
    shapely.prepare(outline)
    clear = _clearance(world)
    water = world.water_surfaces

    def usable(g: BaseGeometry) -> bool:
        return bool(outline.contains(g) and not clear.intersects(g) and not water.intersects(g))

    items: list[Item] = []
    for town in towns:
        p = world.frame.point(town.lon, town.lat)
        if not usable(p):
            continue
        name = town.name_zh or town.name
        props = {"name": name, "type": "居民区", "population": town.population or None}
        items.append(Item(props, p, synthetic=False, source_id=f"geonames:{town.geonameid}"))
        stem = name.removesuffix("街道").removesuffix("镇").removesuffix("乡") or name
        for kind, label, grade, chance in (
            ("学校", "中心小学", "乡镇级", 1.0),
            ("医院", "卫生院", "一级", 0.8),
            ("养老院", "敬老院", "", 0.3),
        ):
            if rng.random() >= chance:
                continue
            q = _around(p, rng, 300.0, 1200.0)
            if usable(q):
                extra = {"grade": grade} if grade else {}
                items.append(Item({"name": f"{stem}{label}", "type": kind, **extra}, q))
    town_points = [it.geom for it in items if it.props["type"] == "居民区"]
    per_county: dict[str, int] = {}
    for county in with_counties(world, town_points):
        per_county[county.adcode] = per_county.get(county.adcode, 0) + 1
    for county in world.counties:
        area = county.seat.buffer(900.0, 16)
        if usable(area):
            items.append(
                Item(
                    {
                        "name": f"{county.short}城区居住区",
                        "type": "居民区",
                        "population": int(rng.integers(20, 120)) * 1000,
                    },
                    blob(county.seat, 700.0, rng),
                )
            )
        relic = _around(county.seat, rng, 1500.0, 5000.0)
        if county.geom.contains(relic) and usable(relic):
            grade = "省级文物保护单位" if rng.random() < 0.3 else "市县级文物保护单位"
            items.append(
                Item(
                    {"name": f"{county.short}古建筑群", "type": "文物保护单位", "grade": grade},
                    relic,
                )
            )
        missing = int(county.area_km2 / VILLAGE_KM2) - per_county.get(county.adcode, 0)
        minx, miny, maxx, maxy = county.geom.bounds
        made = 0
        for _attempt in range(max(0, missing) * 4):
            if made >= missing:
                break
            v = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if county.geom.contains(v) and usable(v):
                made += 1
                items.append(
                    Item(
                        {
                            "name": f"{county.short}第{made}村",
                            "type": "村庄",
                            "population": int(rng.integers(3, 40)) * 100,
                        },
                        v,
                    )
                )
    for intake in INTAKES:
        if intake.tag == world.tag:
            bank = intake_frame(world, intake)[0]  # where its zones are drawn from
            items.append(Item({"name": f"{intake.source}取水口", "type": "饮用水取水口"}, bank))
    for site in sites(world.tag):
        centre = world.frame.point(site.lon, site.lat)
        for name, kind, grade, azimuth, metres in ANCHORED.get(site.key, ()):
            a = math.radians(azimuth)
            p = Point(centre.x + metres * math.sin(a), centre.y + metres * math.cos(a))
            items.append(Item({"name": name, "type": kind, "grade": grade}, p))
    counties = with_counties(world, [it.geom for it in items])
    return serials([(c.adcode, it) for c, it in zip(counties, items, strict=True)], "SR", 5)
